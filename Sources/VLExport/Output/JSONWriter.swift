/// Writes compact JSON text: no white space, keys in the order given, numbers as their text.
///
/// Whole values go in with ``write(_:)``; an object or array can also be written
/// piece by piece (``beginObject()``, ``key(_:)``, a value, …, ``endObject()``),
/// which is how the normalized form of an item is written without building a
/// ``JSONValue`` first. The writer puts the commas in.
///
/// The text is kept in memory the writer owns: each write checks the room left and copies
/// its bytes, where an array would also check its storage's uniqueness and go through a
/// closure, a large part of writing the normalized form. So the writer is
/// not copyable; read the text with ``withBytes(_:)``, or take it with ``takeBytes()``.
public struct JSONWriter: ~Copyable {
    private var memory: UnsafeMutablePointer<UInt8>
    /// How many bytes were written.
    public private(set) var count = 0
    /// How many bytes it has room for before it grows.
    public private(set) var capacity: Int
    /// Whether a value was written in the open container, so the next one needs a comma.
    private var needsComma = false

    /// Creates an empty writer with room for `capacity` bytes before it grows.
    public init(capacity: Int = 256) {
        self.capacity = max(capacity, 64)
        memory = .allocate(capacity: self.capacity)
    }

    deinit { memory.deallocate() }

    /// A copy of the text written so far, as UTF-8.
    public var bytes: [UInt8] {
        Array(UnsafeBufferPointer(start: memory, count: count))
    }

    /// Calls `body` with the text written so far, as UTF-8, in place.
    public func withBytes<Result, Failure: Error>(_ body: (UnsafeRawBufferPointer) throws(Failure) -> Result) throws(Failure) -> Result {
        try body(UnsafeRawBufferPointer(start: memory, count: count))
    }

    /// Calls `body` with the text written so far, to change bytes in place.
    mutating func withMutableBytes<Result>(_ body: (UnsafeMutableBufferPointer<UInt8>) -> Result) -> Result {
        body(UnsafeMutableBufferPointer(start: memory, count: count))
    }

    /// The text written so far, in an array of its size, and the writer emptied (with its room
    /// kept) for the next document.
    public mutating func takeBytes() -> [UInt8] {
        let taken = count
        let source = memory
        reset()
        return Array(unsafeUninitializedCapacity: taken) { buffer, initialized in
            buffer.baseAddress.unsafelyUnwrapped.initialize(from: source, count: taken)
            initialized = taken
        }
    }

    /// Forgets what was written, keeping the room, to write the next document.
    public mutating func reset() {
        count = 0
        needsComma = false
    }

    /// Appends a byte as it is, outside the JSON the writer writes and without a comma: the
    /// line feed after an NDJSON line, a separator between documents.
    public mutating func appendVerbatim(_ byte: UInt8) {
        write(maximum: 1, afterComma: false) { at in Self.put(byte, at: &at) }
    }

    /// Appends at most `maximum` bytes as they are, outside the JSON the writer writes: `body`
    /// writes them from the pointer it is given and moves the pointer past them.
    @inline(__always)
    mutating func appendVerbatim(maximum: Int, _ body: (inout UnsafeMutablePointer<UInt8>) -> Void) {
        write(maximum: maximum, afterComma: false, body)
    }

    /// Starts another document after those written: its first value takes no comma (the next
    /// line of NDJSON).
    mutating func beginDocument() {
        needsComma = false
    }

    /// Opens an object.
    public mutating func beginObject() { open(UInt8(ascii: "{")) }

    /// Closes the open object.
    public mutating func endObject() { close(UInt8(ascii: "}")) }

    /// Opens an array.
    public mutating func beginArray() { open(UInt8(ascii: "[")) }

    /// Closes the open array.
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    /// Writes an opening bracket, after a comma if a value came before it; its first value takes none.
    private mutating func open(_ bracket: UInt8) {
        separated(bracket)
        needsComma = false
    }

    /// Writes a closing bracket; a value after it takes a comma.
    private mutating func close(_ bracket: UInt8) {
        write(maximum: 1, afterComma: false) { at in Self.put(bracket, at: &at) }
        needsComma = true
    }

    /// Writes a key that needs no escape, such as a key the format declares; its value comes next.
    public mutating func plainKey(_ key: StaticString) {
        let comma = needsComma
        let count = key.utf8CodeUnitCount
        write(maximum: count + 3, afterComma: comma) { at in
            Self.put(UInt8(ascii: "\""), at: &at)
            Self.copyShort(UnsafeRawPointer(key.utf8Start), count: count, to: at)
            at += count
            Self.put(UInt8(ascii: "\""), at: &at)
            Self.put(UInt8(ascii: ":"), at: &at)
        }
        needsComma = false
    }

    /// Writes an object member's key; its value comes next.
    public mutating func key(_ key: String) {
        let comma = needsComma
        key.withUTF8Bytes { writeString(utf8: $0, afterComma: comma) }
        write(maximum: 1, afterComma: false) { at in Self.put(UInt8(ascii: ":"), at: &at) }
        needsComma = false
    }

    /// Writes a string value.
    public mutating func string(_ text: String) {
        let comma = needsComma
        text.withUTF8Bytes { writeString(utf8: $0, afterComma: comma) }
        needsComma = true
    }

    /// Writes a string value from its UTF-8 bytes, with the escapes JSON requires. The bytes are
    /// copied as they are: give it valid UTF-8 (a `String`'s bytes, or text checked as ASCII).
    public mutating func string(utf8 bytes: UnsafeRawBufferPointer) {
        writeString(utf8: bytes, afterComma: needsComma)
        needsComma = true
    }

    /// Writes a string value from UTF-8 bytes that hold no quote, backslash or control
    /// character, as they are, between quotes.
    mutating func string(escapeFreeUTF8 bytes: UnsafeRawBufferPointer) {
        let count = bytes.count
        value(maximum: count + 2) { at in
            Self.put(UInt8(ascii: "\""), at: &at)
            if let base = bytes.baseAddress { Self.copyShort(base, count: count, to: at) }
            at += count
            Self.put(UInt8(ascii: "\""), at: &at)
        }
    }

    /// Writes number text as it is, with `.0` after it when asked: for text that
    /// ``integer(_:)`` or ``double(_:)`` would write as itself.
    mutating func number(verbatim text: UnsafeRawBufferPointer, appendingPointZero: Bool) {
        let count = text.count
        value(maximum: count + 2) { at in
            Self.copyShort(text.baseAddress.unsafelyUnwrapped, count: count, to: at)
            at += count
            if appendingPointZero {
                Self.put(UInt8(ascii: "."), at: &at)
                Self.put(UInt8(ascii: "0"), at: &at)
            }
        }
    }

    /// Writes `null`.
    public mutating func null() {
        value(maximum: 4) { at in Self.put("null", at: &at) }
    }

    /// Writes a whole number.
    public mutating func integer(_ value: Int) {
        self.value(maximum: Self.longestDecimal) { at in Self.putDecimal(value, at: &at) }
    }

    /// Writes a finite number in its shortest form that reads back the same (`0.88`, `6120.0`).
    public mutating func double(_ value: Double) {
        self.value(maximum: Self.longestDouble) { at in Self.putDouble(value, at: &at) }
    }

    /// Writes a value of at most `maximum` bytes, which `body` writes from the pointer it is
    /// given, moving the pointer past them, after a comma if a value came before it.
    @inline(__always)
    mutating func value(maximum: Int, _ body: (inout UnsafeMutablePointer<UInt8>) -> Void) {
        write(maximum: maximum, afterComma: needsComma, body)
        needsComma = true
    }

    /// The most bytes an `Int` takes in decimal: 19 digits and a sign.
    package static var longestDecimal: Int { 20 }

    /// The most bytes a finite `Double` takes in its shortest form.
    package static var longestDouble: Int { ShortestDecimal.longestText }

    /// Appends the decimal digits of `value` (with a minus sign when negative) to `bytes`.
    public static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        bytes.append(maximum: longestDecimal) { at in putDecimal(value, at: &at) }
    }

    /// Appends the text of a finite number, as its `description` spells it (`0.88`, `6120.0`):
    /// the shortest digits that read back as the same number.
    public static func appendDouble(_ value: Double, to bytes: inout [UInt8]) {
        ShortestDecimal.append(value, to: &bytes)
    }

    /// Writes the text of finite `value` in its shortest form (``double(_:)``'s) at `at`, which
    /// has room for ``longestDouble`` bytes, and moves `at` past it.
    package static func putDouble(_ value: Double, at: inout UnsafeMutablePointer<UInt8>) {
        ShortestDecimal.put(value, at: &at)
    }

    /// Writes the decimal digits of `value`, with a minus sign when negative, at `at`, which has
    /// room for ``longestDecimal`` bytes, and moves `at` past them.
    @inline(__always)
    package static func putDecimal(_ value: Int, at: inout UnsafeMutablePointer<UInt8>) {
        if value < 0 { put(UInt8(ascii: "-"), at: &at) }
        var remaining = value.magnitude
        var digits = 1
        var bound: UInt = 10
        while remaining >= bound, digits < 19 {
            digits += 1
            bound &*= 10
        }
        var digit = at + digits
        repeat {
            digit -= 1
            digit.pointee = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining % 10)
            remaining /= 10
        } while remaining > 0
        at += digits
    }

    /// Appends `byte`, after a comma when a value came before it in the open container.
    @inline(__always)
    private mutating func separated(_ byte: UInt8) {
        write(maximum: 1, afterComma: needsComma) { at in Self.put(byte, at: &at) }
    }

    /// Appends a comma when asked, then at most `maximum` bytes, which `body` writes from the
    /// pointer it is given, moving the pointer past them: one check of the room left.
    @inline(__always)
    private mutating func write(maximum: Int, afterComma comma: Bool, _ body: (inout UnsafeMutablePointer<UInt8>) -> Void) {
        if capacity &- count <= maximum { grow(toHold: count + maximum + 1) }
        var at = memory + count
        if comma { Self.put(UInt8(ascii: ","), at: &at) }
        body(&at)
        count = memory.distance(to: at)
    }

    /// Moves the text to memory with room for `wanted` bytes or more.
    @inline(never)
    private mutating func grow(toHold wanted: Int) {
        let grownCapacity = max(wanted, capacity * 2)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: grownCapacity)
        grown.initialize(from: memory, count: count)
        memory.deallocate()
        memory = grown
        capacity = grownCapacity
    }

    /// Copies `count` bytes, as `memcpy` does, without the call for the short keys and strings
    /// that JSON is mostly made of: words that may overlap, all within both buffers.
    @inline(__always)
    private static func copyShort(_ source: UnsafeRawPointer, count: Int, to destination: UnsafeMutablePointer<UInt8>) {
        let target = UnsafeMutableRawPointer(destination)
        switch count {
        case 16...32:
            target.storeBytes(of: source.loadUnaligned(as: UInt64.self), as: UInt64.self)
            target.storeBytes(of: source.loadUnaligned(fromByteOffset: 8, as: UInt64.self), toByteOffset: 8, as: UInt64.self)
            target.storeBytes(of: source.loadUnaligned(fromByteOffset: count - 16, as: UInt64.self), toByteOffset: count - 16, as: UInt64.self)
            target.storeBytes(of: source.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self), toByteOffset: count - 8, as: UInt64.self)
        case 8..<16:
            target.storeBytes(of: source.loadUnaligned(as: UInt64.self), as: UInt64.self)
            target.storeBytes(of: source.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self), toByteOffset: count - 8, as: UInt64.self)
        case 4..<8:
            target.storeBytes(of: source.loadUnaligned(as: UInt32.self), as: UInt32.self)
            target.storeBytes(of: source.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self), toByteOffset: count - 4, as: UInt32.self)
        case 0..<4:
            for offset in 0..<count { destination[offset] = source.load(fromByteOffset: offset, as: UInt8.self) }
        default:
            destination.update(from: source.assumingMemoryBound(to: UInt8.self), count: count)
        }
    }

    @inline(__always)
    private static func put(_ byte: UInt8, at pointer: inout UnsafeMutablePointer<UInt8>) {
        pointer.pointee = byte
        pointer += 1
    }

    /// Puts static text, such as `null`.
    @inline(__always)
    private static func put(_ text: StaticString, at pointer: inout UnsafeMutablePointer<UInt8>) {
        let count = text.utf8CodeUnitCount
        copyShort(UnsafeRawPointer(text.utf8Start), count: count, to: pointer)
        pointer += count
    }

    /// Writes a whole value.
    public mutating func write(_ value: JSONValue) {
        if needsComma { appendVerbatim(UInt8(ascii: ",")) }
        writeValue(value)
        needsComma = true
    }

    private mutating func writeValue(_ value: JSONValue) {
        switch value {
        case .null: append("null")
        case .bool(let flag): append(flag ? "true" : "false")
        case .number(let number): number.withUTF8 { appendBytes(UnsafeRawBufferPointer($0)) }
        case .string(let text): writeString(text)
        case .array(let elements):
            appendVerbatim(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { appendVerbatim(UInt8(ascii: ",")) }
                writeValue(element)
            }
            appendVerbatim(UInt8(ascii: "]"))
        case .object(let object):
            appendVerbatim(UInt8(ascii: "{"))
            for (position, member) in object.enumerated() {
                if position > 0 { appendVerbatim(UInt8(ascii: ",")) }
                writeString(member.key)
                appendVerbatim(UInt8(ascii: ":"))
                writeValue(member.value)
            }
            appendVerbatim(UInt8(ascii: "}"))
        }
    }

    /// Writes a string with the escapes JSON requires: quote, backslash and control characters.
    public mutating func writeString(_ text: String) {
        text.withUTF8Bytes { writeString(utf8: $0) }
    }

    /// Writes UTF-8 text as a JSON string. Runs of bytes that need no escape, nearly all of
    /// them, are copied whole.
    public mutating func writeString(utf8 text: UnsafeRawBufferPointer) {
        writeString(utf8: text, afterComma: false)
    }

    /// Writes UTF-8 text as a JSON string, after a comma if asked. A string with nothing to
    /// escape, nearly every one, goes in as one piece with its quotes.
    private mutating func writeString(utf8 text: UnsafeRawBufferPointer, afterComma comma: Bool) {
        let count = text.count
        guard let base = text.baseAddress, count > 0 else {
            write(maximum: 2, afterComma: comma) { at in
                Self.put(UInt8(ascii: "\""), at: &at)
                Self.put(UInt8(ascii: "\""), at: &at)
            }
            return
        }
        var index = 0
        // Eight bytes at a time while none of them needs an escape; the last eight bytes of a
        // string of eight or more as one word (overlapping the words before it); then the
        // rest byte by byte.
        while index + 8 <= count, !Self.needsEscape(base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
            index += 8
        }
        if index < count, count >= 8, index + 8 > count, !Self.needsEscape(base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)) {
            index = count
        }
        while index < count, !Self.needsEscape(base.load(fromByteOffset: index, as: UInt8.self)) {
            index += 1
        }
        if index == count {
            write(maximum: count + 2, afterComma: comma) { at in
                Self.put(UInt8(ascii: "\""), at: &at)
                Self.copyShort(base, count: count, to: at)
                at += count
                Self.put(UInt8(ascii: "\""), at: &at)
            }
            return
        }
        if comma { appendVerbatim(UInt8(ascii: ",")) }
        appendVerbatim(UInt8(ascii: "\""))
        var runStart = 0
        while index < count {
            // Eight bytes at a time while none of them needs an escape.
            while index + 8 <= count, !Self.needsEscape(base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                index += 8
            }
            guard index < count else { break }
            let byte = base.load(fromByteOffset: index, as: UInt8.self)
            guard Self.needsEscape(byte) else {
                index += 1
                continue
            }
            appendBytes(UnsafeRawBufferPointer(start: base + runStart, count: index - runStart))
            index += 1
            runStart = index
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            case 0x08: append("\\b")
            case 0x0C: append("\\f")
            default:
                let hex: StaticString = "0123456789abcdef"
                append("\\u00")
                appendVerbatim(hex.utf8Start[Int(byte >> 4)])
                appendVerbatim(hex.utf8Start[Int(byte & 15)])
            }
        }
        appendBytes(UnsafeRawBufferPointer(start: base + runStart, count: count - runStart))
        appendVerbatim(UInt8(ascii: "\""))
    }

    /// Whether any of eight bytes is a control character, a quote or a backslash.
    @inline(__always)
    private static func needsEscape(_ word: UInt64) -> Bool {
        ByteWord.bytes(below: 0x20, in: word) | ByteWord.matches(UInt8(ascii: "\""), in: word)
            | ByteWord.matches(UInt8(ascii: "\\"), in: word) != 0
    }

    /// Whether a byte is a control character, a quote or a backslash.
    @inline(__always)
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// Appends bytes as one copy.
    @inline(__always)
    private mutating func appendBytes(_ raw: UnsafeRawBufferPointer) {
        let count = raw.count
        guard count > 0 else { return }
        write(maximum: count, afterComma: false) { at in
            at.update(from: raw.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self), count: count)
            at += count
        }
    }

    private mutating func append(_ text: StaticString) {
        write(maximum: text.utf8CodeUnitCount, afterComma: false) { at in Self.put(text, at: &at) }
    }
}

extension JSONValue {
    /// The value as compact JSON text (UTF-8).
    public var compactJSON: [UInt8] {
        var writer = JSONWriter()
        writer.write(self)
        return writer.takeBytes()
    }
}

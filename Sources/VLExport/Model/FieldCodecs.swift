// How each kind of value in the format is read, written and flattened: one
// codec per kind. The declaration (Sources/VLExportFormat) says which kind
// each field has; the generated code calls these codecs, so a rule about an
// encoding lives here once, whatever fields share the kind. The encodings a
// codec reads are listed in `ValueKind.accepts`, beside the declaration.

/// Reads, writes and flattens one kind of value.
protocol FieldCodec {
    associatedtype Value
    /// What a field of this kind holds, for warnings: `expected number, found …`.
    static var expected: String { get }
    /// The value straight from a scalar token in one of the kind's encodings; nil sends the
    /// token the general way (``read(_:)-(JSONValue)``), which decides for certain.
    static func read(_ token: ScalarToken, _ vocabulary: Vocabulary) -> Value?
    /// The value from any JSON value but null; nil when it cannot be read as this kind.
    static func read(_ value: JSONValue) -> Value?
    /// Writes the value's normalized member (or members) under `key`.
    static func writeNormalized(_ value: Value, key: StaticString, to writer: inout JSONWriter)
    /// Writes the table cells of a value, or of no value: one per column of the kind.
    static func writeCells(_ value: Value?, to row: inout TableRowWriter)
    /// Writes the normalized member (or members) of the value `token` holds, as
    /// ``writeNormalized(_:key:to:)-(Value,_,_)`` writes the value ``read(_:_:)`` reads from it; nothing for
    /// `null`, which is no value. False, with nothing written, when `read` gives nil.
    /// `escapeFree` says a string token's bytes hold no quote, backslash or control character
    /// (the string had no escape in the input), so that they need no escaping.
    static func writeNormalizedMember(_ token: ScalarToken, key: StaticString, _ vocabulary: Vocabulary, escapeFree: Bool, to writer: inout JSONWriter) -> Bool
}

extension FieldCodec {
    @inline(__always)
    static func writeNormalizedMember(_ token: ScalarToken, key: StaticString, _ vocabulary: Vocabulary, escapeFree: Bool, to writer: inout JSONWriter) -> Bool {
        writeNormalizedMemberAsRead(token, key: key, vocabulary, to: &writer)
    }

    /// ``writeNormalizedMember(_:key:_:escapeFree:to:)`` by way of the value: read with
    /// ``read(_:_:)``, then written; what a codec's own way of writing leaves to the general one.
    @inline(__always)
    static func writeNormalizedMemberAsRead(_ token: ScalarToken, key: StaticString, _ vocabulary: Vocabulary, to writer: inout JSONWriter) -> Bool {
        if case .null = token { return true }
        guard let value = read(token, vocabulary) else { return false }
        writeNormalized(value, key: key, to: &writer)
        return true
    }

    /// Writes the normalized member of a value, or nothing for no value.
    @inline(__always)
    static func writeNormalized(_ value: Value?, key: StaticString, to writer: inout JSONWriter) {
        if let value { writeNormalized(value, key: key, to: &writer) }
    }
}

/// A string; a number is read as its text.
enum StringCodec: FieldCodec {
    static let expected = "string"

    @inline(__always)
    static func read(_ token: ScalarToken, _ vocabulary: Vocabulary) -> String? {
        switch token {
        case .string(let bytes), .number(let bytes): vocabulary.string(bytes)
        default: nil
        }
    }

    static func read(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .number(let number): number.text
        default: nil
        }
    }

    static func writeNormalized(_ value: String, key: StaticString, to writer: inout JSONWriter) {
        writer.plainKey(key)
        writer.string(value)
    }

    /// ASCII bytes (or a number's text) go straight to the writer, with no `String` made; other
    /// text goes through `String`, which replaces what is not valid UTF-8 (yajl lets a lone
    /// surrogate through), as ``read(_:_:)`` does.
    @inline(__always)
    static func writeNormalizedMember(_ token: ScalarToken, key: StaticString, _ vocabulary: Vocabulary, escapeFree: Bool, to writer: inout JSONWriter) -> Bool {
        switch token {
        case .string(let bytes), .number(let bytes):
            writer.plainKey(key)
            if ByteWord.isASCII(bytes) {
                if escapeFree {
                    writer.string(escapeFreeUTF8: bytes)
                } else {
                    writer.string(utf8: bytes)
                }
            } else {
                writer.string(String(decoding: bytes, as: UTF8.self))
            }
            return true
        case .null:
            return true
        default:
            return false
        }
    }

    static func writeCells(_ value: String?, to row: inout TableRowWriter) {
        if let value { row.text(value) } else { row.empty() }
    }
}

/// A whole number: a number with no fraction (`3`, `3.0`, `3e2`), or a string holding one.
enum IntCodec: FieldCodec {
    static let expected = "integer"

    @inline(__always)
    static func read(_ token: ScalarToken, _ vocabulary: Vocabulary) -> Int? {
        if case .number(let text) = token { return NumberParsing.int(fromJSONNumber: text) }
        return nil
    }

    static func read(_ value: JSONValue) -> Int? {
        switch value {
        case .number(let number): number.intValue
        case .string(let text): NumberParsing.int(fromJSONNumber: text.trimmingWhitespace())
        default: nil
        }
    }

    /// Number text that ``JSONWriter/integer(_:)`` would write as itself (no sign on zero, no
    /// leading zero, at most 18 digits) is copied, not read and written.
    @inline(__always)
    static func writeNormalizedMember(_ token: ScalarToken, key: StaticString, _ vocabulary: Vocabulary, escapeFree: Bool, to writer: inout JSONWriter) -> Bool {
        if case .number(let text) = token, isWrittenAsItself(text) {
            writer.plainKey(key)
            writer.number(verbatim: text, appendingPointZero: false)
            return true
        }
        return writeNormalizedMemberAsRead(token, key: key, vocabulary, to: &writer)
    }

    /// Whether whole-number text is as ``JSONWriter/appendDecimal(_:to:)`` spells its value.
    static func isWrittenAsItself(_ text: UnsafeRawBufferPointer) -> Bool {
        guard let base = text.baseAddress, text.count > 0 else { return false }
        var index = 0
        if base.load(as: UInt8.self) == UInt8(ascii: "-") { index = 1 }
        let digits = text.count - index
        guard digits > 0, digits <= 18 else { return false }
        let first = base.load(fromByteOffset: index, as: UInt8.self)
        if first == UInt8(ascii: "0") { return digits == 1 && index == 0 }
        while index < text.count {
            let byte = base.load(fromByteOffset: index, as: UInt8.self)
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return false }
            index += 1
        }
        return true
    }

    static func writeNormalized(_ value: Int, key: StaticString, to writer: inout JSONWriter) {
        writer.plainKey(key)
        writer.integer(value)
    }

    static func writeCells(_ value: Int?, to row: inout TableRowWriter) {
        if let value { row.integer(value) } else { row.empty() }
    }
}

/// A finite number, or a string holding one (white space around it allowed).
enum DoubleCodec: FieldCodec {
    static let expected = "number"

    /// A number, or a numeric string with nothing around it (`"0.95"`); anything
    /// else (text beyond a Double's range, a string with spaces) goes the general way.
    @inline(__always)
    static func read(_ token: ScalarToken, _ vocabulary: Vocabulary) -> Double? {
        switch token {
        case .number(let text):
            if let value = NumberParsing.double(fromJSONNumber: text), value.isFinite { return value }
        case .string(let text):
            // The general way trims white space first; text that starts and ends in a
            // printable ASCII character has none to trim, so parsing it here gives the same.
            if let first = text.first, let last = text.last, first > 0x20, first < 0x80, last > 0x20, last < 0x80,
               let value = NumberParsing.double(fromJSONNumber: text), value.isFinite {
                return value
            }
        default:
            break
        }
        return nil
    }

    static func read(_ value: JSONValue) -> Double? {
        let parsed: Double?
        switch value {
        case .number(let number): parsed = number.doubleValue
        case .string(let text): parsed = NumberParsing.double(fromJSONNumber: text.trimmingWhitespace())
        default: parsed = nil
        }
        guard let parsed, parsed.isFinite else { return nil }
        return parsed
    }

    /// Number text (or a numeric string) that ``ShortestDecimal`` would write as itself is
    /// copied, not read and written: most confidences and scores (`0.977624`).
    @inline(__always)
    static func writeNormalizedMember(_ token: ScalarToken, key: StaticString, _ vocabulary: Vocabulary, escapeFree: Bool, to writer: inout JSONWriter) -> Bool {
        switch token {
        case .number(let text), .string(let text):
            if let spelling = ShortestDecimal.spelling(ofNumberText: text) {
                writer.plainKey(key)
                writer.number(verbatim: spelling.text, appendingPointZero: spelling.appendsPointZero)
                return true
            }
        default:
            break
        }
        return writeNormalizedMemberAsRead(token, key: key, vocabulary, to: &writer)
    }

    static func writeNormalized(_ value: Double, key: StaticString, to writer: inout JSONWriter) {
        writer.plainKey(key)
        writer.double(value)
    }

    static func writeCells(_ value: Double?, to row: inout TableRowWriter) {
        if let value { row.number(value) } else { row.empty() }
    }
}

/// A word from an open vocabulary (a media type, an issue type): matched against the
/// words this version knows, kept as written when it is another.
protocol VocabularyWord {
    /// Reads the word from its UTF-8 bytes, matched in `vocabulary` without comparing strings.
    init(utf8 bytes: UnsafeRawBufferPointer, vocabulary: Vocabulary)
    /// Reads the word from text.
    init(rawValue: String)
    /// The word as written.
    var rawValue: String { get }
}

extension MediaType: VocabularyWord {}
extension IssueType: VocabularyWord {}

/// Any string, known word or not; a number is read as its text.
enum WordCodec<Word: VocabularyWord>: FieldCodec {
    static var expected: String { "string" }

    @inline(__always)
    static func read(_ token: ScalarToken, _ vocabulary: Vocabulary) -> Word? {
        if case .string(let bytes) = token { return Word(utf8: bytes, vocabulary: vocabulary) }
        return nil
    }

    static func read(_ value: JSONValue) -> Word? {
        StringCodec.read(value).map(Word.init(rawValue:))
    }

    /// A word is written as it was read (``VocabularyWord/rawValue`` keeps the spelling), so a
    /// string is written as ``StringCodec`` writes one, with no word made.
    @inline(__always)
    static func writeNormalizedMember(_ token: ScalarToken, key: StaticString, _ vocabulary: Vocabulary, escapeFree: Bool, to writer: inout JSONWriter) -> Bool {
        switch token {
        case .string: StringCodec.writeNormalizedMember(token, key: key, vocabulary, escapeFree: escapeFree, to: &writer)
        case .null: true
        default: false
        }
    }

    static func writeNormalized(_ value: Word, key: StaticString, to writer: inout JSONWriter) {
        writer.plainKey(key)
        writer.string(value.rawValue)
    }

    static func writeCells(_ value: Word?, to row: inout TableRowWriter) {
        if let value { row.text(value.rawValue) } else { row.empty() }
    }
}

/// `media_type`: image, video frame, or any other word.
typealias MediaTypeCodec = WordCodec<MediaType>
/// `issue_type`: either spelling of a known kind, or any other word.
typealias IssueTypeCodec = WordCodec<IssueType>

/// A file size as text (`"3.38MB"`) or a number of bytes; normalized and flattened
/// with its derived byte count beside it (`file_size_bytes`).
enum FileSizeCodec: FieldCodec {
    static let expected = "string"

    @inline(__always)
    static func read(_ token: ScalarToken, _ vocabulary: Vocabulary) -> FileSize? {
        if case .string(let bytes) = token { return FileSize(text: String(decoding: bytes, as: UTF8.self)) }
        return nil
    }

    static func read(_ value: JSONValue) -> FileSize? {
        StringCodec.read(value).map(FileSize.init(text:))
    }

    static func writeNormalized(_ value: FileSize, key: StaticString, to writer: inout JSONWriter) {
        writer.plainKey(key)
        writer.string(value.text)
        if let bytes = value.approximateBytes {
            writer.key("\(key)_bytes")
            writer.integer(bytes)
        }
    }

    static func writeCells(_ value: FileSize?, to row: inout TableRowWriter) {
        if let value { row.text(value.text) } else { row.empty() }
        if let bytes = value?.approximateBytes { row.integer(bytes) } else { row.empty() }
    }
}

/// A duplicate group: a string (a UUID in real exports) or a whole number.
enum DuplicateGroupIDCodec: FieldCodec {
    static let expected = "integer or string"

    @inline(__always)
    static func read(_ token: ScalarToken, _ vocabulary: Vocabulary) -> DuplicateGroupID? {
        switch token {
        case .string(let bytes): .identifier(String(decoding: bytes, as: UTF8.self))
        case .number(let text): NumberParsing.int(fromJSONNumber: text).map(DuplicateGroupID.integer)
        default: nil
        }
    }

    static func read(_ value: JSONValue) -> DuplicateGroupID? {
        switch value {
        case .string(let text): .identifier(text)
        case .number(let number): number.intValue.map(DuplicateGroupID.integer)
        default: nil
        }
    }

    /// A string is written as ``StringCodec`` writes one, with no `String` made.
    @inline(__always)
    static func writeNormalizedMember(_ token: ScalarToken, key: StaticString, _ vocabulary: Vocabulary, escapeFree: Bool, to writer: inout JSONWriter) -> Bool {
        if case .string = token { return StringCodec.writeNormalizedMember(token, key: key, vocabulary, escapeFree: escapeFree, to: &writer) }
        return writeNormalizedMemberAsRead(token, key: key, vocabulary, to: &writer)
    }

    static func writeNormalized(_ value: DuplicateGroupID, key: StaticString, to writer: inout JSONWriter) {
        writer.plainKey(key)
        switch value {
        case .integer(let number): writer.integer(number)
        case .identifier(let text): writer.string(text)
        }
    }

    static func writeCells(_ value: DuplicateGroupID?, to row: inout TableRowWriter) {
        if let value { row.text(value.description) } else { row.empty() }
    }
}

/// A point in a video: seconds as a number, or `"HH:MM:SS"` text; flattened as seconds and as written.
enum FrameTimestampCodec: FieldCodec {
    static let expected = "seconds or \"HH:MM:SS\""

    @inline(__always)
    static func read(_ token: ScalarToken, _ vocabulary: Vocabulary) -> FrameTimestamp? {
        switch token {
        case .number: DoubleCodec.read(token, vocabulary).map(FrameTimestamp.init(seconds:))
        case .string(let bytes): FrameTimestamp(text: String(decoding: bytes, as: UTF8.self))
        default: nil
        }
    }

    static func read(_ value: JSONValue) -> FrameTimestamp? {
        switch value {
        case .string(let text): FrameTimestamp(text: text)
        case .number: DoubleCodec.read(value).map(FrameTimestamp.init(seconds:))
        default: nil
        }
    }

    static func writeNormalized(_ value: FrameTimestamp, key: StaticString, to writer: inout JSONWriter) {
        writer.plainKey(key)
        if let text = value.text { writer.string(text) } else { writer.double(value.seconds) }
    }

    static func writeCells(_ value: FrameTimestamp?, to row: inout TableRowWriter) {
        if let value {
            row.number(value.seconds)
            row.text(value.description)
        } else {
            row.empty()
            row.empty()
        }
    }
}

/// A box: an array of four numbers (each also as a numeric string); flattened into four columns.
enum BoundingBoxCodec: FieldCodec {
    static let expected = "[x, y, width, height]"

    static func read(_ token: ScalarToken, _ vocabulary: Vocabulary) -> BoundingBox? { nil }

    static func read(_ value: JSONValue) -> BoundingBox? {
        guard case .array(let elements) = value, elements.count == 4 else { return nil }
        var numbers: [Double] = []
        numbers.reserveCapacity(4)
        for element in elements {
            guard let number = DoubleCodec.read(element) else { return nil }
            numbers.append(number)
        }
        return BoundingBox(x: numbers[0], y: numbers[1], width: numbers[2], height: numbers[3])
    }

    static func writeNormalized(_ value: BoundingBox, key: StaticString, to writer: inout JSONWriter) {
        writer.plainKey(key)
        writer.beginArray()
        for number in [value.x, value.y, value.width, value.height] { writer.double(number) }
        writer.endArray()
    }

    static func writeCells(_ value: BoundingBox?, to row: inout TableRowWriter) {
        guard let value else {
            for _ in 0..<4 { row.empty() }
            return
        }
        row.number(value.x)
        row.number(value.y)
        row.number(value.width)
        row.number(value.height)
    }
}

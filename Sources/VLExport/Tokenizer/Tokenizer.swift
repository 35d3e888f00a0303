import CYajl

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns bytes into JSON events with yajl, and knows where every byte is.
///
/// This file is the only code that calls yajl. The tokenizer is fed chunks of
/// any size; yajl keeps a token that a chunk boundary splits and finishes it
/// with the next chunk. yajl reports neither line nor column and only a
/// per-call byte count, so the tokenizer keeps the absolute offset of the
/// current chunk and counts lines itself, lazily: a location is computed only
/// when a caller asks for one, with a cursor that moves forward, so the input
/// is scanned for line breaks at most once in all.
///
/// In the lenient dialect, a ``LenientFilter`` in front of yajl blanks out
/// comments and trailing commas. It changes no byte count, so offsets, lines
/// and columns still point into the original input, and ``currentChunk`` (the
/// bytes yajl read) can be copied out as clean JSON.
final class Tokenizer {
    /// Where events go. Unmanaged: the sink owns the tokenizer, and callbacks must not count references.
    private let sink: Unmanaged<TokenSink>
    private var handle: yajl_handle?
    private let callbacks: UnsafeMutablePointer<yajl_callbacks>
    private var lenientFilter: LenientFilter?

    /// The error a sink threw, kept until yajl returns.
    private var sinkError: VLExportError?
    /// The first error; once set, the tokenizer accepts no more input.
    private(set) var failure: VLExportError?
    /// The input's first bytes while they may be a byte order mark; nil once the start is fed.
    private var heldStart: [UInt8]? = []
    /// UTF-8's byte order mark, passed over at the start of the input.
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// The bytes yajl is reading now. Valid during `feed`, and so during callbacks.
    private(set) var currentChunk = UnsafeRawBufferPointer(start: nil, count: 0)
    /// The absolute offset of `currentChunk[0]`.
    private(set) var chunkStartOffset = 0

    // The line cursor: the line and line start at `cursorIndex` in the current chunk.
    private var cursorIndex = 0
    private var cursorLine = 1
    private var cursorLineStart = 0
    // The same at the start of the current chunk, to count from when asked about an earlier byte.
    private var chunkFirstLine = 1
    private var chunkFirstLineStart = 0
    // The last bytes before the current chunk, so an excerpt can show what led to a fault.
    private var previousTail: [UInt8] = []
    private static let excerptReach = 24
    // The last byte before the current chunk that is not white space, for errors that look back.
    private var lastSignificantBeforeChunk: (byte: UInt8, location: SourceLocation)?

    /// Creates a tokenizer that sends events to `sink`, by `callbacks`: by default, the
    /// table that calls the sink's methods through ``TokenSink``; a sink may give a table
    /// of its own that calls it directly (each entry going through ``deliver(_:to:_:)``).
    init(sink: TokenSink, dialect: JSONDialect, callbacks table: yajl_callbacks = Tokenizer.yajlCallbacks) {
        self.sink = .passUnretained(sink)
        self.lenientFilter = dialect == .lenient ? LenientFilter() : nil
        callbacks = .allocate(capacity: 1)
        callbacks.initialize(to: table)
        let context = Unmanaged.passUnretained(self).toOpaque()
        let handle = yajl_alloc(callbacks, nil, context)
        // The defaults, stated: RFC 8259 and one document, nothing after it.
        _ = CYajl_setOption(handle, yajl_allow_comments, 0)
        _ = CYajl_setOption(handle, yajl_dont_validate_strings, 0)
        _ = CYajl_setOption(handle, yajl_allow_trailing_garbage, 0)
        _ = CYajl_setOption(handle, yajl_allow_multiple_values, 0)
        _ = CYajl_setOption(handle, yajl_allow_partial_values, 0)
        self.handle = handle
    }

    deinit {
        if let handle { yajl_free(handle) }
        callbacks.deinitialize(count: 1)
        callbacks.deallocate()
    }

    /// Parses the next piece of input, sending events to the sink.
    ///
    /// - Throws: the first syntax error, or the error a sink threw; the
    ///   tokenizer then refuses further input.
    func feed(_ bytes: UnsafeRawBufferPointer) throws(VLExportError) {
        if let failure { throw failure }
        if heldStart != nil {
            try feedStart(bytes)
        } else {
            try feedAfterStart(bytes)
        }
    }

    /// Feeds the input's first bytes, passing over a UTF-8 byte order mark (`EF BB BF`), which
    /// Windows editors write and RFC 8259 lets a parser ignore. Its bytes count in offsets, not
    /// in columns: line 1 starts after it, as an editor shows it.
    private func feedStart(_ bytes: UnsafeRawBufferPointer) throws(VLExportError) {
        var held = heldStart!
        var used = 0
        while held.count < Self.byteOrderMark.count, used < bytes.count, bytes[used] == Self.byteOrderMark[held.count] {
            held.append(bytes[used])
            used += 1
        }
        let rest = UnsafeRawBufferPointer(rebasing: bytes[used...])
        if held.count == Self.byteOrderMark.count {
            heldStart = nil
            chunkStartOffset = held.count
            cursorLineStart = held.count
            chunkFirstLineStart = held.count
            try feedAfterStart(rest)
        } else if used == bytes.count {
            // All of it could still be the start of a mark.
            heldStart = held
        } else {
            heldStart = nil
            try feedAfterStart(held)
            try feedAfterStart(rest)
        }
    }

    private func feedAfterStart(_ bytes: [UInt8]) throws(VLExportError) {
        var thrown: VLExportError?
        bytes.withUnsafeBytes { buffer in
            do throws(VLExportError) { try feedAfterStart(buffer) } catch { thrown = error }
        }
        if let thrown { throw thrown }
    }

    private func feedAfterStart(_ bytes: UnsafeRawBufferPointer) throws(VLExportError) {
        if lenientFilter != nil {
            var filter = lenientFilter.take()!
            defer { lenientFilter = filter }
            try filter.process(bytes) { (filtered) throws(VLExportError) in try parse(filtered) }
        } else {
            try parse(bytes)
        }
    }

    /// Moves the tokenizer's idea of where it stands in the input, between two chunks: the
    /// next byte fed is at `offset`, on `line`, whose first byte is at `lineStart`;
    /// `precedingBytes` are the bytes just before it, for excerpts.
    ///
    /// The parallel walk uses it twice: a worker's tokenizer, after a prefix that puts yajl
    /// inside `media_items`, moves to its batch's place in the export; the walk's own
    /// tokenizer moves past the batches the workers read.
    func move(toOffset offset: Int, line: Int, lineStart: Int, precedingBytes: [UInt8]) {
        heldStart = nil
        chunkStartOffset = offset
        cursorIndex = 0
        cursorLine = line
        cursorLineStart = lineStart
        chunkFirstLine = line
        chunkFirstLineStart = lineStart
        previousTail = Array(precedingBytes.suffix(Tokenizer.excerptReach))
        openStringStart = nil
        openWordStart = nil
        // Only a trailing comma before a closing bracket looks back past a chunk, and the worker
        // that reads the bytes before the move has checked for one.
        lastSignificantBeforeChunk = nil
    }

    /// Tells yajl the input has ended, so it can finish or report truncation.
    func finish() throws(VLExportError) {
        if let failure { throw failure }
        if let held = heldStart {
            heldStart = nil
            try feedAfterStart(held)
        }
        if var filter = lenientFilter.take() {
            try filter.finish { (filtered) throws(VLExportError) in try parse(filtered) }
            if let commentStart = filter.unterminatedComment {
                try fail(VLExportError(.syntax, "a /* comment is never closed", location: commentStart))
            }
        }
        currentChunk = UnsafeRawBufferPointer(start: nil, count: 0)
        let status = yajl_complete_parse(handle)
        if status != yajl_status_ok {
            try fail(error(for: status, atChunkIndex: nil))
        }
    }

    /// The index in ``currentChunk`` just past the token being reported. Only valid during a callback.
    var tokenEndIndex: Int { Int(yajl_get_bytes_consumed(handle)) }

    /// The location of the first byte of the token being reported. Only valid during a callback.
    ///
    /// yajl tells where a token ends; its start is found by reading back over
    /// it: to the opening quote of a string (past escaped quotes), over the
    /// characters of a number or literal. A token that began in an earlier
    /// chunk (one that a chunk boundary split) starts where the earlier chunk's
    /// end says: ``finishChunk()`` keeps the place of the string or word its last
    /// bytes may have begun. So a location does not depend on how the input was cut.
    var tokenStartLocation: SourceLocation {
        let end = min(tokenEndIndex, currentChunk.count)
        // A number ends where the next byte shows it has; that byte may open the next chunk.
        guard end > 0 else { return openWordStart ?? endLocation }
        var index = end - 1
        if currentChunk[index] == UInt8(ascii: "\"") {
            // A string, read back from its closing quote to its opening one.
            index -= 1
            while index >= 0 {
                if currentChunk[index] == UInt8(ascii: "\""), !isEscaped(chunkIndex: index) { return location(ofChunkIndex: index) }
                index -= 1
            }
            return openStringStart ?? location(ofChunkIndex: 0)
        }
        if Tokenizer.isWordByte(currentChunk[index]) {
            while index > 0, Tokenizer.isWordByte(currentChunk[index - 1]) { index -= 1 }
            if index == 0, let openWordStart { return openWordStart }
        }
        return location(ofChunkIndex: index)
    }

    /// Whether the quote at `index` of the current chunk follows an odd run of backslashes,
    /// counted into the bytes of earlier chunks when the run reaches the chunk's start.
    private func isEscaped(chunkIndex index: Int) -> Bool {
        var backslashes = 0
        var probe = index - 1
        while probe >= 0, currentChunk[probe] == UInt8(ascii: "\\") {
            backslashes += 1
            probe -= 1
        }
        if probe < 0 {
            backslashes += previousTail.reversed().prefix { $0 == UInt8(ascii: "\\") }.count
        }
        return backslashes % 2 == 1
    }

    // Where a token split by the last chunk boundary may have begun, kept by ``finishChunk()``:
    // the last unescaped quote before the boundary (a string then open), and the start of a
    // run of number or literal characters that reaches the boundary.
    private var openStringStart: SourceLocation?
    private var openWordStart: SourceLocation?

    /// Notes, at the end of a chunk, where a token that goes on in the next one began.
    private func noteOpenTokenStarts() {
        let chunk = currentChunk
        guard chunk.count > 0 else { return }
        var index = chunk.count - 1
        while index >= 0 {
            if chunk[index] == UInt8(ascii: "\""), !isEscaped(chunkIndex: index) {
                openStringStart = location(ofChunkIndex: index)
                break
            }
            index -= 1
        }
        // No unescaped quote in the whole chunk: a string that began earlier may go on; keep its start.
        var wordStart = chunk.count
        while wordStart > 0, Tokenizer.isWordByte(chunk[wordStart - 1]) { wordStart -= 1 }
        if wordStart == chunk.count {
            openWordStart = nil
        } else if wordStart > 0 || openWordStart == nil {
            openWordStart = location(ofChunkIndex: wordStart)
        }
    }

    /// The location of a byte of the current chunk.
    func location(ofChunkIndex index: Int) -> SourceLocation {
        if index < cursorIndex {
            cursorIndex = 0
            cursorLine = chunkFirstLine
            cursorLineStart = chunkFirstLineStart
        }
        advanceCursor(to: index)
        return SourceLocation(offset: chunkStartOffset + index, line: cursorLine, column: chunkStartOffset + index - cursorLineStart + 1)
    }

    /// The location at the end of the input read so far.
    var endLocation: SourceLocation {
        SourceLocation(offset: chunkStartOffset, line: cursorLine, column: chunkStartOffset - cursorLineStart + 1)
    }

    // MARK: - Feeding yajl

    private func parse(_ chunk: UnsafeRawBufferPointer) throws(VLExportError) {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        currentChunk = chunk
        // yajl takes form feed and vertical tab for white space; JSON does not, and
        // inside a string they are unescaped control characters. Parse up to the
        // first one, so that every item before it is delivered, then stop there.
        let valid = Tokenizer.firstNonJSONSpace(in: chunk) ?? chunk.count
        let status = yajl_parse(handle, base.assumingMemoryBound(to: UInt8.self), valid)
        if status != yajl_status_ok {
            try fail(error(for: status, atChunkIndex: tokenEndIndex))
        }
        if valid < chunk.count {
            try fail(VLExportError(
                .syntax,
                "invalid JSON: byte 0x\(String(chunk[valid], radix: 16, uppercase: true)) (\(chunk[valid] == 0x0C ? "form feed" : "vertical tab")) is not JSON white space",
                location: location(ofChunkIndex: valid),
                excerpt: excerpt(around: valid)
            ))
        }
        let stop = Tokenizer.deliver(Unmanaged.passUnretained(self).toOpaque(), to: TokenSink.self) { (sink, tokenizer) throws(VLExportError) in
            try sink.chunkEnded(tokenizer)
        }
        if stop == 0, let sinkError {
            try fail(sinkError)
        }
        finishChunk()
    }

    /// Moves the line cursor to the end of the chunk and remembers its last significant byte,
    /// its last bytes, and where a token it leaves open began.
    private func finishChunk() {
        noteOpenTokenStarts()
        let chunk = currentChunk
        var last = chunk.count - 1
        while last >= 0, Tokenizer.isWhitespace(chunk[last]) { last -= 1 }
        if last >= 0 {
            lastSignificantBeforeChunk = (chunk[last], location(ofChunkIndex: last))
        }
        advanceCursor(to: chunk.count)
        if chunk.count >= Tokenizer.excerptReach {
            previousTail.removeAll(keepingCapacity: true)
            previousTail.append(contentsOf: chunk[(chunk.count - Tokenizer.excerptReach)...])
        } else {
            previousTail.append(contentsOf: chunk)
            previousTail.removeFirst(max(0, previousTail.count - Tokenizer.excerptReach))
        }
        chunkStartOffset += chunk.count
        cursorIndex = 0
        chunkFirstLine = cursorLine
        chunkFirstLineStart = cursorLineStart
    }

    private func advanceCursor(to index: Int) {
        guard index > cursorIndex, let base = currentChunk.baseAddress else { return }
        var position = cursorIndex
        while position < index,
              let found = memchr(base + position, 0x0A, index - position) {
            let newline = base.distance(to: UnsafeRawPointer(found))
            cursorLine += 1
            cursorLineStart = chunkStartOffset + newline + 1
            position = newline + 1
        }
        cursorIndex = index
    }

    private func fail(_ error: VLExportError) throws(VLExportError) -> Never {
        failure = error
        throw error
    }

    // MARK: - Errors

    private func error(for status: yajl_status, atChunkIndex consumed: Int?) -> VLExportError {
        if status == yajl_status_client_canceled, let sinkError {
            return sinkError
        }
        let yajlMessage = Tokenizer.message(from: handle)
        guard let consumed else {
            // From yajl_complete_parse: the only failure there is an unfinished document.
            return VLExportError(.truncated, "the input ends before the JSON document is complete", location: endLocation)
        }
        // yajl stops just past the offending token; point at the token itself. A slash (a comment,
        // which strict JSON refuses) yajl leaves unread: point at it, wherever a chunk begins.
        var index = max(0, min(consumed, currentChunk.count) - 1)
        if consumed < currentChunk.count, currentChunk[consumed] == UInt8(ascii: "/") { index = consumed }
        while index > 0, Tokenizer.isWordByte(currentChunk[index]), Tokenizer.isWordByte(currentChunk[index - 1]) {
            index -= 1
        }
        if index < currentChunk.count, currentChunk[index] == UInt8(ascii: "}") || currentChunk[index] == UInt8(ascii: "]"),
           let comma = trailingComma(before: index) {
            let closer = Character(UnicodeScalar(currentChunk[index]))
            return VLExportError(
                .syntax,
                "trailing comma before '\(closer)' (strict JSON forbids it; lenient parsing accepts it)",
                location: comma,
                excerpt: excerpt(around: index)
            )
        }
        return VLExportError(.syntax, "invalid JSON: \(yajlMessage)", location: location(ofChunkIndex: index), excerpt: excerpt(around: index))
    }

    /// The location of a comma that stands, past white space only, before `index`.
    private func trailingComma(before index: Int) -> SourceLocation? {
        var probe = index - 1
        while probe >= 0, Tokenizer.isWhitespace(currentChunk[probe]) { probe -= 1 }
        if probe >= 0 {
            return currentChunk[probe] == UInt8(ascii: ",") ? location(ofChunkIndex: probe) : nil
        }
        if let last = lastSignificantBeforeChunk, last.byte == UInt8(ascii: ",") {
            return last.location
        }
        return nil
    }

    /// Up to 24 bytes before `index` (from earlier chunks too) and 24 from it, made printable.
    private func excerpt(around index: Int) -> String {
        let reach = Tokenizer.excerptReach
        let lower = max(0, index - reach)
        let upper = min(currentChunk.count, index + reach)
        var bytes = Array(previousTail.suffix(max(0, reach - index)))
        if lower < upper { bytes += currentChunk[lower..<upper] }
        return String(decoding: bytes.map { $0 < 0x20 || $0 == 0x7F ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }

    private static func message(from handle: yajl_handle?) -> String {
        guard let raw = yajl_get_error(handle, 0, nil, 0) else { return "syntax error" }
        defer { yajl_free_error(handle, raw) }
        var text = String(cString: raw)
        if let colon = text.firstIndex(of: ":") {
            text = String(text[text.index(after: colon)...])
        }
        return text.trimmingWhitespace()
    }

    /// The index of the first form feed or vertical tab in `chunk`, if any.
    private static func firstNonJSONSpace(in chunk: UnsafeRawBufferPointer) -> Int? {
        guard let base = chunk.baseAddress else { return nil }
        var first: Int?
        for byte: Int32 in [0x0C, 0x0B] {
            let limit = first ?? chunk.count
            if let found = memchr(base, byte, limit) {
                first = base.distance(to: UnsafeRawPointer(found))
            }
        }
        return first
    }

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "+"):
            return true
        default:
            return false
        }
    }

    // MARK: - The callback bridge

    /// Recovers the tokenizer and its sink, as a `Sink`, from yajl's context without touching
    /// a reference count, runs one sink call, and turns a thrown error into yajl's "stop" (0).
    /// Every entry of a callback table calls it; `Sink` is the sink's class, or ``TokenSink``.
    @inline(__always)
    static func deliver<Sink: TokenSink>(
        _ context: UnsafeMutableRawPointer?,
        to _: Sink.Type,
        _ body: (Sink, Tokenizer) throws(VLExportError) -> Void
    ) -> Int32 {
        Unmanaged<Tokenizer>.fromOpaque(context!)._withUnsafeGuaranteedRef { tokenizer in
            Unmanaged<Sink>.fromOpaque(tokenizer.sink.toOpaque())._withUnsafeGuaranteedRef { sink in
                do throws(VLExportError) {
                    try body(sink, tokenizer)
                    return 1
                } catch {
                    tokenizer.sinkError = error
                    return 0
                }
            }
        }
    }

    /// The callbacks that call the sink through ``TokenSink``'s methods.
    static let yajlCallbacks: yajl_callbacks = {
        var table = yajl_callbacks()
        table.yajl_null = { context in deliver(context, to: TokenSink.self) { (sink, tokenizer) throws(VLExportError) in try sink.null(tokenizer) } }
        table.yajl_boolean = { context, value in deliver(context, to: TokenSink.self) { (sink, tokenizer) throws(VLExportError) in try sink.bool(value != 0, tokenizer) } }
        table.yajl_number = { context, text, length in
            deliver(context, to: TokenSink.self) { (sink, tokenizer) throws(VLExportError) in try sink.number(UnsafeRawBufferPointer(start: text, count: length), tokenizer) }
        }
        table.yajl_string = { context, bytes, length in
            deliver(context, to: TokenSink.self) { (sink, tokenizer) throws(VLExportError) in try sink.string(UnsafeRawBufferPointer(start: bytes, count: length), tokenizer) }
        }
        table.yajl_map_key = { context, bytes, length in
            deliver(context, to: TokenSink.self) { (sink, tokenizer) throws(VLExportError) in try sink.key(UnsafeRawBufferPointer(start: bytes, count: length), tokenizer) }
        }
        table.yajl_start_map = { context in deliver(context, to: TokenSink.self) { (sink, tokenizer) throws(VLExportError) in try sink.startObject(tokenizer) } }
        table.yajl_end_map = { context in deliver(context, to: TokenSink.self) { (sink, tokenizer) throws(VLExportError) in try sink.endObject(tokenizer) } }
        table.yajl_start_array = { context in deliver(context, to: TokenSink.self) { (sink, tokenizer) throws(VLExportError) in try sink.startArray(tokenizer) } }
        table.yajl_end_array = { context in deliver(context, to: TokenSink.self) { (sink, tokenizer) throws(VLExportError) in try sink.endArray(tokenizer) } }
        return table
    }()
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks.
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}

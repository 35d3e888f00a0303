/// Makes lenient JSON strict, byte for byte, in front of yajl.
///
/// yajl can skip comments but rejects trailing commas outright, and the
/// documentation's own example export has them. This filter replaces every
/// byte of a `//` or `/* */` comment (line breaks excepted) and every trailing
/// comma with a space. The output is exactly as long as the input, so
/// offsets, lines and columns still describe the original bytes, and a slice
/// of the output is clean JSON that any parser reads.
///
/// Whether a comma is trailing is known only at the next significant byte,
/// which may be in a later chunk; so is whether a `/` starts a comment. The
/// filter holds back the bytes from such a byte on until it is settled, never
/// more than the gap to the next significant byte.
struct LenientFilter {
    /// Processed bytes not yet emitted, followed by the new input.
    private var work: [UInt8] = []
    /// Where the scan is, kept apart from `work` so it can write into it.
    private var scanner = Scanner()

    /// Set by ``finish(emit:)`` when the input ends inside a `/* */` comment: where it began.
    private(set) var unterminatedComment: SourceLocation?

    /// Filters the next chunk, passing on every byte whose meaning is settled.
    mutating func process<E: Error>(
        _ input: UnsafeRawBufferPointer,
        emit: (UnsafeRawBufferPointer) throws(E) -> Void
    ) throws(E) {
        let scanStart = work.count
        work.append(contentsOf: input)
        work.withUnsafeMutableBufferPointer { scanner.scan($0, from: scanStart) }
        let settled = scanner.settledCount(of: work.count)
        guard settled > 0 else { return }
        try emitWork(upTo: settled, emit)
        scanner.didEmit(settled)
        work.removeSubrange(0..<settled)
    }

    /// Passes on what is held back: a comma never followed by a closer is kept, so yajl judges it.
    mutating func finish<E: Error>(emit: (UnsafeRawBufferPointer) throws(E) -> Void) throws(E) {
        unterminatedComment = scanner.openCommentStart
        if !work.isEmpty {
            try emitWork(upTo: work.count, emit)
            scanner.didEmit(work.count)
            work.removeAll()
        }
    }

    /// Passes `work[..<end]` to `emit`, carrying its typed error out of `withUnsafeBytes`.
    private func emitWork<E: Error>(upTo end: Int, _ emit: (UnsafeRawBufferPointer) throws(E) -> Void) throws(E) {
        var thrown: E?
        work.withUnsafeBytes { bytes in
            do throws(E) {
                try emit(UnsafeRawBufferPointer(rebasing: bytes[..<end]))
            } catch {
                thrown = error
            }
        }
        if let thrown { throw thrown }
    }
}

/// The lenient filter's state machine: where it is in the JSON text, and what is unsettled.
private struct Scanner {
    private enum State {
        case code
        case string
        case stringEscape
        case slash
        case lineComment
        case blockComment
        case blockCommentStar
    }

    private var state = State.code
    /// The index in the work buffer of a comma whose next significant byte has not come yet.
    private var pendingComma: Int?
    /// The index in the work buffer of a `/` whose next byte has not come yet.
    private var pendingSlash: Int?
    /// Bytes emitted so far: the offset of the work buffer's first byte.
    private var emitted = 0
    /// Where the last block comment started.
    private var commentStart = SourceLocation(offset: 0, line: 1, column: 1)
    /// Line breaks seen, and where the current line starts, to place a comment.
    private var line = 1
    private var lineStart = 0

    /// Where an unclosed block comment started, if the scan is inside one.
    var openCommentStart: SourceLocation? {
        state == .blockComment || state == .blockCommentStar ? commentStart : nil
    }

    /// How many bytes of a work buffer of `count` bytes are settled.
    func settledCount(of count: Int) -> Int {
        min(count, pendingComma ?? count, pendingSlash ?? count)
    }

    /// The first `count` bytes of the work buffer were passed on and removed.
    mutating func didEmit(_ count: Int) {
        emitted += count
        pendingComma = pendingComma.map { $0 - count }
        pendingSlash = pendingSlash.map { $0 - count }
        if pendingComma.map({ $0 < 0 }) == true { pendingComma = nil }
        if pendingSlash.map({ $0 < 0 }) == true { pendingSlash = nil }
    }

    mutating func scan(_ bytes: UnsafeMutableBufferPointer<UInt8>, from start: Int) {
        let space = UInt8(ascii: " ")
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A, state != .slash {
                line += 1
                lineStart = emitted + index + 1
            }
            switch state {
            case .code:
                switch byte {
                case UInt8(ascii: "\""):
                    pendingComma = nil
                    state = .string
                case UInt8(ascii: "/"):
                    pendingSlash = index
                    state = .slash
                case UInt8(ascii: ","):
                    pendingComma = index
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if let comma = pendingComma { bytes[comma] = space }
                    pendingComma = nil
                case 0x20, 0x0A, 0x0D, 0x09:
                    break
                default:
                    pendingComma = nil
                }
            case .string:
                if byte == UInt8(ascii: "\\") {
                    state = .stringEscape
                } else if byte == UInt8(ascii: "\"") {
                    state = .code
                }
            case .stringEscape:
                state = .string
            case .slash:
                let slash = pendingSlash!
                pendingSlash = nil
                if byte == UInt8(ascii: "/") || byte == UInt8(ascii: "*") {
                    bytes[slash] = space
                    bytes[index] = space
                    if byte == UInt8(ascii: "*") {
                        let offset = emitted + slash
                        commentStart = SourceLocation(offset: offset, line: line, column: offset - lineStart + 1)
                        state = .blockComment
                    } else {
                        state = .lineComment
                    }
                } else {
                    // Not a comment: leave the `/` for yajl to reject, and read this byte as code.
                    pendingComma = nil
                    state = .code
                    continue
                }
            case .lineComment:
                if byte == 0x0A { state = .code } else { bytes[index] = space }
            case .blockComment, .blockCommentStar:
                if byte == UInt8(ascii: "/"), state == .blockCommentStar {
                    state = .code
                } else {
                    state = byte == UInt8(ascii: "*") ? .blockCommentStar : .blockComment
                }
                if byte != 0x0A { bytes[index] = space }
            }
            index += 1
        }
    }
}

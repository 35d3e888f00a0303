#if canImport(Glibc)
import Glibc
#endif

/// Where a stretch of the export begins: what a parser needs to count from there.
struct InputPlace: Sendable {
    /// The offset of its first byte in the export.
    var offset: Int
    /// The 1-based line of that byte, and the offset where that line starts.
    var line: Int
    var lineStart: Int
    /// A few bytes before it, for the excerpts of errors.
    var precedingBytes: [UInt8]
    /// The index of the first item that begins in it.
    var firstItemIndex: Int

    /// Moves `line` and `lineStart` over the line feeds in `bytes[start..<end]`, where `bytes`
    /// begins at `offset` in the export.
    static func countLines(
        in bytes: UnsafeRawPointer, from start: Int, to end: Int, startingAt offset: Int, line: inout Int, lineStart: inout Int
    ) {
        var position = start
        while position < end, let found = memchr(bytes + position, 0x0A, end - position) {
            let newline = bytes.distance(to: UnsafeRawPointer(found))
            line += 1
            lineStart = offset + newline + 1
            position = newline + 1
        }
    }
}

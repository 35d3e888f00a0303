import CVLXScan

/// Reads the structure of JSON bytes without parsing them: which bytes are inside strings,
/// and how deep each bracket stands, 64 bytes at a time.
///
/// It is the first stage of the parallel walk: it proposes where media items end, so
/// that whole items can be handed to other threads, and never validates anything (yajl
/// does that, in every thread). For valid JSON its view is exact; on invalid input it
/// may see a bracket where there is none, but only at or after the first invalid byte,
/// which the parser of that stretch reports.
///
/// Each block of 64 bytes is classified with vector instructions (`CVLXScan`: SSE2 on
/// x86-64, a byte loop elsewhere) into 64-bit masks, one bit per byte: quotes, backslashes,
/// brackets, closing brackets, white space. (Lines are not counted here: the places that
/// need a line number are few, and `memchr` counts the line feeds up to them faster.)
/// Backslashes mark the bytes they escape (a short loop, only in blocks that have one),
/// a prefix XOR of the unescaped quotes
/// gives the bytes inside strings, and the brackets outside strings change the depth.
/// A block whose brackets cannot bring the depth down to ``reportedDepth`` is counted in
/// one step; otherwise its brackets are visited one by one.
///
/// It is public as SPI (`@_spi(Parallel) import VLExport`) for the benchmark package only.
@_spi(Parallel)
public struct StructureScanner {
    /// A bracket outside strings after which the depth is at most this is reported, and an
    /// opening bracket that goes one deeper (where an item begins).
    public static let reportedDepth = 2

    /// A bracket that leaves the depth at most ``reportedDepth``, or opens one level below it.
    public struct Bracket: Sendable, Hashable {
        /// The bracket byte: `{`, `}`, `[` or `]`.
        public var byte: UInt8
        /// Its offset from the start of the scan.
        public var offset: Int
        /// The depth after it: the export object is depth 1, `media_items` 2, an item 3.
        public var depthAfter: Int

        /// Whether the bracket opens an object or an array.
        public var opens: Bool { byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") }
    }

    /// Which bytes stand inside strings.
    private var strings = StringBlocks()
    /// The depth after the bytes scanned so far.
    public private(set) var depth = 0
    /// The bytes scanned so far.
    public private(set) var offset = 0
    /// At least the deepest depth reached since the last ``resetDepthBound()`` (for each block
    /// with brackets, the depth before it plus its opening brackets): when it is within a
    /// limit, no bracket scanned since went past it.
    public private(set) var depthBound = 0

    /// Just past the last byte of white space (or any byte up to space) scanned outside a
    /// string, as an offset from the start of the scan; 0 when there has been none. Bytes
    /// before the first item that begin after it can be copied without compacting.
    public private(set) var whitespaceEnd = 0

    /// Starts a new ``depthBound`` from the depth where the scan stands.
    public mutating func resetDepthBound() {
        depthBound = depth
    }

    /// A scanner at the start of a document.
    public init() {}

    /// Whether the scan stands inside a string.
    public var isInString: Bool { strings.inString != 0 }

    /// Scans the next bytes, passing each reported bracket to `visit` in order.
    public mutating func scan(_ bytes: UnsafeRawBufferPointer, _ visit: (Bracket) -> Void) {
        StringBlocks.forEachBlock(of: bytes) { block, _, count in
            scanBlock(block, count: count, visit)
            return true
        }
    }

    @inline(__always)
    private mutating func scanBlock(_ block: UnsafeRawPointer, count: Int, _ visit: (Bracket) -> Void) {
        let classes = CVLXScan_classify(block.assumingMemoryBound(to: UInt8.self))
        let (inside, escaped) = strings.read(quotes: classes.quotes, backslashes: classes.backslashes, count: count)

        // The zeros that pad a short block are no input.
        let spacesOutside = classes.spaces & ~inside & (count == 64 ? ~0 : (1 << UInt64(count)) - 1)
        if spacesOutside != 0 { whitespaceEnd = offset + 64 - spacesOutside.leadingZeroBitCount }

        let structural = classes.brackets & ~inside & ~escaped
        if structural != 0 {
            let closers = classes.closers & structural
            let closeCount = closers.nonzeroBitCount
            depthBound = max(depthBound, depth + structural.nonzeroBitCount - closeCount)
            if depth - closeCount > Self.reportedDepth {
                depth += structural.nonzeroBitCount - 2 * closeCount
            } else {
                visitBrackets(structural, closers: closers, block: block, visit)
            }
        }
        offset += count
    }

    @inline(never)
    private mutating func visitBrackets(
        _ structural: UInt64, closers: UInt64, block: UnsafeRawPointer, _ visit: (Bracket) -> Void
    ) {
        var remaining = structural
        while remaining != 0 {
            let position = remaining.trailingZeroBitCount
            let bit = UInt64(1) << UInt64(position)
            remaining &= remaining &- 1
            let closes = closers & bit != 0
            depth += closes ? -1 : 1
            // (A block whose closing brackets cannot bring the depth down to the reported depth
            // cannot hold an opening one from it either: it is never visited for those.)
            if depth <= Self.reportedDepth || (!closes && depth == Self.reportedDepth + 1) {
                visit(Bracket(byte: block.load(fromByteOffset: position, as: UInt8.self), offset: offset + position, depthAfter: depth))
            }
        }
    }
}

/// Which bytes of consecutive blocks of 64 bytes stand inside strings: the quotes no backslash
/// escapes, paired by a prefix XOR, with what the end of a block leaves open carried to the
/// next. (The structure scanner and the search for repeated keys read strings this way.)
struct StringBlocks {
    /// All ones while the bytes read end inside a string, zero outside.
    private(set) var inString: UInt64 = 0
    /// Whether the next byte is escaped: the last byte read was an unpaired backslash.
    private var nextIsEscaped = false

    /// Calls `body` with each block of 64 bytes of `bytes` in order, with its offset in `bytes`
    /// and its count of bytes; the last bytes (fewer than 64) come in a block of zeros, which
    /// is none of the bytes a scanner looks for but white space (masked off by the count).
    /// Stops when `body` returns false.
    @inline(__always)
    static func forEachBlock(of bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawPointer, Int, Int) -> Bool) {
        guard let base = bytes.baseAddress else { return }
        var position = 0
        while bytes.count - position >= 64 {
            guard body(base + position, position, 64) else { return }
            position += 64
        }
        if position < bytes.count {
            var padded: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
            let count = bytes.count - position
            withUnsafeMutableBytes(of: &padded) { block in
                block.baseAddress!.copyMemory(from: base + position, byteCount: count)
                _ = body(UnsafeRawPointer(block.baseAddress!), position, count)
            }
        }
    }

    /// Reads the next block of `count` bytes (64, or fewer for the last), given the bits of
    /// its quotes and backslashes. Returns the bytes inside strings (each opening quote
    /// included, each closing quote not) and the bytes a backslash escapes.
    @inline(__always)
    mutating func read(quotes: UInt64, backslashes: UInt64, count: Int) -> (inside: UInt64, escaped: UInt64) {
        var escaped: UInt64 = 0
        if backslashes != 0 || nextIsEscaped {
            escaped = escapedBytes(backslashes, count: count)
        }
        // Inside a string from an opening quote up to its closing quote: a prefix XOR.
        var inside = quotes & ~escaped
        inside ^= inside << 1
        inside ^= inside << 2
        inside ^= inside << 4
        inside ^= inside << 8
        inside ^= inside << 16
        inside ^= inside << 32
        inside ^= inString
        inString = UInt64(bitPattern: Int64(bitPattern: inside) >> 63)
        return (inside, escaped)
    }

    /// The bytes a backslash escapes, with ``nextIsEscaped`` carried in and out.
    @inline(never)
    private mutating func escapedBytes(_ backslashes: UInt64, count: Int) -> UInt64 {
        var escaped: UInt64 = nextIsEscaped ? 1 : 0
        // A backslash that is itself escaped escapes nothing.
        var firstFree = nextIsEscaped ? 1 : 0
        var remaining = backslashes
        nextIsEscaped = false
        while remaining != 0 {
            let position = remaining.trailingZeroBitCount
            remaining &= remaining &- 1
            guard position >= firstFree, position < count else { continue }
            if position == count - 1 {
                nextIsEscaped = true
            } else {
                escaped |= 1 << UInt64(position + 1)
            }
            firstFree = position + 2
        }
        return escaped
    }
}

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
/// The loop over blocks is C (`CVLXScan_scan`), compiled twice on x86-64: with SSE2, which
/// every x86-64 processor has, and with AVX2 and POPCNT, chosen at run time when the
/// processor has them (a byte loop elsewhere). Each block is classified into 64-bit masks,
/// one bit per byte: quotes, backslashes, brackets, closing brackets, white space. (Lines
/// are not counted here: the places that need a line number are few, and `memchr` counts
/// the line feeds up to them faster.) Backslashes mark the bytes they escape (a short loop,
/// only in blocks that have one), a prefix XOR of the unescaped quotes gives the bytes
/// inside strings, and the brackets outside strings change the depth. A block whose
/// brackets cannot bring the depth down to ``reportedDepth`` is counted in one step;
/// otherwise the loop returns here, and its brackets are visited one by one.
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

    /// Where the scan stands: strings, depth, offset.
    private var state = CVLXScan_ScanState()
    /// How bytes are classified (a `CVLXScan_level…`).
    private let level: Int32

    /// The depth after the bytes scanned so far.
    public var depth: Int { Int(state.depth) }
    /// The bytes scanned so far.
    public var offset: Int { Int(state.offset) }
    /// At least the deepest depth reached since the last ``resetDepthBound()`` (for each block
    /// with brackets, the depth before it plus its opening brackets): when it is within a
    /// limit, no bracket scanned since went past it.
    public var depthBound: Int { Int(state.depthBound) }

    /// Just past the last byte of white space (or any byte up to space) scanned outside a
    /// string, as an offset from the start of the scan; 0 when there has been none. Bytes
    /// before the first item that begin after it can be copied without compacting.
    public var whitespaceEnd: Int { Int(state.whitespaceEnd) }

    /// Starts a new ``depthBound`` from the depth where the scan stands.
    public mutating func resetDepthBound() {
        state.depthBound = state.depth
    }

    /// A scanner at the start of a document, with the fastest instructions the processor has.
    public init() {
        self.init(level: CVLXScan_bestLevel())
    }

    /// A scanner at the start of a document that classifies bytes at `level` (a
    /// `CVLXScan_level…` no higher than `CVLXScan_bestLevel()`), so that tests can check each.
    init(level: Int32) {
        precondition(level >= 0 && level <= CVLXScan_bestLevel(), "this processor has no scan level \(level)")
        self.level = level
    }

    /// Whether the scan stands inside a string.
    public var isInString: Bool { state.strings.inString != 0 }

    /// Scans the next bytes, passing each reported bracket to `visit` in order.
    public mutating func scan(_ bytes: UnsafeRawBufferPointer, _ visit: (Bracket) -> Void) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let wholeBlocks = bytes.count / 64
        scanBlocks(base, count: wholeBlocks, lastCount: 64, visit)
        let lastCount = bytes.count - 64 * wholeBlocks
        guard lastCount > 0 else { return }
        // The last bytes, in a block of zeros: a zero byte is white space, masked off by the count.
        var padded: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &padded) { block in
            block.baseAddress!.copyMemory(from: base + 64 * wholeBlocks, byteCount: lastCount)
            scanBlocks(block.baseAddress!.assumingMemoryBound(to: UInt8.self), count: 1, lastCount: lastCount, visit)
        }
    }

    /// Scans `count` blocks of 64 bytes, the last of which holds `lastCount` bytes of input,
    /// visiting the brackets of each block the C loop stops at.
    private mutating func scanBlocks(_ blocks: UnsafePointer<UInt8>, count: Int, lastCount: Int, _ visit: (Bracket) -> Void) {
        var blocksRead = 0
        while blocksRead < count {
            var brackets = CVLXScan_Brackets()
            blocksRead += CVLXScan_scan(level, &state, blocks + 64 * blocksRead, count - blocksRead, Int32(lastCount), Int64(Self.reportedDepth), &brackets)
            if brackets.structural != 0 {
                visitBrackets(brackets, block: UnsafeRawPointer(blocks + 64 * (blocksRead - 1)), visit)
                state.offset += Int64(blocksRead == count ? lastCount : 64)
            }
        }
    }

    /// Visits the brackets of the block at ``offset`` one by one, moving the depth.
    @inline(never)
    private mutating func visitBrackets(_ brackets: CVLXScan_Brackets, block: UnsafeRawPointer, _ visit: (Bracket) -> Void) {
        var remaining = brackets.structural
        var depth = self.depth
        let offset = self.offset
        while remaining != 0 {
            let position = remaining.trailingZeroBitCount
            let bit = UInt64(1) << UInt64(position)
            remaining &= remaining &- 1
            let closes = brackets.closers & bit != 0
            depth += closes ? -1 : 1
            // (A block whose closing brackets cannot bring the depth down to the reported depth
            // cannot hold an opening one from it either: it is never visited for those.)
            if depth <= Self.reportedDepth || (!closes && depth == Self.reportedDepth + 1) {
                visit(Bracket(byte: block.load(fromByteOffset: position, as: UInt8.self), offset: offset + position, depthAfter: depth))
            }
        }
        state.depth = Int64(depth)
    }
}

/// Which bytes of consecutive blocks of 64 bytes stand inside strings: the quotes no backslash
/// escapes, paired by a prefix XOR, with what the end of a block leaves open carried to the
/// next (`CVLXScan_readStrings`, which the structure scan's loop reads strings with too). The
/// search for repeated keys reads strings this way.
struct StringBlocks {
    private var strings = CVLXScan_Strings()

    /// All ones while the bytes read end inside a string, zero outside.
    var inString: UInt64 { strings.inString }

    /// Reads the next block of `count` bytes (64, or fewer for the last), given the bits of
    /// its quotes and backslashes. Returns the bytes inside strings (each opening quote
    /// included, each closing quote not) and the bytes a backslash escapes.
    @inline(__always)
    mutating func read(quotes: UInt64, backslashes: UInt64, count: Int) -> (inside: UInt64, escaped: UInt64) {
        var escaped: UInt64 = 0
        let inside = CVLXScan_readStrings(&strings, quotes, backslashes, Int32(count), &escaped)
        return (inside, escaped)
    }
}

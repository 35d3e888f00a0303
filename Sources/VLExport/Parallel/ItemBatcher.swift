#if canImport(Glibc)
import Glibc
#endif

/// Cuts an export, as it is read, into envelope pieces for the walk's own parser and batches
/// of whole media items for the workers, from the structure ``StructureScanner`` reads.
///
/// It runs on the reading thread. The bytes read go into ``buffer``; after each read the
/// new bytes are scanned, and the brackets the scanner reports place the cuts:
/// - the `[` that opens `media_items` (a `[` at depth 1 after the key `"media_items"`)
///   ends the first envelope piece;
/// - after an item ends (a bracket back to depth 2) and the batch has grown to
///   ``batchTarget``, a cut is made if a comma and the start of the next item follow:
///   the batch holds the items, the walk's parser goes on past the comma;
/// - the `]` that closes `media_items` ends the last batch (which keeps it, so that its
///   worker checks what stands before it), and everything after is envelope again.
/// Items are counted on the way (an opening bracket at depth 3, or a string, number or
/// literal between items), so that each batch knows its first item's index; lines are
/// counted with `memchr` over each piece, so that each knows its line.
///
/// The batcher only proposes. A document that is not what it assumed (broken strings, a
/// truncated tail) ends in the error of the worker or the parser that reads the piece,
/// which is the serial walk's error, because each piece is read in the serial walk's context.
struct ItemBatcher {
    private enum Phase {
        /// Before `media_items`: everything is envelope.
        case head
        /// Inside `media_items`.
        case items
        /// After `media_items`: everything is envelope.
        case tail
        /// After an item too large to read: nothing more is handed out.
        case stopped
    }

    /// The size a batch grows to before it is cut after its next item.
    let batchTarget: Int
    /// A batch that grows past this without a place to cut is handed out as it stands: its
    /// worker then reports the item too large, as the serial walk does.
    let maxBatchBytes: Int

    private var phase = Phase.head
    private var scanner = StructureScanner()
    /// Bytes read and not handed out yet; `buffer[0]` is at `bufferStart` in the export.
    private(set) var buffer: [UInt8] = []
    private var bufferStart = 0
    /// The line of `buffer[0]`, and where that line starts.
    private var line = 1
    private var lineStart = 0
    /// How much of `buffer` has been scanned.
    private var scanned = 0
    /// The last bytes handed out, for the excerpts of errors at the start of the next piece.
    private var precedingBytes: [UInt8] = []
    /// The index the next item that begins will have.
    private var nextItemIndex = 0
    /// Items begun in the batch being gathered.
    private var itemsInBatch = 0
    /// Where a stretch between items begins, in which strings, numbers and literals are items too.
    private var gapStart: Int?
    /// Where the last item that ended in the batch being gathered ends, and how many items
    /// of the batch had begun by then.
    private var lastItemEnd: Int?
    private var itemsAtLastItemEnd = 0
    /// Brackets of the last scan, handled once it is done.
    private var brackets: [StructureScanner.Bracket] = []
    /// Where the last item that ends in the last scan ends (its closing bracket), in the export.
    private var lastItemEndInScan: Int?
    /// Where the item being read began, as an offset in the export, when it is an object.
    private var openObjectItemStart: Int?
    /// The object items that ended and were not handed out yet, as offsets in the export.
    private var objectItemSpans: [Range<Int>] = []
    /// The scanner's depth bound over the bytes not all handed out yet, and over the last scan.
    private var pendingDepthBound = 0
    private var lastScanDepthBound = 0

    /// Where the buffer that replaces one handed out comes from, if not made new.
    let recycledBuffers: ByteBufferPool?

    init(batchTarget: Int, maxBatchBytes: Int, recycledBuffers: ByteBufferPool? = nil) {
        self.batchTarget = batchTarget
        self.maxBatchBytes = maxBatchBytes
        self.recycledBuffers = recycledBuffers
        buffer.reserveCapacity(batchTarget * 2)
    }

    /// Reads at most `count` more bytes into ``buffer`` with `read`, which is given the room
    /// after the bytes already there (uninitialized: nothing is written to it first) and
    /// returns how many bytes it read, or nil to stop. Returns what `read` returns.
    mutating func read(
        atMost count: Int, _ read: (UnsafeMutableRawBufferPointer) throws(VLExportError) -> Int?
    ) throws(VLExportError) -> Int? {
        var result: Int?
        try buffer.append(addingCapacity: count) { (span: inout OutputSpan<UInt8>) throws(VLExportError) in
            try span.withUnsafeMutableBufferPointer { (room, initialized) throws(VLExportError) in
                result = try read(UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: room[initialized...])))
                initialized += min(result ?? 0, room.count - initialized)
            }
        }
        return result
    }

    /// Whether an item too large to read ended the cutting.
    var isStopped: Bool {
        if case .stopped = phase { return true }
        return false
    }

    /// Returns the pieces the bytes read since the last commit complete. `order` goes into each batch.
    mutating func commit(order: BatchOrder) -> [ExportSegment] {
        brackets.removeAll(keepingCapacity: true)
        scanner.resetDepthBound()
        buffer.withUnsafeBytes { bytes in
            scanner.scan(UnsafeRawBufferPointer(rebasing: bytes[scanned...])) { brackets.append($0) }
        }
        scanned = buffer.count
        lastScanDepthBound = scanner.depthBound
        pendingDepthBound = max(pendingDepthBound, lastScanDepthBound)
        var segments: [ExportSegment] = []
        lastItemEndInScan = brackets.last { $0.depthAfter == 2 && !$0.opens }?.offset
        for bracket in brackets {
            handle(bracket, order: order, into: &segments)
        }
        switch phase {
        case .head:
            // Keep enough to see the key before media_items' bracket; hand out the rest.
            if buffer.count > 1 << 20 { segments.append(.envelope(takeBytes(upTo: buffer.count - 4096))) }
        case .tail:
            if !buffer.isEmpty { segments.append(.envelope(takeBytes(upTo: buffer.count))) }
        case .items:
            if gapStart != nil, buffer.count >= batchTarget, buffer.count - lastGapSearch >= batchTarget,
               let batch = cutInGap(order: order) {
                segments.append(.batch(batch))
            } else if buffer.count > maxBatchBytes {
                // An item larger than the limit: its worker reports it, as the serial walk does,
                // and nothing after it is read.
                segments.append(.batch(takeBatch(upTo: buffer.count, walkResumesAt: buffer.count, endsInput: true, order: order)))
                phase = .stopped
            }
        case .stopped:
            break
        }
        return segments
    }

    /// How long the buffer was at the last search for a cut between items that are no objects.
    private var lastGapSearch = 0

    /// In a long run of items that are no objects (strings, numbers), cuts after the last one
    /// the bytes read show whole and followed by a comma and another item.
    private mutating func cutInGap(order: BatchOrder) -> ItemBatch? {
        lastGapSearch = buffer.count
        guard let start = gapStart else { return nil }
        var probe = start
        var items = 0
        var cut: (valueEnd: Int, resume: Int, items: Int)?
        scanning: while probe < buffer.count {
            let byte = buffer[probe]
            if Tokenizer.isWhitespace(byte) || byte == UInt8(ascii: ",") {
                probe += 1
                continue
            }
            items += 1
            guard let valueEnd = endOfValue(from: probe, before: buffer.count) else { break scanning }
            probe = valueEnd
            if let resume = nextItemStart(after: probe) { cut = (probe, resume, items) }
        }
        guard let cut else { return nil }
        itemsInBatch += cut.items
        let batch = takeBatch(upTo: cut.valueEnd, walkResumesAt: cut.resume, endsInput: false, order: order)
        gapStart = 0
        lastGapSearch = buffer.count
        return batch
    }

    /// The pieces that can be handed out now, for an input that has nothing more to read
    /// yet (a pipe whose writer is slow): the envelope read so far, and the items whose next
    /// item has begun, so that they reach the walk without waiting for a whole batch. (An item
    /// is handed out once the comma after it, and the next item's first byte, have been read.)
    mutating func flushForStall(order: BatchOrder) -> [ExportSegment] {
        switch phase {
        case .head:
            return buffer.isEmpty ? [] : [.envelope(takeBytes(upTo: buffer.count))]
        case .items:
            if gapStart != nil, let batch = cutInGap(order: order) {
                return [.batch(batch)]
            }
            if let end = lastItemEnd, let resume = nextItemStart(after: end) {
                let wasInGap = gapStart.map { $0 >= end } ?? false
                // Items that began after this one (counted already) belong to the next batch.
                let batch = takeBatch(
                    upTo: end, walkResumesAt: resume, endsInput: false, items: itemsAtLastItemEnd, order: order
                )
                if wasInGap { gapStart = 0 }
                return [.batch(batch)]
            }
            return []
        case .tail, .stopped:
            return []
        }
    }

    /// The pieces left at the end of the input.
    mutating func finish(order: BatchOrder) -> [ExportSegment] {
        switch phase {
        case .stopped:
            return []
        case .head, .tail:
            return buffer.isEmpty ? [] : [.envelope(takeBytes(upTo: buffer.count))]
        case .items:
            phase = .tail
            return [.batch(takeBatch(upTo: buffer.count, walkResumesAt: buffer.count, endsInput: true, order: order))]
        }
    }

    private mutating func handle(_ bracket: StructureScanner.Bracket, order: BatchOrder, into segments: inout [ExportSegment]) {
        let index = bracket.offset - bufferStart
        let opens = bracket.opens
        switch phase {
        case .head:
            guard opens, bracket.depthAfter == 2, bracket.byte == UInt8(ascii: "["), followsMediaItemsKey(index) else { return }
            segments.append(.envelope(takeBytes(upTo: index + 1)))
            phase = .items
            gapStart = 0
            itemsInBatch = 0
        case .items:
            if opens, bracket.depthAfter == 3 {
                countGapItems(upTo: index)
                itemsInBatch += 1
                openObjectItemStart = bracket.byte == UInt8(ascii: "{") ? bracket.offset : nil
            } else if !opens, bracket.depthAfter == 2 {
                if let start = openObjectItemStart { objectItemSpans.append(start..<(bracket.offset + 1)) }
                openObjectItemStart = nil
                gapStart = index + 1
                lastItemEnd = index + 1
                itemsAtLastItemEnd = itemsInBatch
                if isPlaceToCut(after: bracket, at: index), let resume = nextItemStart(after: index + 1) {
                    segments.append(.batch(takeBatch(upTo: index + 1, walkResumesAt: resume, endsInput: false, order: order)))
                    gapStart = 0
                }
            } else if !opens, bracket.depthAfter == 1 {
                countGapItems(upTo: index)
                // The last batch keeps the closing bracket; the walk's parser goes on from it.
                segments.append(.batch(takeBatch(
                    upTo: index + 1, walkResumesAt: index, endsInput: false, closesMediaItems: true, order: order
                )))
                phase = .tail
            }
        case .tail, .stopped:
            return
        }
    }

    /// Whether a batch is cut after the item that `bracket`, at `buffer[index]`, ends: after the
    /// last item that ends in a scan once the buffer holds a batch's bytes, which leaves only the
    /// unfinished item to move to the next buffer; after an earlier one only when it ends a
    /// batch's bytes and another batch's bytes follow (a read much larger than a batch).
    private func isPlaceToCut(after bracket: StructureScanner.Bracket, at index: Int) -> Bool {
        if bracket.offset == lastItemEndInScan {
            return buffer.count >= batchTarget && index + 1 >= batchTarget / 2
        }
        return index + 1 >= batchTarget && buffer.count - (index + 1) >= batchTarget
    }

    /// Whether the bytes before the `[` at `index` are `"media_items"`, a colon and white space
    /// (looking back into the last bytes handed out, when the head was handed out early).
    private func followsMediaItemsKey(_ index: Int) -> Bool {
        let before = lastBytes(before: index)
        var probe = before.count - 1
        while probe >= 0, Tokenizer.isWhitespace(before[probe]) { probe -= 1 }
        guard probe >= 0, before[probe] == UInt8(ascii: ":") else { return false }
        probe -= 1
        while probe >= 0, Tokenizer.isWhitespace(before[probe]) { probe -= 1 }
        let key = Self.mediaItemsKey
        guard probe + 1 >= key.count else { return false }
        return before[(probe + 1 - key.count)...probe].elementsEqual(key)
    }

    private static let mediaItemsKey = Array("\"\(ItemPath.mediaItems)\"".utf8)

    /// The 64 bytes of the export before `buffer[index]` (fewer at its start), looking back
    /// into the last bytes handed out when the buffer holds fewer.
    private func lastBytes(before index: Int) -> [UInt8] {
        index >= 64 ? Array(buffer[(index - 64)..<index]) : Array((precedingBytes + buffer[..<index]).suffix(64))
    }

    /// Where the walk can go on after an item that ends just before `index`: past white
    /// space, a comma and white space, at the first byte of the next item; nil when the
    /// bytes there are not that, or not read yet.
    private func nextItemStart(after index: Int) -> Int? {
        var probe = index
        while probe < buffer.count, Tokenizer.isWhitespace(buffer[probe]) { probe += 1 }
        guard probe < buffer.count, buffer[probe] == UInt8(ascii: ",") else { return nil }
        probe += 1
        while probe < buffer.count, Tokenizer.isWhitespace(buffer[probe]) { probe += 1 }
        guard probe < buffer.count else { return nil }
        switch buffer[probe] {
        case UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "\""), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            return probe
        default:
            return nil
        }
    }

    /// Counts the strings, numbers and literals that stand as items between the last item and `index`.
    private mutating func countGapItems(upTo end: Int) {
        guard let start = gapStart else { return }
        gapStart = nil
        var probe = start
        while probe < end {
            let byte = buffer[probe]
            if Tokenizer.isWhitespace(byte) || byte == UInt8(ascii: ",") {
                probe += 1
                continue
            }
            itemsInBatch += 1
            // Past the end (an unclosed string) is fine: `end` stops the count.
            probe = endOfValue(from: probe, before: end) ?? end
        }
    }

    /// Where the string, number or literal that starts at `start` ends (just past it), reading no
    /// further than `limit`; nil when it goes on past `limit` (a string not closed by then).
    private func endOfValue(from start: Int, before limit: Int) -> Int? {
        var probe = start
        if buffer[probe] == UInt8(ascii: "\"") {
            probe += 1
            while probe < limit, buffer[probe] != UInt8(ascii: "\"") {
                probe += buffer[probe] == UInt8(ascii: "\\") ? 2 : 1
            }
            return probe < limit ? probe + 1 : nil
        }
        // A number or a literal goes on while its bytes can belong to one: yajl ends it at any
        // other byte (`6"` is the number 6 and the start of a string), and so does the count.
        // Its first byte is taken whatever it is, so that a count always moves on.
        probe += 1
        while probe < limit, Self.continuesNumberOrLiteral(buffer[probe]) { probe += 1 }
        return probe
    }

    /// Whether `byte` can stand inside a number or a literal (`-1.5e+3`, `true`): a digit, a
    /// letter, a sign or a point.
    private static func continuesNumberOrLiteral(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
            true
        default:
            false
        }
    }

    /// Hands out `buffer[..<end]` as a batch; the walk's parser goes on at `resume`.
    private mutating func takeBatch(
        upTo end: Int, walkResumesAt resume: Int, endsInput: Bool, closesMediaItems: Bool = false, items: Int? = nil,
        order: BatchOrder
    ) -> ItemBatch {
        let place = InputPlace(
            offset: bufferStart, line: line, lineStart: lineStart, precedingBytes: precedingBytes,
            firstItemIndex: nextItemIndex
        )
        let count = items ?? itemsInBatch
        // The spans of the batch's items, when every one of them is an object the scan saw whole.
        let batchEnd = bufferStart + end
        let ended = objectItemSpans.prefix { $0.upperBound <= batchEnd }.count
        let spans = ended == count && (openObjectItemStart.map { $0 >= batchEnd } ?? true)
            ? objectItemSpans[..<ended].map { ($0.lowerBound - bufferStart)..<($0.upperBound - bufferStart) }
            : nil
        objectItemSpans.removeFirst(ended)
        let depthBound = pendingDepthBound
        pendingDepthBound = lastScanDepthBound
        // White space outside strings seen since the batch began (or after it, in the same scan).
        let mayHoldWhitespace = scanner.whitespaceEnd > bufferStart
        nextItemIndex += count
        itemsInBatch -= count
        let bytes = takePrefix(end, droppingFirst: resume)
        let end = InputPlace(offset: bufferStart, line: line, lineStart: lineStart, precedingBytes: precedingBytes, firstItemIndex: nextItemIndex)
        return ItemBatch(
            bytes: bytes, place: place, end: end, endsInput: endsInput, closesMediaItems: closesMediaItems, order: order,
            objectItemSpans: spans, depthBound: depthBound, mayHoldWhitespace: mayHoldWhitespace
        )
    }

    /// Hands out `buffer[..<end]` as envelope bytes.
    private mutating func takeBytes(upTo end: Int) -> [UInt8] {
        takePrefix(end, droppingFirst: end)
    }

    /// Returns `buffer[..<end]` and drops the first `count` bytes of the buffer (`count >= end`),
    /// counting their lines. The buffer itself is handed out, cut to `end`, and what follows
    /// `count` goes into a new one: the bytes of a batch are not copied.
    private mutating func takePrefix(_ end: Int, droppingFirst count: Int) -> [UInt8] {
        // Line 1 starts after a byte order mark, as the tokenizer counts it.
        if bufferStart == 0, buffer.starts(with: Tokenizer.byteOrderMark) { lineStart = Tokenizer.byteOrderMark.count }
        buffer.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            InputPlace.countLines(in: base, from: 0, to: count, startingAt: bufferStart, line: &line, lineStart: &lineStart)
        }
        precedingBytes = lastBytes(before: count)
        let room = max(batchTarget * 2, buffer.count - count)
        var taken = recycledBuffers?.take(capacity: room) ?? []
        taken.reserveCapacity(room)
        taken.append(contentsOf: buffer[count...])
        swap(&taken, &buffer)
        taken.removeSubrange(end...)
        bufferStart += count
        scanned -= count
        lastGapSearch = max(0, lastGapSearch - count)
        lastItemEnd = lastItemEnd.flatMap { $0 - count >= 0 ? $0 - count : nil }
        if let start = gapStart { gapStart = start - count }
        return taken
    }
}

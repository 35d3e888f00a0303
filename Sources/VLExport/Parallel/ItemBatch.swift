#if canImport(Glibc)
import Glibc
#endif

/// Where a stretch of the export begins: what a parser needs to count from there.
struct BatchPlace: Sendable {
    /// The offset of its first byte in the export.
    var offset: Int
    /// The 1-based line of that byte, and the offset where that line starts.
    var line: Int
    var lineStart: Int
    /// A few bytes before it, for the excerpts of errors.
    var precedingBytes: [UInt8]
    /// The index of the first item that begins in it.
    var firstItemIndex: Int
    /// Items with a smaller index are passed over (a walk read again from the start).
    var skipItemsBefore: Int = 0

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

/// What the walk asks of the batches cut from now on.
struct BatchOrder: Sendable {
    /// The form the items are read in.
    var itemMode = ItemMode.typed
    /// What each item read becomes on the worker, if anything (a loop over mapped items).
    var transform: ItemTransform?
    /// Items with a smaller index are passed over (a walk read again from the start).
    var skipItemsBefore = 0
}

/// What a worker made of a batch.
struct BatchResult {
    /// The items, in order; a slot is nil once its item has been taken (a worker takes none).
    var items: [ParsedItem?]
    var warnings: [ExportWarning]
    var warningCount: Int
    /// Items begun in the batch, read or passed over.
    var itemCount: Int
    /// The error that ended the batch, after its items before it.
    var failure: VLExportError?
}

/// A piece of the export, in the export's order, as ``ItemBatcher`` cut it.
enum ExportSegment {
    /// Bytes outside the items (the envelope: `info`, the keys, the brackets), for the walk's own parser.
    case envelope([UInt8])
    /// Whole items, for a worker.
    case batch(ItemBatch)
}

/// Whole items of `media_items`, cut out of the export for a worker to read.
final class ItemBatch: @unchecked Sendable {
    // @unchecked: everything is set before the batch is shared, except `result`, which the
    // worker writes once and the walk reads after `done` has been signalled.

    /// The items' bytes. For the last batch, the `]` that closes `media_items` follows
    /// them, so that the worker also checks what stands before it (a trailing comma).
    /// Empty once ``releaseBytes()`` has taken them.
    private(set) var bytes: [UInt8]
    /// Where the bytes begin.
    let place: BatchPlace
    /// Where the walk's own parser goes on after the batch: past the items and the comma
    /// after them, or at the `]` that closes `media_items`.
    let end: BatchPlace
    /// Whether the input ended inside the batch: its parser is told the input has ended.
    let endsInput: Bool
    /// Whether the bytes end with the `]` that closes `media_items`.
    let closesMediaItems: Bool
    /// The form the batch's items are made in.
    let itemMode: ItemMode
    /// What each item becomes once read, if anything.
    let transform: ItemTransform?
    /// Where each item is in ``bytes``, when every item is an object the scanner saw whole;
    /// proposed by the scanner, so trusted only once yajl has found the batch valid.
    let objectItemSpans: [Range<Int>]?
    /// At least the deepest nesting in the batch, counted from the export's root.
    let depthBound: Int
    /// False when the scanner saw no white space outside strings in the batch: its items
    /// are already compact.
    let mayHoldWhitespace: Bool
    /// Set by the worker.
    var result: BatchResult?

    init(
        bytes: [UInt8], place: BatchPlace, end: BatchPlace, endsInput: Bool, closesMediaItems: Bool, order: BatchOrder,
        objectItemSpans: [Range<Int>]? = nil, depthBound: Int = .max, mayHoldWhitespace: Bool = true
    ) {
        self.bytes = bytes
        self.closesMediaItems = closesMediaItems
        self.place = place
        self.end = end
        self.endsInput = endsInput
        itemMode = order.itemMode
        transform = order.transform
        self.objectItemSpans = objectItemSpans
        self.depthBound = depthBound
        self.mayHoldWhitespace = mayHoldWhitespace
    }

    /// Reads the batch: without events when it can (``rawObjectItemsWithoutEvents(_:)``),
    /// otherwise event by event with a parser of its own, which passes each item through the
    /// transform, if the walk gave one, as soon as the item is read. (The raw items of the
    /// first way are not typed items, which a transform leaves as they are.)
    func read(_ options: ReaderOptions) {
        result = (itemMode == .raw ? rawObjectItemsWithoutEvents(options) : nil) ?? readEventByEvent(options)
    }

    /// Reads the batch with a parser of its own, as the serial walk reads those bytes, mapping
    /// each item by ``transform`` as it is finished.
    func readEventByEvent(_ options: ReaderOptions) -> BatchResult {
        let parser = ExportParser(
            batchOf: options, itemMode: itemMode, at: place, expectedItems: objectItemSpans?.count ?? 0, isCompact: !mayHoldWhitespace
        )
        parser.transformOnFinish = transform?.copyForOneWorker()
        parser.reserve(forBatchOf: bytes.count)
        bytes.withUnsafeBytes { parser.feed($0) }
        if endsInput {
            parser.finish()
        } else if !closesMediaItems {
            // yajl knows a number has ended only when the next byte comes: a `]` brings out
            // an item that is a number at the batch's end, as the comma after it would.
            Self.closingBracket.withUnsafeBytes { parser.feed($0) }
        }
        return parser.batchResult()
    }

    private static let closingBracket: [UInt8] = [UInt8(ascii: "]")]

    /// Moves the bytes out, once the batch has been read: nothing made of it refers to them.
    func releaseBytes() -> [UInt8] {
        var released: [UInt8] = []
        swap(&released, &bytes)
        return released
    }

    /// The raw walk's fast path: a batch of objects within the limits that yajl, with no
    /// callbacks, finds valid holds exactly the items the scanner proposed, and nothing the
    /// walk warns about, so they are cut from the bytes (compacted unless the scanner saw no
    /// white space outside strings) without an event. Nil when any of that does not hold:
    /// the batch is then read event by event, which gives the serial walk's items and error.
    func rawObjectItemsWithoutEvents(_ options: ReaderOptions) -> BatchResult? {
        guard !endsInput, let spans = objectItemSpans, depthBound <= options.maxDepth,
              spans.allSatisfy({ $0.count <= options.maxItemBytes })
        else { return nil }
        return bytes.withUnsafeBytes { buffer -> BatchResult? in
            guard let base = buffer.baseAddress else { return nil }
            // yajl takes form feed and vertical tab for white space; the Tokenizer refuses them.
            guard memchr(base, 0x0B, buffer.count) == nil, memchr(base, 0x0C, buffer.count) == nil,
                  JSONValidator.isValidArray(elements: buffer, endsWithClosingBracket: closesMediaItems)
            else { return nil }
            var items: [ParsedItem?] = []
            items.reserveCapacity(spans.count)
            var line = place.line
            var lineStart = place.lineStart
            var counted = 0
            for (position, span) in spans.enumerated() {
                // Lines up to the item's opening brace.
                BatchPlace.countLines(in: base, from: counted, to: span.lowerBound, startingAt: place.offset, line: &line, lineStart: &lineStart)
                counted = span.lowerBound
                let index = place.firstItemIndex + position
                guard index >= place.skipItemsBefore else { continue }
                let offset = place.offset + span.lowerBound
                let itemBytes = UnsafeRawBufferPointer(rebasing: buffer[span])
                let json = mayHoldWhitespace ? JSONCompactor.compacted(itemBytes) : Array(itemBytes)
                items.append(.raw(RawMediaItem(index: index, json: json, location: SourceLocation(offset: offset, line: line, column: offset - lineStart + 1))))
            }
            return BatchResult(items: items, warnings: [], warningCount: 0, itemCount: spans.count, failure: nil)
        }
    }
}


/// How the walk reads the batches cut from now on: what a worker runs on each.
struct BatchOrder: Sendable {
    let read: @Sendable (ItemBatch) -> BatchResult
}

/// A piece of the export, in the export's order, as ``ItemBatcher`` cut it.
enum ExportSegment: HandoffPiece {
    /// Bytes outside the items (the envelope: `info`, the keys, the brackets), for the walk's own parser.
    case envelope([UInt8])
    /// Whole items, for a worker.
    case batch(ItemBatch)

    /// Envelope bytes are ready at once; a batch, once its worker has read it.
    var isReady: Bool {
        if case .batch(let batch) = self { return batch.isRead }
        return true
    }
}

/// Whole items of `media_items`, cut out of the export for a worker to read.
final class ItemBatch: @unchecked Sendable {
    // @unchecked: everything is set before the batch is shared, except `result`, which the
    // worker writes once before it sets `isRead`, under the handoff's lock, and the walk reads
    // after it has seen `isRead` under that lock.

    /// The items' bytes. For the last batch, the `]` that closes `media_items` follows
    /// them, so that the worker also checks what stands before it (a trailing comma).
    /// Empty once ``releaseBytes()`` has taken them.
    private(set) var bytes: [UInt8]
    /// Where the bytes begin.
    let place: InputPlace
    /// Where the walk's own parser goes on after the batch: past the items and the comma
    /// after them, or at the `]` that closes `media_items`.
    let end: InputPlace
    /// Whether the input ended inside the batch: its parser is told the input has ended.
    let endsInput: Bool
    /// Whether the bytes end with the `]` that closes `media_items`.
    let closesMediaItems: Bool
    /// How the walk reads the batch.
    let order: BatchOrder
    /// Where each item is in ``bytes``, when every item is an object the scanner saw whole;
    /// proposed by the scanner, so trusted only once yajl has found the batch valid.
    let objectItemSpans: [Range<Int>]?
    /// At least the deepest nesting in the batch, counted from the export's root.
    let depthBound: Int
    /// False when the scanner saw no white space outside strings in the batch: its items
    /// are already compact.
    let mayHoldWhitespace: Bool
    /// Set by the worker.
    private(set) var result: BatchResult?
    /// Whether the worker has read the batch; read and set under the handoff's lock.
    var isRead = false

    init(
        bytes: [UInt8], place: InputPlace, end: InputPlace, endsInput: Bool, closesMediaItems: Bool, order: BatchOrder,
        objectItemSpans: [Range<Int>]? = nil, depthBound: Int = .max, mayHoldWhitespace: Bool = true
    ) {
        self.bytes = bytes
        self.closesMediaItems = closesMediaItems
        self.place = place
        self.end = end
        self.endsInput = endsInput
        self.order = order
        self.objectItemSpans = objectItemSpans
        self.depthBound = depthBound
        self.mayHoldWhitespace = mayHoldWhitespace
    }

    /// Reads the batch as the walk asked, on a worker.
    func read() {
        result = order.read(self)
    }

    /// Moves the bytes out, once the batch has been read: nothing made of it refers to them.
    func releaseBytes() -> [UInt8] {
        var released: [UInt8] = []
        swap(&released, &bytes)
        return released
    }
}

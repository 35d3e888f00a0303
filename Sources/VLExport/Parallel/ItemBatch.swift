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
}

/// What a worker made of a batch.
struct BatchResult {
    var items: [ParsedItem]
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
    let bytes: [UInt8]
    /// Where the bytes begin.
    let place: BatchPlace
    /// Where the walk's own parser goes on after the batch: past the items and the comma
    /// after them, or at the `]` that closes `media_items`.
    let end: BatchPlace
    /// Whether the input ended inside the batch: its parser is told the input has ended.
    let endsInput: Bool
    /// The form the batch's items are made in.
    let itemMode: ItemMode
    /// Set by the worker.
    var result: BatchResult?

    init(bytes: [UInt8], place: BatchPlace, end: BatchPlace, endsInput: Bool, closesMediaItems: Bool, itemMode: ItemMode) {
        self.bytes = bytes
        self.closesMediaItems = closesMediaItems
        self.place = place
        self.end = end
        self.endsInput = endsInput
        self.itemMode = itemMode
    }

    /// Whether the bytes end with the `]` that closes `media_items`.
    let closesMediaItems: Bool

    /// Reads the batch with a parser of its own.
    func read(_ options: ReaderOptions) {
        let parser = ExportParser(batchOf: options, itemMode: itemMode, at: place)
        bytes.withUnsafeBytes { parser.feed($0) }
        if endsInput {
            parser.finish()
        } else if !closesMediaItems {
            // yajl knows a number has ended only when the next byte comes: a `]` brings out
            // an item that is a number at the batch's end, as the comma after it would.
            Self.closingBracket.withUnsafeBytes { parser.feed($0) }
        }
        result = parser.batchResult()
    }

    private static let closingBracket: [UInt8] = [UInt8(ascii: "]")]
}

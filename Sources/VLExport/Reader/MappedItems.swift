import Synchronization

/// A function a walk applies to each item where the item is read: on the worker thread that
/// read it, in the parallel walk; on the walk's own thread, in the serial walk.
final class ItemTransform: Sendable {
    /// Which transform mapped an item. Items carry this rather than the transform: a reference
    /// would be counted up on a worker and down on the loop's thread for every item, one count
    /// that every core writes.
    struct ID: Hashable, Sendable {
        fileprivate let value: UInt64
    }

    private static let madeCount = Atomic<UInt64>(0)

    /// This transform's ``ID``, unique in the process, and shared by its copies only.
    let id: ID
    /// Whether the function is given the item's compact JSON too.
    let readsJSON: Bool
    /// Whether the function writes the item's normalized form, which the walk writes from the
    /// events instead of building the typed item first (``ItemMode/normalized``).
    let writesNormalized: Bool
    /// Whether each item's normalized form is a line of NDJSON, an ``ItemLines``
    /// (``normalizedLines()``), rather than its bytes alone.
    let writesLines: Bool
    private let apply: @Sendable (MediaItem, RawMediaItem?) -> any Sendable
    /// Makes what a worker joins the items it reads together into, when the loop's values stand
    /// for runs of items: a partial result (``ExportReader/mediaItems(into:adding:)``), or lines.
    let makeAccumulator: (@Sendable () -> any ItemAccumulating)?

    init(
        readsJSON: Bool, writesNormalized: Bool = false, writesLines: Bool = false,
        makeAccumulator: (@Sendable () -> any ItemAccumulating)? = nil, _ apply: @escaping @Sendable (MediaItem, RawMediaItem?) -> any Sendable
    ) {
        id = ID(value: Self.madeCount.wrappingAdd(1, ordering: .relaxed).newValue)
        self.readsJSON = readsJSON
        self.writesNormalized = writesNormalized
        self.writesLines = writesLines
        self.makeAccumulator = makeAccumulator
        self.apply = apply
    }

    private init(copying original: ItemTransform) {
        id = original.id
        readsJSON = original.readsJSON
        writesNormalized = original.writesNormalized
        writesLines = original.writesLines
        makeAccumulator = original.makeAccumulator
        apply = original.apply
    }

    /// A copy for one worker's parser: the same function and ``id``, in an object whose
    /// reference count, taken for every item it maps, no other core writes.
    func copyForOneWorker() -> ItemTransform {
        ItemTransform(copying: self)
    }

    /// The function that writes each item's normalized JSON.
    static func normalizedJSON() -> ItemTransform {
        ItemTransform(readsJSON: false, writesNormalized: true) { item, _ in item.normalizedJSONBytes }
    }

    /// The function that writes each item's normalized JSON as a line of NDJSON; a worker
    /// joins the lines of the items it reads together (``LinesAccumulator``).
    static func normalizedLines() -> ItemTransform {
        ItemTransform(readsJSON: false, writesNormalized: true, writesLines: true, makeAccumulator: { LinesAccumulator() }) { item, _ in
            ItemLines(line: item.normalizedJSONBytes)
        }
    }

    /// The form the walk reads items in for this function.
    var itemMode: ItemMode { writesNormalized ? .normalized : readsJSON ? .typedAndRaw : .typed }

    /// What `item` becomes on the worker. An item in a form the function cannot take here
    /// (raw bytes, or a typed item without the bytes the function asks for) stays as it is:
    /// ``output(of:schema:)`` converts it in the loop, or throws.
    ///
    /// The item is consumed, and each case moves its values out: ``ParsedItem`` holds an
    /// existential, so matching a borrowed one copies the whole item first (retaining every
    /// string and array in it) and releases the copy after.
    func mapped(_ item: consuming ParsedItem) -> ParsedItem {
        switch consume item {
        case .typed(let typed):
            readsJSON ? .typed(typed) : .mapped(apply(typed, nil), by: id)
        case .typedAndRaw(let typed, let raw):
            .mapped(apply(typed, readsJSON ? raw : nil), by: id)
        case .raw(let raw):
            .raw(raw)
        case .mapped(let value, let transform, let items):
            .mapped(value, by: transform, items: items)
        case .normalized(let bytes):
            .normalized(bytes)
        }
    }

    /// What `item`, handed out by the walk, becomes: mapped already on a worker, or mapped now.
    /// Consumed, as in ``mapped(_:)``.
    func output(of item: consuming ParsedItem, schema: ReaderOptions.SchemaPolicy) throws(VLExportError) -> any Sendable {
        switch consume item {
        case .mapped(let value, let transform, _):
            guard transform == id else { throw ExportWalk.otherTransformError }
            return value
        case .typed(let typed):
            guard !readsJSON else { throw ExportWalk.noBytesError }
            return apply(typed, nil)
        case .typedAndRaw(let typed, let raw):
            return apply(typed, readsJSON ? raw : nil)
        case .raw(let raw):
            return apply(try raw.typedItem(schema: schema), readsJSON ? raw : nil)
        case .normalized(let bytes):
            guard writesNormalized else { throw ExportWalk.otherTransformError }
            return writesLines ? ItemLines(line: bytes) : bytes
        }
    }
}

extension ExportReader {
    /// The media items, each passed through `transform` as soon as it is read, in order.
    ///
    /// In the parallel walk, `transform` runs on the worker thread that read the item, so
    /// the work it does per item (writing the item out in another form, testing it against
    /// conditions, checking it) is spread over every core with the reading; in the serial
    /// walk it runs on the walk's own thread, as the loop asks for each item. It must not
    /// depend on the order it is called in: only its results come in the export's order.
    ///
    /// ```swift
    /// let lines = reader.mediaItems(mappedBy: { item in
    ///     var writer = JSONWriter()
    ///     item.writeNormalized(to: &writer)
    ///     return writer.takeBytes()
    /// })
    /// for try await line in lines { … }
    /// ```
    ///
    /// The items a loop over the sequence has not taken when it stops are mapped already:
    /// a later loop may go on over the same sequence, but a loop over ``mediaItems``,
    /// ``rawItems`` or another mapped sequence after it throws a
    /// ``VLExportError/Kind/usage`` error.
    public func mediaItems<Mapped: Sendable>(
        mappedBy transform: @escaping @Sendable (MediaItem) -> Mapped
    ) -> MappedItemSequence<Mapped> {
        MappedItemSequence(walk: walk, transform: ItemTransform(readsJSON: false) { item, _ in transform(item) })
    }

    /// Partial results of the media items, each item added to one as soon as it is read: each
    /// value the loop gets is the partial result of one item or of several consecutive ones,
    /// in order, like `reduce(into:_:)` over runs of items.
    ///
    /// In the parallel walk, each worker adds the items it reads together (a few hundred
    /// kilobytes of the export) to one partial result that `makePartial` makes, as Spark's
    /// `aggregate` does in each partition; in the serial walk each item gets a partial result
    /// of its own. So a loop that adds results up, or writes them out, takes one value for
    /// many items, and the work done per item stays on the workers, with no value made for
    /// each item. The loop's result must not depend on how the items were grouped: it merges
    /// the partial results in the order they come. Otherwise the sequence is
    /// ``mediaItems(mappedBy:)``'s.
    ///
    /// ```swift
    /// let counts = reader.mediaItems(into: { 0 }, adding: { count, item in count += item.metadataItems.count })
    /// var metadataItems = 0
    /// for try await count in counts { metadataItems += count }
    /// ```
    public func mediaItems<Partial: Sendable>(
        into makePartial: @escaping @Sendable () -> Partial,
        adding add: @escaping @Sendable (inout Partial, MediaItem) -> Void
    ) -> MappedItemSequence<Partial> {
        let addItem: @Sendable (inout Partial, MediaItem, RawMediaItem?) -> Void = { partial, item, _ in add(&partial, item) }
        return MappedItemSequence(walk: walk, transform: Self.accumulating(readsJSON: false, makePartial, addItem))
    }

    /// Partial results of the media items with their compact JSON; see
    /// ``mediaItems(into:adding:)``, which this is with the bytes.
    public func mediaItemsWithJSON<Partial: Sendable>(
        into makePartial: @escaping @Sendable () -> Partial,
        adding add: @escaping @Sendable (inout Partial, MediaItemWithJSON) -> Void
    ) -> MappedItemSequence<Partial> {
        let addItem: @Sendable (inout Partial, MediaItem, RawMediaItem?) -> Void = { partial, item, raw in
            add(&partial, MediaItemWithJSON(item: item, raw: raw!))
        }
        return MappedItemSequence(walk: walk, transform: Self.accumulating(readsJSON: true, makePartial, addItem))
    }

    /// The transform of a sequence of partial results: on a worker, the items go into one
    /// accumulator per batch; anywhere else each item gets a partial result of its own.
    private static func accumulating<Partial: Sendable>(
        readsJSON: Bool, _ makePartial: @escaping @Sendable () -> Partial,
        _ add: @escaping @Sendable (inout Partial, MediaItem, RawMediaItem?) -> Void
    ) -> ItemTransform {
        ItemTransform(readsJSON: readsJSON, makeAccumulator: { PartialAccumulator(readsJSON: readsJSON, makePartial, add) }) { item, raw in
            var partial = makePartial()
            add(&partial, item, raw)
            return partial
        }
    }

    /// The media items with their compact JSON, each pair passed through `transform` as soon
    /// as it is read, in order; see ``mediaItems(mappedBy:)``, which this is with the bytes.
    public func mediaItemsWithJSON<Mapped: Sendable>(
        mappedBy transform: @escaping @Sendable (MediaItemWithJSON) -> Mapped
    ) -> MappedItemSequence<Mapped> {
        MappedItemSequence(walk: walk, transform: ItemTransform(readsJSON: true) { item, raw in
            transform(MediaItemWithJSON(item: item, raw: raw!))
        })
    }
}

/// What a worker joins the items it reads together into, for a loop whose values stand for runs
/// of items: a partial result (``PartialAccumulator``), or lines of NDJSON (``LinesAccumulator``).
/// It belongs to one worker's parser; what it joined is handed over, by ``take()``, once no item
/// will be added to it.
protocol ItemAccumulating: AnyObject {
    /// Items added since the last ``take()``.
    var count: Int { get }
    /// Adds `item`, or gives it back when it is in a form this accumulator does not take.
    func add(_ item: consuming ParsedItem) -> ParsedItem?
    /// Adds the normalized JSON of the item `writer` has just written; false when this
    /// accumulator takes no such thing.
    func addNormalized(from writer: inout NormalizedItemWriter) -> Bool
    /// Makes room for about `bytes` bytes of the batch's items.
    func reserve(forBatchOf bytes: Int)
    /// What the items added make, and a new one begun.
    func take() -> any Sendable
}

/// Partial results of type `Partial`: typed items (with their JSON, when `readsJSON`) added by
/// the loop's function.
final class PartialAccumulator<Partial: Sendable>: ItemAccumulating {
    private let readsJSON: Bool
    private(set) var count = 0
    private let makePartial: @Sendable () -> Partial
    private let addItem: @Sendable (inout Partial, MediaItem, RawMediaItem?) -> Void
    private var partial: Partial

    init(
        readsJSON: Bool, _ makePartial: @escaping @Sendable () -> Partial,
        _ addItem: @escaping @Sendable (inout Partial, MediaItem, RawMediaItem?) -> Void
    ) {
        self.readsJSON = readsJSON
        self.makePartial = makePartial
        self.addItem = addItem
        partial = makePartial()
    }

    func add(_ item: consuming ParsedItem) -> ParsedItem? {
        switch consume item {
        case .typedAndRaw(let typed, let raw):
            addItem(&partial, typed, raw)
        case .typed(let typed) where !readsJSON:
            addItem(&partial, typed, nil)
        case let other:
            return other
        }
        count += 1
        return nil
    }

    func addNormalized(from writer: inout NormalizedItemWriter) -> Bool { false }

    func reserve(forBatchOf bytes: Int) {}

    func take() -> any Sendable {
        let taken = partial
        partial = makePartial()
        count = 0
        return taken
    }
}

/// Lines of NDJSON: each item's normalized JSON, written straight after the lines before it.
final class LinesAccumulator: ItemAccumulating {
    private(set) var count = 0
    private var lines: [UInt8] = []

    func add(_ item: consuming ParsedItem) -> ParsedItem? {
        switch consume item {
        case .normalized(let bytes):
            lines.append(contentsOf: bytes)
            endLine()
            return nil
        case let other:
            return other
        }
    }

    func addNormalized(from writer: inout NormalizedItemWriter) -> Bool {
        writer.appendOutput(to: &lines)
        endLine()
        return true
    }

    /// Normalized JSON is about as long as the input, a little longer (`file_size_bytes`, `.0`).
    func reserve(forBatchOf bytes: Int) {
        lines.reserveCapacity(bytes + bytes / 4)
    }

    private func endLine() {
        lines.append(0x0A)
        count += 1
    }

    func take() -> any Sendable {
        let taken = ItemLines(joined: lines, count: count)
        lines = []
        count = 0
        return taken
    }
}

/// Lines of NDJSON, one per media item: those of one item, or of several consecutive items.
/// The elements of ``ExportReader/normalizedLines``.
public struct ItemLines: Sendable {
    /// The lines, each ended by a line feed.
    public let bytes: [UInt8]
    /// How many items, and so lines, ``bytes`` holds.
    public let itemCount: Int

    /// Lines already joined, each ended by a line feed.
    init(joined bytes: [UInt8], count: Int) {
        self.bytes = bytes
        itemCount = count
    }

    /// The line of one item: its JSON, which holds no line feed, and a line feed.
    init(line json: [UInt8]) {
        bytes = Array(unsafeUninitializedCapacity: json.count + 1) { buffer, initialized in
            _ = buffer.initialize(fromContentsOf: json)
            buffer[json.count] = 0x0A
            initialized = json.count + 1
        }
        itemCount = 1
    }
}

/// What a function makes of each media item (or partial results of runs of items), in order.
/// Made by ``ExportReader/mediaItems(mappedBy:)``, ``ExportReader/mediaItemsWithJSON(mappedBy:)``,
/// ``ExportReader/mediaItems(into:adding:)`` and ``ExportReader/mediaItemsWithJSON(into:adding:)``.
public struct MappedItemSequence<Element: Sendable>: AsyncSequence {
    let walk: ExportWalk
    let transform: ItemTransform

    public func makeAsyncIterator() -> Iterator {
        Iterator(walk: walk, transform: transform)
    }

    /// Pulls mapped items from the reader's walk; a new iterator continues where the last one stopped.
    public struct Iterator: AsyncIteratorProtocol {
        let walk: ExportWalk
        let transform: ItemTransform
        var started = false

        public mutating func next() async throws -> Element? {
            try await next(isolation: nil)
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Element? {
            defer { started = true }
            guard let item = try await walk.next(transform.itemMode, transform: transform, startsLoop: !started, isolation: actor) else {
                return nil
            }
            // The transform made this value from this sequence's function: its type is Element.
            return (try transform.output(of: item, schema: walk.schema) as! Element)
        }
    }
}

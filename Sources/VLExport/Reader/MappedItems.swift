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
    private let apply: @Sendable (MediaItem, RawMediaItem?) -> any Sendable

    init(readsJSON: Bool, writesNormalized: Bool = false, _ apply: @escaping @Sendable (MediaItem, RawMediaItem?) -> any Sendable) {
        id = ID(value: Self.madeCount.wrappingAdd(1, ordering: .relaxed).newValue)
        self.readsJSON = readsJSON
        self.writesNormalized = writesNormalized
        self.apply = apply
    }

    private init(copying original: ItemTransform) {
        id = original.id
        readsJSON = original.readsJSON
        writesNormalized = original.writesNormalized
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
        case .mapped(let value, let transform):
            .mapped(value, by: transform)
        case .normalized(let bytes):
            .normalized(bytes)
        }
    }

    /// What `item`, handed out by the walk, becomes: mapped already on a worker, or mapped now.
    /// Consumed, as in ``mapped(_:)``.
    func output(of item: consuming ParsedItem, schema: ReaderOptions.SchemaPolicy) throws(VLExportError) -> any Sendable {
        switch consume item {
        case .mapped(let value, let transform):
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
            return bytes
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

/// What a function makes of each media item, in order. Made by
/// ``ExportReader/mediaItems(mappedBy:)`` and ``ExportReader/mediaItemsWithJSON(mappedBy:)``.
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

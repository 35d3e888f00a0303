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
    /// Whether the normalized forms of the items a worker reads together are joined there into
    /// lines of NDJSON, one ``ItemLines`` value (``normalizedLines()``).
    let joinsNormalizedLines: Bool
    private let apply: @Sendable (MediaItem, RawMediaItem?) -> any Sendable
    /// Makes one value of the values of consecutive items (two or more, in order), when the
    /// loop's values may stand for several items.
    private let combine: (@Sendable ([any Sendable]) -> any Sendable)?

    init(
        readsJSON: Bool, writesNormalized: Bool = false, joinsNormalizedLines: Bool = false,
        combine: (@Sendable ([any Sendable]) -> any Sendable)? = nil, _ apply: @escaping @Sendable (MediaItem, RawMediaItem?) -> any Sendable
    ) {
        id = ID(value: Self.madeCount.wrappingAdd(1, ordering: .relaxed).newValue)
        self.readsJSON = readsJSON
        self.writesNormalized = writesNormalized
        self.joinsNormalizedLines = joinsNormalizedLines
        self.combine = combine
        self.apply = apply
    }

    private init(copying original: ItemTransform) {
        id = original.id
        readsJSON = original.readsJSON
        writesNormalized = original.writesNormalized
        joinsNormalizedLines = original.joinsNormalizedLines
        combine = original.combine
        apply = original.apply
    }

    /// Whether the values of consecutive items are combined into one where a worker reads them.
    var combinesValues: Bool { combine != nil }

    /// A batch's items, with each run of consecutive values this transform made combined into
    /// one value that stands for the run's items; everything else as it was, in order.
    func combiningValues(of items: consuming [ParsedItem?]) -> [ParsedItem?] {
        guard let combine else { return items }
        var combined: [ParsedItem?] = []
        var run: [any Sendable] = []
        var runItems = 0
        func endRun() {
            guard let first = run.first else { return }
            combined.append(.mapped(run.count == 1 ? first : combine(run), by: id, items: runItems))
            run.removeAll(keepingCapacity: true)
            runItems = 0
        }
        for item in consume items {
            switch consume item {
            case .some(.mapped(let value, let transform, let count)) where transform == id:
                run.append(value)
                runItems += count
            case let other:
                endRun()
                combined.append(other)
            }
        }
        endRun()
        return combined
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
    /// joins the lines of the items it reads together (``ExportRouter``).
    static func normalizedLines() -> ItemTransform {
        ItemTransform(readsJSON: false, writesNormalized: true, joinsNormalizedLines: true) { item, _ in
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
            return joinsNormalizedLines ? ItemLines(line: bytes) : bytes
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

    /// The media items, each passed through `transform` as soon as it is read, and the values
    /// of consecutive items combined by `combine`: each value the loop gets stands for one item
    /// or for several consecutive ones, in order.
    ///
    /// In the parallel walk, the values of the items a worker reads together (a few hundred
    /// kilobytes of the export) are combined on that worker, as a combiner does in MapReduce,
    /// so that a loop that adds values up, or writes them out, takes one value for many items;
    /// in the serial walk each value stands for one item. `combine(&total, next)` adds the
    /// value of the items after `total`'s to it; the loop's result must not depend on how the
    /// items were grouped. Otherwise the sequence is ``mediaItems(mappedBy:)``'s.
    ///
    /// ```swift
    /// let counts = reader.mediaItems(
    ///     mappedBy: { item in item.metadataItems.count },
    ///     combinedBy: { total, next in total += next }
    /// )
    /// var metadataItems = 0
    /// for try await count in counts { metadataItems += count }
    /// ```
    public func mediaItems<Mapped: Sendable>(
        mappedBy transform: @escaping @Sendable (MediaItem) -> Mapped,
        combinedBy combine: @escaping @Sendable (inout Mapped, consuming Mapped) -> Void
    ) -> MappedItemSequence<Mapped> {
        MappedItemSequence(walk: walk, transform: ItemTransform(readsJSON: false, combine: Self.combining(combine)) { item, _ in transform(item) })
    }

    /// The media items with their compact JSON, each pair passed through `transform` as soon as
    /// it is read, and the values of consecutive items combined by `combine`; see
    /// ``mediaItems(mappedBy:combinedBy:)``, which this is with the bytes.
    public func mediaItemsWithJSON<Mapped: Sendable>(
        mappedBy transform: @escaping @Sendable (MediaItemWithJSON) -> Mapped,
        combinedBy combine: @escaping @Sendable (inout Mapped, consuming Mapped) -> Void
    ) -> MappedItemSequence<Mapped> {
        MappedItemSequence(walk: walk, transform: ItemTransform(readsJSON: true, combine: Self.combining(combine)) { item, raw in
            transform(MediaItemWithJSON(item: item, raw: raw!))
        })
    }

    /// `combine` as a worker calls it: on the values of two or more consecutive items, in order,
    /// which the function that made them made `Mapped`.
    private static func combining<Mapped: Sendable>(
        _ combine: @escaping @Sendable (inout Mapped, consuming Mapped) -> Void
    ) -> @Sendable ([any Sendable]) -> any Sendable {
        { values in
            var total = values[0] as! Mapped
            for index in 1..<values.count { combine(&total, values[index] as! Mapped) }
            return total
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

/// What a function makes of each media item (or of runs of consecutive items, combined), in
/// order. Made by ``ExportReader/mediaItems(mappedBy:)``, ``ExportReader/mediaItemsWithJSON(mappedBy:)``
/// and their `combinedBy:` forms.
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

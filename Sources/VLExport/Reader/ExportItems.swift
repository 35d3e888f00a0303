/// The media items of an export in one form, in order: typed values (``ExportReader/mediaItems``),
/// compact JSON (``ExportReader/rawItems``), both (``ExportReader/mediaItemsWithJSON``), the
/// normalized JSON (``ExportReader/normalizedItems``), or partial results of runs of items
/// (``batches(into:adding:)``).
///
/// Iterate it with `for try await`, or, in code that is not async, with
/// ``makeBlockingIterator()`` and ``Iterator/nextBlocking()``, which wait on the calling thread:
///
/// ```swift
/// var items = reader.mediaItems.makeBlockingIterator()
/// while let item = try items.nextBlocking() { … }
/// ```
///
/// Each new loop continues where the last one stopped: the reader makes one pass.
public struct ExportItems<Element: Sendable>: AsyncSequence {
    let walk: ExportWalk
    let form: WalkForm
    /// The element a finished item is: taken as it is, or made in the loop from another form
    /// (items read before the first loop, typed from their bytes).
    let element: @Sendable (consuming ParsedItem) throws(VLExportError) -> Element

    init(walk: ExportWalk, form: WalkForm, element: @escaping @Sendable (consuming ParsedItem) throws(VLExportError) -> Element) {
        self.walk = walk
        self.form = form
        self.element = element
    }

    /// Partial results of the items, each item added to one as soon as it is read: each value
    /// the loop gets is the partial result of one item or of several consecutive ones, in
    /// order, like `reduce(into:_:)` over runs of items.
    ///
    /// In the parallel walk, each worker adds the items of the batch it reads (a few hundred
    /// kilobytes of the export) to one partial result that `makePartial` makes, as Spark's
    /// `aggregate` does in each partition; in the serial walk each item gets a partial result of
    /// its own. So the work done per item stays on the workers, and the loop takes one value for
    /// many items. The loop's result must not depend on how the items were grouped: it merges
    /// the partial results in the order they come. A map of each item is a partial result
    /// that appends:
    ///
    /// ```swift
    /// let counts = reader.mediaItems.batches(into: { 0 }, adding: { count, item in count += item.metadataItems.count })
    /// var metadataItems = 0
    /// for try await count in counts { metadataItems += count }
    ///
    /// let ids = reader.mediaItems.batches(into: { [String]() }, adding: { $0.append($1.mediaID ?? "") })
    /// for try await run in ids { for id in run { print(id) } }
    /// ```
    public func batches<Partial: Sendable>(
        into makePartial: @escaping @Sendable () -> Partial,
        adding add: @escaping @Sendable (inout Partial, Element) -> Void
    ) -> ExportItems<Partial> {
        precondition(form.collector == nil, "batches(into:adding:) joins items: call it on a sequence of items, not of batches")
        let element = element, mode = form.mode, id = CollectorID.unique()
        let maker = WalkForm.CollectorMaker(id: id) {
            PartialCollector(id: id, mode: mode, element: element, makePartial: makePartial, add: add)
        }
        return ExportItems<Partial>(walk: walk, form: WalkForm(mode: mode, collector: maker)) { item throws(VLExportError) in
            switch consume item {
            case .collected(let value, let collector, _):
                guard collector == id else { throw ExportWalk.otherFormError }
                // The collector made this value from this sequence's function: its type is Partial.
                return value as! Partial
            case let single:
                var partial = makePartial()
                add(&partial, try element(single))
                return partial
            }
        }
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(items: self)
    }

    /// An iterator for a loop that is not async: call ``Iterator/nextBlocking()``.
    public func makeBlockingIterator() -> Iterator {
        Iterator(items: self)
    }

    /// Pulls items from the reader's walk; a new iterator continues where the last one stopped.
    public struct Iterator: AsyncIteratorProtocol {
        let items: ExportItems
        var started = false

        public mutating func next() async throws -> Element? {
            try await next(isolation: nil)
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Element? {
            defer { started = true }
            guard let item = try await items.walk.next(items.form, startsLoop: !started, isolation: actor) else { return nil }
            return try items.element(item)
        }

        /// The next element, waiting on the calling thread for the input; nil at the end.
        /// Throws a ``VLExportError/Kind/usage`` error for a reader of an async sequence of chunks.
        public mutating func nextBlocking() throws(VLExportError) -> Element? {
            defer { started = true }
            guard let item = try items.walk.nextBlocking(items.form, startsLoop: !started) else { return nil }
            return try items.element(item)
        }
    }
}

/// A media item as a typed value and as the compact JSON it was read from.
public struct MediaItemWithJSON: Sendable, Hashable {
    /// The typed item.
    public var item: MediaItem
    /// The item's compact, lossless JSON.
    public var raw: RawMediaItem

    /// Pairs an item with its JSON.
    public init(item: MediaItem, raw: RawMediaItem) {
        self.item = item
        self.raw = raw
    }
}

/// Partial results of type `Partial`: the items a worker reads, in the form's mode, added by
/// the loop's function.
final class PartialCollector<Element: Sendable, Partial: Sendable>: ItemCollecting {
    let id: CollectorID
    private(set) var count = 0
    private let mode: ItemMode
    private let element: @Sendable (consuming ParsedItem) throws(VLExportError) -> Element
    private let makePartial: @Sendable () -> Partial
    private let add: @Sendable (inout Partial, Element) -> Void
    private var partial: Partial
    /// The normalized item being added: one array, refilled for each item, so that a worker
    /// makes no array per item (unless the loop's function keeps the one it is given).
    private var normalizedBytes: [UInt8] = []

    init(
        id: CollectorID, mode: ItemMode, element: @escaping @Sendable (consuming ParsedItem) throws(VLExportError) -> Element,
        makePartial: @escaping @Sendable () -> Partial, add: @escaping @Sendable (inout Partial, Element) -> Void
    ) {
        self.id = id
        self.mode = mode
        self.element = element
        self.makePartial = makePartial
        self.add = add
        partial = makePartial()
    }

    func add(_ item: consuming ParsedItem) -> ParsedItem? {
        // An item in another mode (cut before the loop began) goes to the loop, which converts it.
        guard item.mode == mode else { return item }
        do throws(VLExportError) {
            add(&partial, try element(item))
        } catch {
            preconditionFailure("an item made in its form's mode is an element without reading: \(error)")
        }
        count += 1
        return nil
    }

    func addNormalized(from writer: inout NormalizedItemWriter) -> Bool {
        guard mode == .normalized else { return false }
        normalizedBytes.removeAll(keepingCapacity: true)
        writer.appendOutput(to: &normalizedBytes)
        return add(.normalized(normalizedBytes)) == nil
    }

    func take() -> any Sendable {
        let taken = partial
        partial = makePartial()
        count = 0
        return taken
    }
}

/// Reads a Visual Layer export one media item at a time, in bounded memory.
///
/// Open it on a file path, a file descriptor (standard input, a pipe) or any
/// `AsyncSequence` of byte chunks, then walk ``mediaItems`` for typed items or
/// ``rawItems`` for each item's compact JSON:
///
/// ```swift
/// let reader = try ExportReader(path: "export.json")
/// for try await item in reader.mediaItems {
///     print(item.mediaID ?? "?", item.allIssues.count)
/// }
/// print(reader.info?.dataset ?? "", reader.warnings)
/// ```
///
/// A file or descriptor may hold the export as it is or compressed with gzip,
/// recognised by its first bytes. It is read on a thread of the reader's own, a
/// few chunks ahead of the walk, so no read blocks a thread of Swift's
/// cooperative pool. Memory stays bounded by those chunks and the largest item,
/// whatever the size of the export. ``info`` is set as soon as the `info`
/// object has been read: before the first item when it comes first in the
/// file, at the end otherwise. When the input is invalid, every item finished
/// before the fault is delivered, then the walk throws a ``VLExportError`` that
/// says what and where.
///
/// ## One pass
///
/// A reader makes one pass over its input, and no loop over it ends short in silence:
/// - Each new loop continues where the last one stopped, whatever became of the
///   earlier iterator (a `break`, a loop in a helper function that returned).
/// - A loop over ``mediaItems`` may follow one over ``rawItems`` or
///   ``mediaItemsWithJSON``. A loop over raw bytes after typed items throws a
///   ``VLExportError/Kind/usage`` error: typed items keep no bytes.
/// - After a loop over ``mediaItems(mappedBy:)``, ``mediaItemsWithJSON(mappedBy:)``,
///   ``normalizedItems`` or ``normalizedLines``, only a loop over the same sequence continues
///   the walk; any other loop throws a usage error, because the items queued are mapped (or
///   written) already. A loop over ``normalizedItems`` or ``normalizedLines`` may follow any other.
/// - Once a loop has reached the end, a new loop throws a usage error, and so
///   does any loop after ``close()``. A loop that failed throws the same error again.
/// - ``readInfo(isolation:)`` on an export whose `info` comes after its items
///   passes over them; the next loop then reads a regular file again from the
///   start, and throws a usage error on an input that cannot be read again (a pipe).
///
/// The input is closed when the walk ends or fails, at ``close()``, or when the
/// reader and its iterators are gone. A cancelled task stops the walk at once,
/// even while a read waits on a pipe that sends nothing, closes the input and
/// throws `CancellationError`.
public final class ExportReader {
    /// How this reader reads.
    public let options: ReaderOptions
    let walk: ExportWalk
    /// The function of ``normalizedItems``: one per reader, so that every loop over it goes on with the same.
    private let normalizedTransform = ItemTransform.normalizedJSON()
    /// The function of ``normalizedLines``, one per reader in the same way.
    private let normalizedLinesTransform = ItemTransform.normalizedLines()
    /// Reads the byte count of the source that reads a file or descriptor.
    private let bytesReadCounter: (() -> Int)?

    /// Opens the export at `path`: JSON, or JSON compressed with gzip.
    ///
    /// - Throws: an ``VLExportError/Kind/io`` error when the file cannot be opened or is a directory.
    public convenience init(path: String, options: ReaderOptions = ReaderOptions()) throws(VLExportError) {
        try self.init(path: path, options: options, plan: options.walkPlan)
    }

    /// Opens the export at `path` with the walk `plan` asks for, whatever the cores.
    convenience init(path: String, options: ReaderOptions, plan: ReaderOptions.WalkPlan) throws(VLExportError) {
        self.init(input: try DescriptorInput(path: path), options: options, plan: plan)
    }

    /// Reads an export from an open file descriptor, such as `STDIN_FILENO`.
    ///
    /// - Parameters:
    ///   - fileDescriptor: the descriptor to read, at the position where the export starts
    ///     (after `alreadyRead`).
    ///   - closeWhenDone: whether the reader closes the descriptor when the walk ends.
    ///   - alreadyRead: bytes the caller has already read from the descriptor, to recognise
    ///     what it holds; the walk reads them first.
    ///   - options: how to read; the defaults suit exports of any size.
    public convenience init(
        fileDescriptor: Int32, closeWhenDone: Bool = false, alreadyRead: [UInt8] = [], options: ReaderOptions = ReaderOptions()
    ) {
        let input = DescriptorInput(
            descriptor: fileDescriptor, ownsDescriptor: closeWhenDone,
            name: fileDescriptor == 0 ? "standard input" : "file descriptor \(fileDescriptor)", alreadyRead: alreadyRead
        )
        self.init(input: input, options: options, plan: options.walkPlan)
    }

    private init(input: DescriptorInput, options: ReaderOptions, plan: ReaderOptions.WalkPlan) {
        self.options = options
        switch plan {
        case .parallel(let workers):
            let parallel = ParallelSource(DecodedInput(input), options: options, workers: workers)
            bytesReadCounter = { parallel.bytesRead }
            walk = ExportWalk(source: parallel, options: options)
        case .oneCore:
            let oneCore = OneCoreSource(DecodedInput(input), options: options)
            bytesReadCounter = { oneCore.bytesRead }
            walk = ExportWalk(source: oneCore, options: options)
        case .serial:
            let readAhead = ReadAheadSource(DecodedInput(input), chunkSize: options.chunkSize)
            bytesReadCounter = { readAhead.bytesRead }
            walk = ExportWalk(source: readAhead, options: options)
        }
    }

    /// Reads an export from chunks of bytes of any size, such as a network body or a decompressor.
    ///
    /// A chunk is read only when the walk needs more input. The sequence's errors
    /// end the walk and are rethrown as they are.
    public init<Chunks: AsyncSequence>(chunks: Chunks, options: ReaderOptions = ReaderOptions())
    where Chunks.Element: Collection<UInt8> {
        self.options = options
        bytesReadCounter = nil
        walk = ExportWalk(source: AsyncChunkSource(chunks), options: options)
    }

    /// The export's `info`, once the walk has read it; nil before, and for an export without one.
    public var info: ExportInfo? { walk.parser.info }

    /// What the walk noticed that is not an error: values a typed walk could not read as their
    /// field's kind (kept in the items, see ``MediaItem/nonconforming``), parts of the export of
    /// another shape, a `total_media_items` that differs from the real count (known once the
    /// walk has ended). The first ``ReaderOptions/maxKeptWarnings`` are kept.
    public var warnings: [ExportWarning] { walk.parser.warnings }

    /// How many warnings the walk has had so far, kept in ``warnings`` or not.
    public var warningCount: Int { walk.parser.warningCount }

    /// The number of media items the walk has met so far, read or skipped.
    public var mediaItemCount: Int { walk.parser.itemCount }

    /// Bytes read from the file or descriptor so far (compressed bytes, for gzip), for a
    /// progress display; 0 for a reader of chunks. Safe to read from any thread.
    public var bytesRead: Int { bytesReadCounter?() ?? 0 }

    /// The media items as typed values, in order.
    public var mediaItems: MediaItemSequence { MediaItemSequence(walk: walk) }

    /// Each media item's compact, lossless JSON, in order, without building typed values:
    /// the fast path to NDJSON.
    public var rawItems: RawItemSequence { RawItemSequence(walk: walk) }

    /// Each media item as a typed value and as its compact JSON, from one parse: for jobs that
    /// decide on the typed value and write the bytes, such as a filter.
    public var mediaItemsWithJSON: MediaItemWithJSONSequence { MediaItemWithJSONSequence(walk: walk) }

    /// Each media item in its normalized form, as compact JSON (UTF-8), in order: the bytes
    /// ``MediaItem/writeNormalized(to:)`` writes, which `vlx ndjson --normalize` prints.
    ///
    /// Under a tolerant schema the walk writes them as the events come, without building
    /// typed items, which takes about a fifth less CPU than `mediaItems` and
    /// `writeNormalized`. An item with something the common way does not cover (an unknown
    /// field, a value to convert or keep as it was) is read typed from its bytes and written
    /// from that, so the bytes and the ``warnings`` are the same either way.
    ///
    /// Like ``mediaItems(mappedBy:)``, the items are written on the parallel walk's workers; a
    /// later loop over this property goes on where the last stopped, and a loop over another
    /// form after it throws a ``VLExportError/Kind/usage`` error.
    public var normalizedItems: MappedItemSequence<[UInt8]> { MappedItemSequence(walk: walk, transform: normalizedTransform) }

    /// The same JSON as ``normalizedItems``, as NDJSON: each element holds the lines of one
    /// item or of several consecutive ones, in order, each line ended by a line feed.
    ///
    /// In the parallel walk, each worker writes the lines of the items it reads together into
    /// one buffer, so that a loop that writes them out takes one element for many items and no
    /// array is made for each item. A loop over this property and one over ``normalizedItems``
    /// do not continue each other. `vlx ndjson --normalize` runs this.
    ///
    /// ```swift
    /// for try await lines in reader.normalizedLines {
    ///     try output.write(lines.bytes)
    /// }
    /// ```
    public var normalizedLines: MappedItemSequence<ItemLines> { MappedItemSequence(walk: walk, transform: normalizedLinesTransform) }

    /// Reads until the `info` object has been read, and returns it; nil for an export without one.
    ///
    /// When `info` comes first, as Visual Layer writes it, this reads only the
    /// start of the file, up to the beginning of `media_items` (a document without
    /// that array is no export, and throws), and a loop over the items follows. When it comes after
    /// `media_items`, the items are passed over on the way: the next loop reads a
    /// regular file again from its start, and throws a ``VLExportError/Kind/usage``
    /// error on an input that cannot be read again.
    public func readInfo(isolation: isolated (any Actor)? = #isolation) async throws -> ExportInfo? {
        try await walk.readInfo(isolation: isolation)
    }

    /// Closes the input now; a loop afterwards throws a ``VLExportError/Kind/usage`` error.
    public func close() {
        walk.close()
    }

    /// Opens the export at `path`, runs `body` with its reader, and closes it when `body`
    /// returns or throws: the input's lifetime is the scope.
    public static func withExport<Result>(
        path: String, options: ReaderOptions = ReaderOptions(), isolation: isolated (any Actor)? = #isolation,
        _ body: (ExportReader) async throws -> Result
    ) async throws -> Result {
        let reader = try ExportReader(path: path, options: options)
        defer { reader.close() }
        return try await body(reader)
    }
}

/// The media items of an export, as typed values. Made by ``ExportReader/mediaItems``.
public struct MediaItemSequence: AsyncSequence {
    public typealias Element = MediaItem
    fileprivate let walk: ExportWalk

    public func makeAsyncIterator() -> Iterator {
        Iterator(walk: walk)
    }

    /// Pulls items from the reader's walk; a new iterator continues where the last one stopped.
    public struct Iterator: AsyncIteratorProtocol {
        fileprivate let walk: ExportWalk
        fileprivate var started = false

        public mutating func next() async throws -> MediaItem? {
            try await next(isolation: nil)
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> MediaItem? {
            defer { started = true }
            switch try await walk.next(.typed, startsLoop: !started, isolation: actor) {
            case .typed(let item)?, .typedAndRaw(let item, _)?: return item
            case .raw(let raw)?: return try raw.typedItem(schema: walk.schema)
            case .mapped?: throw ExportWalk.otherTransformError
            case .normalized?: throw ExportWalk.normalizedFormError
            case nil: return nil
            }
        }
    }
}

/// The media items of an export, as compact JSON. Made by ``ExportReader/rawItems``.
public struct RawItemSequence: AsyncSequence {
    public typealias Element = RawMediaItem
    fileprivate let walk: ExportWalk

    public func makeAsyncIterator() -> Iterator {
        Iterator(walk: walk)
    }

    /// Pulls items from the reader's walk; a new iterator continues where the last one stopped.
    public struct Iterator: AsyncIteratorProtocol {
        fileprivate let walk: ExportWalk
        fileprivate var started = false

        public mutating func next() async throws -> RawMediaItem? {
            try await next(isolation: nil)
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> RawMediaItem? {
            defer { started = true }
            switch try await walk.next(.raw, startsLoop: !started, isolation: actor) {
            case .raw(let item)?, .typedAndRaw(_, let item)?: return item
            case .typed?: throw ExportWalk.noBytesError
            case .mapped?: throw ExportWalk.otherTransformError
            case .normalized?: throw ExportWalk.normalizedFormError
            case nil: return nil
            }
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

/// The media items of an export, typed and as compact JSON. Made by ``ExportReader/mediaItemsWithJSON``.
public struct MediaItemWithJSONSequence: AsyncSequence {
    public typealias Element = MediaItemWithJSON
    fileprivate let walk: ExportWalk

    public func makeAsyncIterator() -> Iterator {
        Iterator(walk: walk)
    }

    /// Pulls items from the reader's walk; a new iterator continues where the last one stopped.
    public struct Iterator: AsyncIteratorProtocol {
        fileprivate let walk: ExportWalk
        fileprivate var started = false

        public mutating func next() async throws -> MediaItemWithJSON? {
            try await next(isolation: nil)
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> MediaItemWithJSON? {
            defer { started = true }
            switch try await walk.next(.typedAndRaw, startsLoop: !started, isolation: actor) {
            case .typedAndRaw(let item, let raw)?: return MediaItemWithJSON(item: item, raw: raw)
            case .raw(let raw)?: return MediaItemWithJSON(item: try raw.typedItem(schema: walk.schema), raw: raw)
            case .typed?: throw ExportWalk.noBytesError
            case .mapped?: throw ExportWalk.otherTransformError
            case .normalized?: throw ExportWalk.normalizedFormError
            case nil: return nil
            }
        }
    }
}

extension RawMediaItem {
    /// The item as a typed value, read from its JSON, with the values that cannot be read
    /// kept and listed in ``MediaItem/nonconforming`` (located at the item's start).
    ///
    /// - Throws: with `schema: .strict`, a schema error at the first value that cannot be read.
    public func typedItem(schema: ReaderOptions.SchemaPolicy = .tolerant) throws(VLExportError) -> MediaItem {
        let value: JSONValue
        do throws(VLExportError) {
            value = try JSONValue(parsing: json)
        } catch {
            var located = error.prefixingPath("media_items[\(index)]")
            located.location = location
            located.excerpt = nil
            located.mediaItemIndex = index
            throw located
        }
        var log = NonconformingLog()
        var item = MediaItem(json: value, index: index, &log)
        log.locate(from: 0, at: location)
        item.nonconforming = log.take()
        if schema == .strict, let first = item.nonconforming.first {
            throw first.schemaError(pathPrefix: "media_items[\(index)]", mediaItemIndex: index)
        }
        return item
    }
}

/// Reads an export one media item at a time without `async`, for code that is not asynchronous.
///
/// The same walk as ``ExportReader``, with the same one-pass rules, pulled with plain
/// method calls; reads block the calling thread:
///
/// ```swift
/// let reader = try BlockingExportReader(path: "export.json")
/// while let item = try reader.nextMediaItem() { … }
/// ```
public final class BlockingExportReader {
    private let walk: ExportWalk
    private var started: ItemMode?

    /// Opens the export at `path`: JSON, or JSON compressed with gzip.
    public convenience init(path: String, options: ReaderOptions = ReaderOptions()) throws(VLExportError) {
        self.init(input: try DescriptorInput(path: path), options: options)
    }

    /// Reads an export from an open file descriptor.
    public convenience init(fileDescriptor: Int32, closeWhenDone: Bool = false, options: ReaderOptions = ReaderOptions()) {
        let input = DescriptorInput(
            descriptor: fileDescriptor, ownsDescriptor: closeWhenDone,
            name: fileDescriptor == 0 ? "standard input" : "file descriptor \(fileDescriptor)", alreadyRead: []
        )
        self.init(input: input, options: options)
    }

    private init(input: DescriptorInput, options: ReaderOptions) {
        walk = ExportWalk(source: InlineSource(DecodedInput(input), chunkSize: options.chunkSize), options: options)
    }

    /// The export's `info`, once read.
    public var info: ExportInfo? { walk.parser.info }
    /// What the walk noticed that is not an error (complete once the walk has ended); see ``ExportReader/warnings``.
    public var warnings: [ExportWarning] { walk.parser.warnings }
    /// How many warnings the walk has had so far, kept or not.
    public var warningCount: Int { walk.parser.warningCount }
    /// The number of media items met so far.
    public var mediaItemCount: Int { walk.parser.itemCount }

    /// The next media item as a typed value, or nil at the end.
    public func nextMediaItem() throws(VLExportError) -> MediaItem? {
        switch try walk.nextBlocking(.typed, startsLoop: starts(.typed)) {
        case .typed(let item)?, .typedAndRaw(let item, _)?: return item
        case .raw(let raw)?: return try raw.typedItem(schema: walk.schema)
        case .mapped?: throw ExportWalk.otherTransformError
            case .normalized?: throw ExportWalk.normalizedFormError
        case nil: return nil
        }
    }

    /// The next media item as compact JSON, or nil at the end.
    public func nextRawItem() throws(VLExportError) -> RawMediaItem? {
        switch try walk.nextBlocking(.raw, startsLoop: starts(.raw)) {
        case .raw(let item)?, .typedAndRaw(_, let item)?: return item
        case .typed?: throw ExportWalk.noBytesError
        case .mapped?: throw ExportWalk.otherTransformError
            case .normalized?: throw ExportWalk.normalizedFormError
        case nil: return nil
        }
    }

    /// The next media item in its normalized form, as compact JSON (UTF-8), or nil at the end;
    /// see ``ExportReader/normalizedItems``.
    public func nextNormalizedItem() throws(VLExportError) -> [UInt8]? {
        switch try walk.nextBlocking(.normalized, startsLoop: starts(.normalized)) {
        case .normalized(let bytes)?: return bytes
        case .typed(let item)?, .typedAndRaw(let item, _)?: return item.normalizedJSONBytes
        case .raw(let raw)?: return try raw.typedItem(schema: walk.schema).normalizedJSONBytes
        case .mapped?: throw ExportWalk.otherTransformError
        case nil: return nil
        }
    }

    /// Closes the input now; a later call throws a ``VLExportError/Kind/usage`` error.
    public func close() {
        walk.close()
    }

    /// Calls in a row of one kind are one loop; the first call of a kind starts one.
    private func starts(_ mode: ItemMode) -> Bool {
        defer { started = mode }
        return started != mode
    }
}

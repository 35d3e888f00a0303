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
/// The walk reads and parses the next chunk only when the consumer asks for
/// an item that is not parsed yet, so memory stays bounded by the chunk size
/// and the largest item, whatever the size of the export. ``info`` is set as
/// soon as the `info` object has been read: before the first item when it
/// comes first in the file, at the end otherwise. When the input is invalid,
/// every item finished before the fault is delivered, then the walk throws a
/// ``VLExportError`` that says what and where.
///
/// A reader makes one pass over its input. Leaving the loop early closes the
/// file; a cancelled task stops reading and throws `CancellationError`.
/// Reads from a file or descriptor block the calling thread for the time of
/// one `read(2)`.
public final class ExportReader {
    /// How this reader reads.
    public let options: ReaderOptions
    private let walk: ExportWalk
    private var walkMode: ItemMode?

    /// Opens the export at `path`.
    ///
    /// - Throws: an ``VLExportError/Kind/io`` error when the file cannot be opened or is a directory.
    public convenience init(path: String, options: ReaderOptions = ReaderOptions()) throws(VLExportError) {
        let source = try FileDescriptorSource(path: path, chunkSize: options.chunkSize)
        self.init(source: source, options: options)
    }

    /// Reads an export from an open file descriptor, such as `STDIN_FILENO`.
    ///
    /// - Parameter closeWhenDone: whether the reader closes the descriptor when the walk ends.
    public convenience init(fileDescriptor: Int32, closeWhenDone: Bool = false, options: ReaderOptions = ReaderOptions()) {
        let source = FileDescriptorSource(
            fileDescriptor: fileDescriptor, closeWhenDone: closeWhenDone, chunkSize: options.chunkSize,
            name: fileDescriptor == 0 ? "standard input" : "file descriptor \(fileDescriptor)"
        )
        self.init(source: source, options: options)
    }

    /// Reads an export from chunks of bytes of any size, such as a network body or a decompressor.
    ///
    /// A chunk is read only when the walk needs more input. The sequence's errors
    /// end the walk and are rethrown as they are.
    public convenience init<Chunks: AsyncSequence>(chunks: Chunks, options: ReaderOptions = ReaderOptions())
    where Chunks.Element: Collection<UInt8> {
        self.init(source: AsyncChunkSource(chunks), options: options)
    }

    init(source: any ByteSource, options: ReaderOptions) {
        self.options = options
        walk = ExportWalk(source: source, options: options, itemMode: .typed)
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

    /// The media items as typed values, in order.
    public var mediaItems: MediaItemSequence {
        startWalk(.typed)
        return MediaItemSequence(walk: walk)
    }

    /// Each media item's compact, lossless JSON, in order, without building typed values:
    /// the fast path to NDJSON.
    public var rawItems: RawItemSequence {
        startWalk(.raw)
        return RawItemSequence(walk: walk)
    }

    /// Each media item as a typed value and as its compact JSON, from one parse: for jobs that
    /// decide on the typed value and write the bytes, such as a filter.
    public var mediaItemsWithJSON: MediaItemWithJSONSequence {
        startWalk(.typedAndRaw)
        return MediaItemWithJSONSequence(walk: walk)
    }

    /// Reads until the `info` object has been read, and returns it.
    ///
    /// When `info` comes first, as Visual Layer writes it, this reads only the
    /// start of the file and a walk over ``mediaItems`` or ``rawItems`` can
    /// follow. When it comes after `media_items`, the items are passed over on
    /// the way and a later walk yields none. Returns nil for an export with no `info`.
    public func readInfo(isolation: isolated (any Actor)? = #isolation) async throws -> ExportInfo? {
        try await walk.readInfo(isolation: isolation)
    }

    private func startWalk(_ mode: ItemMode) {
        precondition(walkMode == nil || walkMode == mode, "an ExportReader walks its items once, as mediaItems or as rawItems")
        walkMode = mode
        walk.parser.itemMode = mode
        if walk.parser.itemModeAfterInfo != nil { walk.parser.itemModeAfterInfo = mode }
    }
}

/// The media items of an export, as typed values. Made by ``ExportReader/mediaItems``.
public struct MediaItemSequence: AsyncSequence {
    public typealias Element = MediaItem
    fileprivate let walk: ExportWalk

    public func makeAsyncIterator() -> Iterator {
        Iterator(lease: WalkLease(walk))
    }

    /// Pulls items from the walk; dropping the last copy of it closes the input.
    public struct Iterator: AsyncIteratorProtocol {
        fileprivate let lease: WalkLease

        public mutating func next() async throws -> MediaItem? {
            try await next(isolation: nil)
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> MediaItem? {
            switch try await lease.walk.next(isolation: actor) {
            case .typed(let item)?, .typedAndRaw(let item, _)?: return item
            case .raw(let raw)?: return try raw.typedItem(schema: lease.walk.schema)
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
        Iterator(lease: WalkLease(walk))
    }

    /// Pulls items from the walk; dropping the last copy of it closes the input.
    public struct Iterator: AsyncIteratorProtocol {
        fileprivate let lease: WalkLease

        public mutating func next() async throws -> RawMediaItem? {
            try await next(isolation: nil)
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> RawMediaItem? {
            switch try await lease.walk.next(isolation: actor) {
            case .raw(let item)?, .typedAndRaw(_, let item)?: return item
            case .typed?: preconditionFailure("a raw walk produced a typed item")
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
        Iterator(lease: WalkLease(walk))
    }

    /// Pulls items from the walk; dropping the last copy of it closes the input.
    public struct Iterator: AsyncIteratorProtocol {
        fileprivate let lease: WalkLease

        public mutating func next() async throws -> MediaItemWithJSON? {
            try await next(isolation: nil)
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> MediaItemWithJSON? {
            switch try await lease.walk.next(isolation: actor) {
            case .typedAndRaw(let item, let raw)?: return MediaItemWithJSON(item: item, raw: raw)
            case .raw(let raw)?: return MediaItemWithJSON(item: try raw.typedItem(schema: lease.walk.schema), raw: raw)
            case .typed?: preconditionFailure("a walk for both forms produced a typed item alone")
            case nil: return nil
            }
        }
    }
}

/// An iterator's hold on a walk: when the iterator goes, the input is closed.
final class WalkLease {
    let walk: ExportWalk

    init(_ walk: ExportWalk) {
        self.walk = walk
    }

    deinit { walk.closeSource() }
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
/// The same walk as ``ExportReader``, pulled with plain method calls:
///
/// ```swift
/// let reader = try BlockingExportReader(path: "export.json")
/// while let item = try reader.nextMediaItem() { … }
/// ```
public final class BlockingExportReader {
    private let walk: ExportWalk
    private var walkMode: ItemMode?

    /// Opens the export at `path`.
    public init(path: String, options: ReaderOptions = ReaderOptions()) throws(VLExportError) {
        walk = ExportWalk(source: try FileDescriptorSource(path: path, chunkSize: options.chunkSize), options: options, itemMode: .typed)
    }

    /// Reads an export from an open file descriptor.
    public init(fileDescriptor: Int32, closeWhenDone: Bool = false, options: ReaderOptions = ReaderOptions()) {
        let source = FileDescriptorSource(
            fileDescriptor: fileDescriptor, closeWhenDone: closeWhenDone, chunkSize: options.chunkSize,
            name: fileDescriptor == 0 ? "standard input" : "file descriptor \(fileDescriptor)"
        )
        walk = ExportWalk(source: source, options: options, itemMode: .typed)
    }

    deinit { walk.closeSource() }

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
        start(.typed)
        switch try walk.nextBlocking() {
        case .typed(let item)?, .typedAndRaw(let item, _)?: return item
        case .raw(let raw)?: return try raw.typedItem(schema: walk.schema)
        case nil: return nil
        }
    }

    /// The next media item as compact JSON, or nil at the end.
    public func nextRawItem() throws(VLExportError) -> RawMediaItem? {
        start(.raw)
        switch try walk.nextBlocking() {
        case .raw(let item)?, .typedAndRaw(_, let item)?: return item
        case .typed?: preconditionFailure("a raw walk produced a typed item")
        case nil: return nil
        }
    }

    private func start(_ mode: ItemMode) {
        guard walkMode != mode else { return }
        precondition(walkMode == nil, "a BlockingExportReader walks its items once, as typed or as raw items")
        walkMode = mode
        walk.parser.itemMode = mode
    }
}

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
/// A reader makes one pass over its input, in the form its first loop asks for: every later
/// loop continues where the last one stopped, in that form, and anything else (another form,
/// a loop after the end or after ``close()``) throws a ``VLExportError/Kind/usage`` error.
///
/// The input is closed when the walk ends or fails, at ``close()``, or when the
/// reader and its iterators are gone. A cancelled task stops the walk at once,
/// even while a read waits on a pipe that sends nothing, closes the input and
/// throws `CancellationError`.
public final class ExportReader {
    /// How this reader reads.
    public let options: ReaderOptions
    let walk: ExportWalk
    /// The file or descriptor read, for its byte count; nil for a reader of chunks.
    private let descriptor: DescriptorInput?

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
        descriptor = input
        let decoded = DecodedInput(input)
        let source: ExportWalk.Source = switch plan {
        case .parallel(let workers):
            .parallel(ParallelSource(decoded, options: options, workers: workers, order: BatchOrder { _ in
                preconditionFailure("the walk sets how batches are read before its first read")
            }))
        case .oneCore: .oneCore(decoded)
        case .serial: .chunks(ReadAheadSource(decoded, chunkSize: options.chunkSize))
        }
        walk = ExportWalk(source: source, options: options)
    }

    /// Reads an export from chunks of bytes of any size, such as a network body or a decompressor.
    ///
    /// A chunk is read only when the walk needs more input. The sequence's errors
    /// end the walk and are rethrown as they are.
    public init<Chunks: AsyncSequence>(chunks: Chunks, options: ReaderOptions = ReaderOptions())
    where Chunks.Element: Collection<UInt8> {
        self.options = options
        descriptor = nil
        walk = ExportWalk(source: .chunks(AsyncChunkSource(chunks)), options: options)
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
    public var bytesRead: Int { descriptor?.bytesRead ?? 0 }

    /// The media items as typed values, in order.
    public var mediaItems: ExportItems<MediaItem> {
        ExportItems(walk: walk, form: WalkForm(mode: .typed, collector: nil), element: Self.typedItem(options.schema))
    }

    /// Each media item's compact, lossless JSON, in order, without building typed values:
    /// the fast path to NDJSON.
    public var rawItems: ExportItems<RawMediaItem> {
        ExportItems(walk: walk, form: WalkForm(mode: .raw, collector: nil), element: Self.rawItem)
    }

    /// Each media item as a typed value and as its compact JSON, from one parse: for jobs that
    /// decide on the typed value and write the bytes, such as a filter.
    public var mediaItemsWithJSON: ExportItems<MediaItemWithJSON> {
        ExportItems(walk: walk, form: WalkForm(mode: .typedAndRaw, collector: nil), element: Self.itemWithJSON(options.schema))
    }

    /// Each media item in its normalized form, as compact JSON (UTF-8), in order: the bytes
    /// ``MediaItem/writeNormalized(to:)`` writes, which `vlx ndjson --normalize` prints.
    ///
    /// Under a tolerant schema the walk writes them as the events come, without building
    /// typed items. An item with something the common way does not cover (an unknown field, a
    /// value to convert or keep as it was) is read typed from its bytes and written from that,
    /// so the bytes and the ``warnings`` are the same either way.
    public var normalizedItems: ExportItems<[UInt8]> {
        ExportItems(walk: walk, form: WalkForm(mode: .normalized, collector: nil), element: Self.normalizedItem(options.schema))
    }

    private static func typedItem(_ schema: ReaderOptions.SchemaPolicy) -> @Sendable (consuming ParsedItem) throws(VLExportError) -> MediaItem {
        { item throws(VLExportError) in
            switch consume item {
            case .typed(let typed), .typedAndRaw(let typed, _): return typed
            case .raw(let raw): return try raw.typedItem(schema: schema)
            case .normalized, .collected: throw ExportWalk.otherFormError
            }
        }
    }

    private static let rawItem: @Sendable (consuming ParsedItem) throws(VLExportError) -> RawMediaItem = { item throws(VLExportError) in
        switch consume item {
        case .raw(let raw), .typedAndRaw(_, let raw): return raw
        case .typed, .normalized, .collected: throw ExportWalk.otherFormError
        }
    }

    private static func itemWithJSON(_ schema: ReaderOptions.SchemaPolicy) -> @Sendable (consuming ParsedItem) throws(VLExportError) -> MediaItemWithJSON {
        { item throws(VLExportError) in
            switch consume item {
            case .typedAndRaw(let typed, let raw): return MediaItemWithJSON(item: typed, raw: raw)
            case .raw(let raw): return MediaItemWithJSON(item: try raw.typedItem(schema: schema), raw: raw)
            case .typed, .normalized, .collected: throw ExportWalk.otherFormError
            }
        }
    }

    private static func normalizedItem(_ schema: ReaderOptions.SchemaPolicy) -> @Sendable (consuming ParsedItem) throws(VLExportError) -> [UInt8] {
        { item throws(VLExportError) in
            switch consume item {
            case .normalized(let bytes): return bytes
            case .typed(let typed), .typedAndRaw(let typed, _): return typed.normalizedJSONBytes
            case .raw(let raw): return try raw.typedItem(schema: schema).normalizedJSONBytes
            case .collected: throw ExportWalk.otherFormError
            }
        }
    }

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
            var located = error.prefixingPath(ItemPath.mediaItem(index))
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
            throw first.schemaError(pathPrefix: ItemPath.mediaItem(index), mediaItemIndex: index)
        }
        return item
    }
}

/// One pass over an export: the source, the parser, the loop between them, and the rules
/// of a reader's lifecycle.
///
/// The rules, which ``ExportReader`` documents:
/// - Each new loop continues where the last one stopped, whatever became of the
///   earlier iterator: the items parsed and not yet taken stay queued.
/// - A loop may ask for typed items after raw ones (a typed item is made from the
///   bytes), but not for raw bytes after typed items, which keep none: that throws.
/// - After a loop over items passed through a function (on the parallel walk's workers),
///   only a loop with the same function may go on: the items queued are mapped already.
/// - Once the walk has ended, a new loop throws; so does every loop after ``close()``.
/// - When ``readInfo(isolation:)`` passed over items to reach an `info` that comes
///   after them, the next loop reads the file again from the start (skipping the
///   items handed out before), or throws when the input cannot be read again.
final class ExportWalk {
    private(set) var parser: ExportParser
    let options: ReaderOptions
    /// What a typed item made from raw bytes does with a value it cannot read.
    var schema: ReaderOptions.SchemaPolicy { options.schema }
    private var source: (any ByteSource)?
    /// The form of the items handed out so far; nil before the first.
    private var form: ItemMode?
    /// The function the items handed out so far were passed through, if any.
    private var formTransform: ItemTransform?
    /// Items handed out so far (a partial result of a run of items counts those items).
    private var itemsTaken = 0
    /// Whether some loop has been told that the walk is over.
    private var endReported = false
    private var isClosed = false
    /// Whether ``readInfo(isolation:)`` passed over items that a later loop must read again.
    private var itemsPassedOver = false

    init(source: any ByteSource, options: ReaderOptions) {
        self.source = source
        self.options = options
        parser = ExportParser(options: options, itemMode: .typedAndRaw)
    }

    deinit { closeSource() }

    /// The next finished item in `requested` form (passed through `transform`, when the
    /// parallel walk's workers could); nil at the end; throws the input's error after every
    /// item before it. `startsLoop` is true on a new iterator's first call.
    func next(
        _ requested: ItemMode, transform: ItemTransform? = nil, startsLoop: Bool, isolation: isolated (any Actor)? = #isolation
    ) async throws -> ParsedItem? {
        if startsLoop || form != requested || formTransform !== transform { try begin(requested, transform: transform, startsLoop: startsLoop) }
        while true {
            if let item = parser.nextReady() { return taken(item) }
            if let failure = parser.failure { throw failure }
            if parser.isFinished { return ended() }
            try await feedNextChunk(closingAtEnd: true, isolation: isolation)
        }
    }

    /// Feeds the parser the next chunk, or tells it the input has ended (and then closes the
    /// source when `closingAtEnd`). Cancellation and a failed read close the source.
    private func feedNextChunk(closingAtEnd: Bool, isolation: isolated (any Actor)?) async throws {
        if Task.isCancelled {
            closeSource()
            throw CancellationError()
        }
        guard let source else { throw closedError() }
        let parser = parser
        do {
            if try await !source.feedNext(parser, isolation: isolation) {
                parser.finish()
                if closingAtEnd { closeSource() }
            }
        } catch {
            closeSource()
            throw error
        }
    }

    /// The same, for an input read on the calling thread, without suspending.
    func nextBlocking(_ requested: ItemMode, startsLoop: Bool) throws(VLExportError) -> ParsedItem? {
        if startsLoop || form != requested { try begin(requested, transform: nil, startsLoop: startsLoop) }
        while true {
            if let item = parser.nextReady() { return taken(item) }
            if let failure = parser.failure { throw failure }
            if parser.isFinished { return ended() }
            guard let source = source as? InlineSource else { throw closedError() }
            let parser = parser
            do throws(VLExportError) {
                if try !source.nextChunkNow({ parser.feed($0) }) {
                    parser.finish()
                    closeSource()
                }
            } catch {
                closeSource()
                throw error
            }
        }
    }

    /// Counts the items `item` stands for (several, for the partial result of a run of items).
    private func taken(_ item: consuming ParsedItem) -> ParsedItem {
        switch consume item {
        case .mapped(let value, let transform, let items):
            itemsTaken += items
            return .mapped(value, by: transform, items: items)
        case let other:
            itemsTaken += 1
            return other
        }
    }

    private func ended() -> ParsedItem? {
        endReported = true
        return nil
    }

    /// Applies the lifecycle's rules when a loop starts or asks for another form.
    private func begin(_ requested: ItemMode, transform: ItemTransform?, startsLoop: Bool) throws(VLExportError) {
        if isClosed { throw closedError() }
        if startsLoop, endReported, parser.failure == nil {
            throw VLExportError(.usage, "the export was read to its end by an earlier loop; a reader makes one pass (open another to read it again)")
        }
        if let formTransform, formTransform !== transform { throw Self.otherTransformError }
        if form == .typed, requested == .raw || requested == .typedAndRaw { throw Self.noBytesError }
        if form == .normalized, requested != .normalized { throw Self.normalizedFormError }
        if itemsPassedOver { try readAgainFromStart() }
        form = requested
        formTransform = transform
        parser.itemMode = requested
        parser.itemTransform = transform
        if parser.itemModeAfterInfo != nil { parser.itemModeAfterInfo = requested }
    }

    /// Reads a regular file again from its start, after ``readInfo(isolation:)`` passed over its items.
    private func readAgainFromStart() throws(VLExportError) {
        guard let source, source.rewind() else {
            throw VLExportError(
                .usage,
                "readInfo() passed over the media items to reach info, which comes after them in this export, and this input cannot be read again; read reader.info after the walk instead"
            )
        }
        let earlier = parser
        parser = ExportParser(options: options, itemMode: .typedAndRaw)
        parser.skipItemsBefore = itemsTaken
        parser.inheritWarnings(earlier.warnings)
        itemsPassedOver = false
    }

    /// Reads until `info` has been read and `media_items` has begun (so the document is an
    /// export: right after `info`, as Visual Layer writes it), or the input ends; a document
    /// that turns out to be no export throws. Items met on the way are passed over
    /// (a later loop reads them again, see the rules above); items after `info` in the same
    /// chunk are kept in both forms for the loop that follows.
    func readInfo(isolation: isolated (any Actor)? = #isolation) async throws -> ExportInfo? {
        if isClosed { throw closedError() }
        if parser.info == nil || !parser.sawMediaItems, !parser.isFinished {
            let itemsBefore = parser.itemCount
            let formBefore = parser.itemMode
            parser.itemMode = .skip
            parser.itemModeAfterInfo = form ?? .typedAndRaw
            while parser.info == nil || !parser.sawMediaItems, !parser.isFinished {
                // The source stays open at the end: a later loop may read the file again.
                try await feedNextChunk(closingAtEnd: false, isolation: isolation)
            }
            if (parser.itemCountWhenInfoRead ?? parser.itemCount) > itemsBefore { itemsPassedOver = true }
            parser.itemMode = formBefore
            parser.itemModeAfterInfo = nil
        }
        if let failure = parser.failure, parser.info == nil || !parser.sawMediaItems { throw failure }
        return parser.info
    }

    /// Closes the source for good: a later loop throws.
    func close() {
        closeSource()
        isClosed = true
    }

    /// Closes the source, so a walk that has ended or failed releases its descriptor at once.
    func closeSource() {
        source?.close()
        source = nil
    }

    /// What a loop over raw bytes meets when the walk handed out typed items.
    static let noBytesError = VLExportError(
        .usage,
        "this reader handed out typed items, which keep no bytes: a loop over raw items cannot continue it (use mediaItemsWithJSON for both forms, or open another reader)"
    )

    /// What a loop meets after a loop over mapped items: the items queued are mapped already.
    static let otherTransformError = VLExportError(
        .usage,
        "this reader handed out items passed through a function (mediaItems(mappedBy:)): only another loop over that same sequence can continue it (open another reader to read the items otherwise)"
    )

    /// What a loop over another form meets when the walk handed out normalized items.
    static let normalizedFormError = VLExportError(
        .usage,
        "this reader handed out items in their normalized form, which keeps neither the typed values nor the bytes: only a loop over normalized items can continue it (open another reader to read the items otherwise)"
    )

    private func closedError() -> VLExportError {
        VLExportError(.usage, "the reader was closed; a reader makes one pass (open another to read again)")
    }
}

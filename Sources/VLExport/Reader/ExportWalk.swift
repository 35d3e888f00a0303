/// What a loop asks the walk for: the mode its items are made in, and for a loop over partial
/// results, what joins the items on the workers.
struct WalkForm: Sendable {
    let mode: ItemMode
    let collector: CollectorMaker?

    /// Makes the collector of each batch (one per worker's parser) for one loop.
    struct CollectorMaker: Sendable {
        let id: CollectorID
        let make: @Sendable () -> any ItemCollecting
    }

    func isSame(as other: WalkForm) -> Bool {
        mode == other.mode && collector?.id == other.collector?.id
    }
}

/// One pass over an export: the source, the parser, the loop between them, and the reader's
/// one rule: the first loop fixes the form of the items, and every later loop continues
/// where the last one stopped, in that form, until the end.
final class ExportWalk {
    private(set) var parser: ExportParser
    let options: ReaderOptions
    private var source: Source?
    /// The form the first loop asked for; nil before it.
    private var form: WalkForm?
    /// Items handed out so far (a partial result counts the items it stands for).
    private var itemsTaken = 0
    /// Whether some loop has been told that the walk is over.
    private var endReported = false
    private var isClosed = false
    /// Whether ``readInfo(isolation:)`` passed over items that a later loop must read again.
    private var itemsPassedOver = false

    /// Where the bytes come from.
    enum Source {
        /// Chunks of bytes, for the walk's parser.
        case chunks(any ChunkSource)
        /// The envelope's bytes and the batches' results, in order (``ParallelSource``).
        case parallel(ParallelSource)
        /// A descriptor on a machine where the process may run on one core only, until the
        /// first read: raw items then go through one worker (which checks a batch with yajl and
        /// no callbacks, then cuts the items out), everything else through the serial walk.
        case oneCore(DecodedInput)
    }

    init(source: Source, options: ReaderOptions) {
        self.source = source
        self.options = options
        parser = ExportParser(options: options, itemMode: .typedAndRaw)
    }

    deinit { closeSource() }

    /// What the walk has for a loop at this step.
    private enum Step {
        case item(ParsedItem)
        case ended
        case needsInput
    }

    /// The next finished item in `requested` form; nil at the end; throws the input's error
    /// after every item before it. `startsLoop` is true on a new iterator's first call.
    func next(_ requested: WalkForm, startsLoop: Bool, isolation: isolated (any Actor)? = #isolation) async throws -> ParsedItem? {
        if startsLoop || isClosed || itemsPassedOver || form == nil { try begin(requested, startsLoop: startsLoop) }
        while true {
            switch try step() {
            case .item(let item): return item
            case .ended: return nil
            case .needsInput: try await feedNext(closingAtEnd: true, isolation: isolation)
            }
        }
    }

    /// The same, waiting on the calling thread.
    func nextBlocking(_ requested: WalkForm, startsLoop: Bool) throws(VLExportError) -> ParsedItem? {
        if startsLoop || isClosed || itemsPassedOver || form == nil { try begin(requested, startsLoop: startsLoop) }
        while true {
            switch try step() {
            case .item(let item): return item
            case .ended: return nil
            case .needsInput: try feedNextBlocking()
            }
        }
    }

    private func step() throws(VLExportError) -> Step {
        if let item = parser.nextReady() { return .item(counted(item)) }
        if let failure = parser.failure { throw failure }
        if parser.isFinished {
            endReported = true
            return .ended
        }
        return .needsInput
    }

    /// Counts the items `item` stands for (several, for a partial result). The item is
    /// consumed: matching a borrowed one would copy it whole first, retaining everything in it.
    private func counted(_ item: consuming ParsedItem) -> ParsedItem {
        switch consume item {
        case .collected(let value, let collector, let items):
            itemsTaken += items
            return .collected(value, by: collector, items: items)
        case let other:
            itemsTaken += 1
            return other
        }
    }

    /// Feeds the parser what comes next, or tells it the input has ended (and then closes the
    /// source when `closingAtEnd`). Cancellation and a failed read close the source.
    private func feedNext(closingAtEnd: Bool, isolation: isolated (any Actor)?) async throws {
        if Task.isCancelled {
            closeSource()
            throw CancellationError()
        }
        let parser = parser
        do {
            let more = switch try sourceForNextRead() {
            case .chunks(let chunks): try await chunks.nextChunk(isolation: isolation) { parser.feed($0) }
            case .parallel(let parallel): feed(try await parallel.next(isolation: isolation))
            case .oneCore: preconditionFailure("the source is picked before the first read")
            }
            if !more { inputEnded(closing: closingAtEnd) }
        } catch {
            closeSource()
            throw error
        }
    }

    private func feedNextBlocking() throws(VLExportError) {
        let parser = parser
        do throws(VLExportError) {
            let more = switch try sourceForNextRead() {
            case .chunks(let chunks): try chunks.nextChunkBlocking { parser.feed($0) }
            case .parallel(let parallel): feed(try parallel.nextBlocking())
            case .oneCore: preconditionFailure("the source is picked before the first read")
            }
            if !more { inputEnded(closing: true) }
        } catch {
            closeSource()
            throw error
        }
    }

    /// Feeds the parser a piece of the parallel walk; false at the end.
    private func feed(_ segment: ExportSegment?) -> Bool {
        switch segment {
        case .envelope(let bytes)?: bytes.withUnsafeBytes { parser.feed($0) }
        case .batch(let batch)?: parser.absorb(batch.result!, end: batch.end)
        case nil: return false
        }
        return true
    }

    private func inputEnded(closing: Bool) {
        parser.finish()
        if closing { closeSource() }
    }

    /// The source, picked on a machine of one core, and told how to read the batches cut from now on.
    private func sourceForNextRead() throws(VLExportError) -> Source {
        switch source {
        case nil:
            throw closedError()
        case .oneCore(let input)?:
            let picked: Source = parser.itemMode == .raw
                ? .parallel(ParallelSource(input, options: options, workers: 1, order: batchOrder()))
                : .chunks(ReadAheadSource(input, chunkSize: options.chunkSize))
            source = picked
            return picked
        case .parallel(let parallel)?:
            parallel.setOrder(batchOrder())
            return .parallel(parallel)
        case let other?:
            return other
        }
    }

    /// How a worker reads the batches cut now: in the parser's mode, passing over the items
    /// read before, joining the items as the loop asks. While ``readInfo(isolation:)`` reads
    /// to `info`, the batches the reading thread cuts ahead are read in the mode of the items
    /// after `info`, as the walk's own parser keeps those: they are the first loop's items
    /// when `info` comes first.
    private func batchOrder() -> BatchOrder {
        let options = options, mode = parser.itemModeAfterInfo ?? parser.itemMode, skipped = parser.skipItemsBefore
        let collector = form?.collector
        return BatchOrder { batch in
            batch.read(options, mode: mode, skippingItemsBefore: skipped, collector: collector?.make())
        }
    }

    /// Applies the reader's rule when a loop starts or goes on.
    private func begin(_ requested: WalkForm, startsLoop: Bool) throws(VLExportError) {
        if isClosed { throw closedError() }
        if let form {
            guard form.isSame(as: requested) else { throw Self.otherFormError }
            if startsLoop, endReported, parser.failure == nil {
                throw VLExportError(.usage, "the export was read to its end by an earlier loop; a reader makes one pass (open another to read it again)")
            }
        }
        if itemsPassedOver {
            try readAgainFromStart()
            parser.itemMode = requested.mode
        }
        guard form == nil else { return }
        form = requested
        parser.itemMode = requested.mode
        if parser.itemModeAfterInfo != nil { parser.itemModeAfterInfo = requested.mode }
    }

    /// Reads a regular file again from its start, after ``readInfo(isolation:)`` passed over its items.
    private func readAgainFromStart() throws(VLExportError) {
        let canRewind = switch source {
        case .chunks(let chunks)?: chunks.rewind()
        case .parallel(let parallel)?: parallel.rewind()
        case .oneCore(let input)?: input.rewind()
        case nil: false
        }
        guard canRewind else {
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
    /// that turns out to be no export throws. Items met on the way are passed over (the first
    /// loop reads them again); items after `info` in the same chunk are kept for that loop.
    func readInfo(isolation: isolated (any Actor)? = #isolation) async throws -> ExportInfo? {
        if isClosed { throw closedError() }
        if parser.info == nil || !parser.sawMediaItems, !parser.isFinished {
            let itemsBefore = parser.itemCount
            let modeBefore = parser.itemMode
            parser.itemMode = .skip
            parser.itemModeAfterInfo = form?.mode ?? .typedAndRaw
            while parser.info == nil || !parser.sawMediaItems, !parser.isFinished {
                // The source stays open at the end: a later loop may read the file again.
                try await feedNext(closingAtEnd: false, isolation: isolation)
            }
            if (parser.itemCountWhenInfoRead ?? parser.itemCount) > itemsBefore { itemsPassedOver = true }
            parser.itemMode = modeBefore
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
    private func closeSource() {
        switch source {
        case .chunks(let chunks)?: chunks.close()
        case .parallel(let parallel)?: parallel.close()
        case .oneCore(let input)?: input.descriptor.close()
        case nil: break
        }
        source = nil
    }

    /// What a loop meets when it asks for another form than the first loop did.
    static let otherFormError = VLExportError(
        .usage,
        "a reader hands out its items in the form its first loop asked for (typed, raw, typed with JSON, normalized, or one sequence of batches): a loop over another cannot continue it (open another reader)"
    )

    private func closedError() -> VLExportError {
        VLExportError(.usage, "the reader was closed; a reader makes one pass (open another to read again)")
    }
}

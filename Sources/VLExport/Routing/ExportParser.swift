import CYajl

/// Push parser for one export: bytes in, finished media items out.
///
/// Joins the tokenizer and the router. ``feed(_:)`` parses one chunk and
/// leaves the items it finished in a queue; the readers take them with
/// ``nextReady()`` and feed the next chunk only when the queue is empty, so at
/// most one chunk's worth of items is ever waiting. An error is kept rather
/// than thrown, so that the items finished before it are handed out first.
final class ExportParser: TokenSink {
    private var tokenizer: Tokenizer!
    /// The router lives in storage of its own: a struct in a class property is
    /// checked for exclusive access at run time on every mutation, once per
    /// event here, and a pointee is not.
    private let routerStorage: UnsafeMutablePointer<ExportRouter>
    private var router: ExportRouter {
        _read { yield routerStorage.pointee }
        _modify { yield &routerStorage.pointee }
    }
    private let maxValueBytes: Int

    /// Events seen so far, and at the last chunk's end: a chunk with none is inside one long token.
    private var eventCount = 0
    private var eventCountAtChunkEnd = 0
    private var bytesWithoutEvent = 0

    /// The index of a batch parser's first item.
    private var firstItemIndexOfBatch = 0

    /// The first error, once it happened.
    private(set) var failure: VLExportError?
    /// Whether the input has ended (or failed) and nothing more will come.
    private(set) var isFinished = false

    init(options: ReaderOptions, itemMode: ItemMode) {
        routerStorage = .allocate(capacity: 1)
        routerStorage.initialize(to: ExportRouter(options: options, itemMode: itemMode))
        maxValueBytes = options.maxItemBytes
        super.init()
        tokenizer = Tokenizer(sink: self, dialect: options.syntax == .lenient ? .lenient : .strict, callbacks: Self.directCallbacks)
    }

    deinit {
        routerStorage.deinitialize(count: 1)
        routerStorage.deallocate()
    }

    /// A parser for one batch of the parallel walk: yajl and the router stand inside
    /// `media_items`, as the walk's own parser stood where the batch begins, and the
    /// tokenizer counts from the batch's place in the export, so that every item, warning
    /// and error comes out as the serial walk would give it.
    /// `isCompact` says the scanner saw no white space outside strings in the batch, so that
    /// items' bytes need no compacting (the items yajl reads whole before any fault are
    /// tokenized as the scanner tokenized them).
    convenience init(
        batchOf options: ReaderOptions, itemMode: ItemMode, at place: InputPlace, skippingItemsBefore skipped: Int = 0,
        expectedItems: Int, isCompact: Bool
    ) {
        self.init(options: options, itemMode: itemMode)
        routerStorage.pointee.finished.reserve(expectedItems)
        routerStorage.pointee.items.bytes.inputIsCompact = isCompact
        skipItemsBefore = skipped
        Self.mediaItemsPrefix.withUnsafeBytes { feed($0) }
        tokenizer.move(toOffset: place.offset, line: place.line, lineStart: place.lineStart, precedingBytes: place.precedingBytes)
        routerStorage.pointee.setNextItemIndex(place.firstItemIndex)
        firstItemIndexOfBatch = place.firstItemIndex
    }

    /// What puts a parser inside `media_items`, before its first item.
    private static let mediaItemsPrefix = Array("{\"\(ItemPath.mediaItems)\":[".utf8)

    /// Takes in what a worker made of a batch, and moves past its bytes, to `end`.
    func absorb(_ batch: consuming BatchResult, end: InputPlace) {
        let failure = batch.failure
        routerStorage.pointee.absorb(batch)
        tokenizer.move(toOffset: end.offset, line: end.line, lineStart: end.lineStart, precedingBytes: end.precedingBytes)
        if let failure, self.failure == nil {
            self.failure = failure
            isFinished = true
        }
    }

    /// What a worker made of a batch: its items and warnings, and the error that ended it.
    func batchResult() -> BatchResult {
        BatchResult(
            items: routerStorage.pointee.finished.takeAll(), warnings: warnings, warningCount: warningCount,
            itemCount: itemCount - firstItemIndexOfBatch, failure: failure
        )
    }

    /// What items that start from now on become.
    var itemMode: ItemMode {
        get { router.items.mode }
        set { routerStorage.pointee.items.mode = newValue }
    }

    /// What joins the items together as they are finished: set on a worker's parser only.
    var collector: (any ItemCollecting)? {
        get { router.finished.collector }
        set { routerStorage.pointee.finished.collector = newValue }
    }

    /// What items become once `info` has been read, if that should change then.
    var itemModeAfterInfo: ItemMode? {
        get { router.itemModeAfterInfo }
        set { routerStorage.pointee.itemModeAfterInfo = newValue }
    }

    /// Items with a smaller index are passed over, for a walk read again from the start.
    var skipItemsBefore: Int {
        get { router.items.skipItemsBefore }
        set { routerStorage.pointee.items.skipItemsBefore = newValue }
    }

    /// Starts with the warnings an earlier pass had about the items this one passes over.
    func inheritWarnings(_ earlier: [ExportWarning]) {
        routerStorage.pointee.inheritWarnings(earlier)
    }

    /// The export's `info`, once read.
    var info: ExportInfo? { router.info }
    /// Whether the `media_items` array has begun: the document is an export.
    var sawMediaItems: Bool { router.sawMediaItems }
    /// Warnings so far, the first ``ReaderOptions/maxKeptWarnings``; the count check is added when the export object closes.
    var warnings: [ExportWarning] { router.log.warnings }
    /// How many warnings there were, kept or not.
    var warningCount: Int { router.log.count }
    /// Media items started so far.
    var itemCount: Int { router.itemCount }
    /// Items of a normalized walk written from their typed form, read again from their bytes.
    var normalizedItemsReadAgain: Int { router.items.itemsReadAgain }
    /// Media items started before `info` was read, once it was.
    var itemCountWhenInfoRead: Int? { router.itemCountWhenInfoRead }

    /// The oldest finished item not yet taken.
    func nextReady() -> ParsedItem? {
        routerStorage.pointee.finished.next()
    }

    /// Parses a chunk of input.
    func feed(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, !isFinished else { return }
        do throws(VLExportError) {
            try tokenizer.feed(bytes)
        } catch {
            record(error)
        }
    }

    /// Ends the input: completes the document or records why it is incomplete.
    func finish() {
        guard failure == nil, !isFinished else { return }
        do throws(VLExportError) {
            try tokenizer.finish()
        } catch {
            record(error)
        }
        isFinished = true
    }

    private func record(_ error: VLExportError) {
        var error = error
        if error.kind == .truncated {
            error.message = router.truncationMessage()
        }
        if error.mediaItemIndex == nil {
            error.mediaItemIndex = router.currentItemIndex
        }
        failure = error
        isFinished = true
    }

    // MARK: - TokenSink

    /// yajl's callbacks, each handing its event to the router directly: the sink is known to be
    /// an `ExportParser`, so the call is not made through ``TokenSink``'s table and the router's
    /// handling of the event is inlined into it. This parser overrides only
    /// ``TokenSink/chunkEnded(_:)``, which the tokenizer calls itself.
    static let directCallbacks: yajl_callbacks = {
        var table = yajl_callbacks()
        table.yajl_null = { context in route(context) { (router, tokenizer) throws(VLExportError) in try router.scalar(.null, tokenizer) } }
        table.yajl_boolean = { context, value in
            route(context) { (router, tokenizer) throws(VLExportError) in try router.scalar(.bool(value != 0), tokenizer) }
        }
        table.yajl_number = { context, text, length in
            route(context) { (router, tokenizer) throws(VLExportError) in
                try router.scalar(.number(UnsafeRawBufferPointer(start: text, count: length)), tokenizer)
            }
        }
        table.yajl_string = { context, bytes, length in
            route(context) { (router, tokenizer) throws(VLExportError) in
                try router.scalar(.string(UnsafeRawBufferPointer(start: bytes, count: length)), tokenizer)
            }
        }
        table.yajl_map_key = { context, bytes, length in
            route(context) { (router, tokenizer) in router.key(UnsafeRawBufferPointer(start: bytes, count: length), tokenizer) }
        }
        table.yajl_start_map = { context in route(context) { (router, tokenizer) throws(VLExportError) in try router.startObject(tokenizer) } }
        table.yajl_end_map = { context in route(context) { (router, tokenizer) throws(VLExportError) in try router.endObject(tokenizer) } }
        table.yajl_start_array = { context in route(context) { (router, tokenizer) throws(VLExportError) in try router.startArray(tokenizer) } }
        table.yajl_end_array = { context in route(context) { (router, tokenizer) throws(VLExportError) in try router.endArray(tokenizer) } }
        return table
    }()

    /// Counts one event and hands it to the router.
    @inline(__always)
    private static func route(
        _ context: UnsafeMutableRawPointer?, _ event: (inout ExportRouter, Tokenizer) throws(VLExportError) -> Void
    ) -> Int32 {
        Tokenizer.deliver(context, to: ExportParser.self) { (parser, tokenizer) throws(VLExportError) in
            parser.eventCount &+= 1
            try event(&parser.routerStorage.pointee, tokenizer)
        }
    }

    override func chunkEnded(_ tokenizer: Tokenizer) throws(VLExportError) {
        try router.chunkEnded(tokenizer)
        // yajl holds a token that spans chunks in a buffer of its own; bound it.
        if eventCount == eventCountAtChunkEnd {
            bytesWithoutEvent += tokenizer.currentChunk.count
            if bytesWithoutEvent > maxValueBytes {
                throw VLExportError(
                    .sizeLimit,
                    "a single JSON value is longer than the limit of \(maxValueBytes) bytes (see maxItemBytes)",
                    location: tokenizer.location(ofChunkIndex: tokenizer.currentChunk.count),
                    mediaItemIndex: router.currentItemIndex
                )
            }
        } else {
            bytesWithoutEvent = 0
            eventCountAtChunkEnd = eventCount
        }
    }
}

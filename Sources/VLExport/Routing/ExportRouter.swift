/// What the walk makes of each media item.
enum ItemMode: Sendable {
    /// A typed ``MediaItem``.
    case typed
    /// The item's compact JSON bytes, a ``RawMediaItem``.
    case raw
    /// Both, from the same parse.
    case typedAndRaw
    /// Nothing: the item is counted and passed over.
    case skip
    /// The item's normalized JSON (``MediaItem/writeNormalized(to:)``), written from the events
    /// by ``NormalizedItemWriter`` under a tolerant schema; under a strict one, a typed item,
    /// which the loop writes.
    case normalized
}

/// A finished media item, in the form the walk asked for.
enum ParsedItem {
    case typed(MediaItem)
    case raw(RawMediaItem)
    case typedAndRaw(MediaItem, RawMediaItem)
    /// What a loop's function made of the item, on the worker that read it: of one item, or the
    /// partial result of `items` consecutive items.
    case mapped(any Sendable, by: ItemTransform.ID, items: Int = 1)
    /// The item's normalized JSON.
    case normalized([UInt8])
}

/// Knows where in an export each event belongs and passes it on.
///
/// The router walks the export's fixed outline, a root object whose members
/// are `info`, `media_items` and anything else, in any order, and hands the
/// events inside each part to what builds it: ``ValueBuilder`` for `info`,
/// ``MediaItemBuilder`` for a typed item, a byte range of the input for a raw
/// item, a depth count for what is skipped. Finished items wait in ``ready``.
///
/// Input that does not fit the outline is a thrown, located error; a
/// transition the tokenizer cannot produce (yajl pairs every bracket) is a
/// programming error.
struct ExportRouter: ~Copyable {
    private enum State {
        case beforeDocument
        /// In the root object, between members.
        case inRoot
        case expectingInfo
        case inInfo
        case expectingMediaItems
        /// In `media_items`, between items.
        case inMediaItems
        case inTypedItem
        /// In an item written in its normalized form as its events come.
        case inNormalizedItem
        /// In an item kept as its bytes: a raw item, or in any mode an element of
        /// `media_items` that is an array rather than an object.
        case inRawItem(depth: Int)
        case inSkippedItem(depth: Int)
        /// In the value of a root member that is neither `info` nor `media_items`.
        case skippingValue(depth: Int)
        case afterDocument
    }

    private var state = State.beforeDocument
    private let maxDepth: Int
    private let maxItemBytes: Int
    private var depth = 0

    /// What the next item that starts becomes.
    var itemMode: ItemMode
    /// What items become once `info` has been read, when that should change then.
    var itemModeAfterInfo: ItemMode?
    /// Items with a smaller index are passed over whatever ``itemMode`` says: a walk read
    /// again from the start skips the items it handed out before.
    var skipItemsBefore = 0
    /// Items finished and not yet taken, oldest first; each slot is nil once its item was taken.
    private(set) var ready: [ParsedItem?] = []
    /// What each item becomes as it is finished, if anything. A worker's parser maps each
    /// item at once, so that the item's memory is freed before the next one is built and
    /// the allocator hands the same memory out again; the serial walk leaves it to the loop.
    var transformOnFinish: ItemTransform? {
        didSet { accumulator = transformOnFinish?.makeAccumulator?() }
    }
    /// Set when ``transformOnFinish`` joins the items a worker reads together into one value (a
    /// partial result, lines of NDJSON): what the items finished since the last was queued
    /// went into.
    private var accumulator: (any ItemAccumulating)?
    /// The export's `info`, once read.
    private(set) var info: ExportInfo?
    /// Things noticed on the way, the first ``maxKeptWarnings`` of them.
    private(set) var warnings: [ExportWarning] = []
    /// How many warnings there were, kept or not.
    private(set) var warningCount = 0
    private let maxKeptWarnings: Int
    private let isStrict: Bool
    /// How many media items have started so far.
    private(set) var itemCount = 0
    /// How many had started when `info` was read.
    private(set) var itemCountWhenInfoRead: Int?

    private var infoBuilder = ValueBuilder()
    /// Where `info`'s opening brace stands: the location of its values that cannot be read.
    private var infoStartLocation: SourceLocation?
    private var itemBuilder: MediaItemBuilder
    private var normalizedWriter = NormalizedItemWriter()
    /// Items the normalized writer gave up on, read again typed: for tests and measurements.
    private(set) var itemsReadAgain = 0
    /// The walk's options, for an item the normalized writer gives up on, which is read again typed.
    private let options: ReaderOptions
    /// Whether the `media_items` array has begun.
    private(set) var sawMediaItems = false
    /// The root object's first keys, to say what a document without `media_items` is.
    private var rootKeys: [String] = []
    private var rootKeyCount = 0
    private static let rootKeysKept = 8

    // The item being read: where it starts, and for a raw item the bytes gathered from earlier chunks.
    private var itemStartOffset = 0
    private var itemStartLocation: SourceLocation?
    private var rawCaptureStart = 0
    private var rawBuffer: [UInt8] = []
    /// Whether the input holds no white space outside strings (a batch the scanner found so):
    /// an item's bytes are then copied as they are, with no pass to compact them.
    var inputIsCompact = false
    /// Whether the item being captured as bytes is an array element rather than an object.
    private var rawItemIsArray = false
    /// Whether the typed item being read is also captured as bytes.
    private var typedItemCapturesRaw = false
    /// Whether the typed item being read is written in its normalized form once read (a
    /// normalized walk under a strict schema).
    private var typedItemIsNormalized = false

    init(options: ReaderOptions, itemMode: ItemMode) {
        maxDepth = options.maxDepth
        maxItemBytes = options.maxItemBytes
        maxKeptWarnings = options.maxKeptWarnings
        isStrict = options.schema == .strict
        itemBuilder = MediaItemBuilder(selection: options.properties, schema: options.schema)
        self.options = options
        self.itemMode = itemMode
    }

    /// Moves the finished item at `index` out of ``ready``, leaving its slot nil.
    ///
    /// (Copying it out instead would retain every string and array in the item,
    /// and release them all again when the queue is emptied.)
    mutating func takeReady(at index: Int) -> ParsedItem {
        ready[index].take()!
    }

    /// Starts with the warnings of an earlier pass over the same input, for a walk read again
    /// from the start: those of the items it passes over (they are not read again).
    mutating func inheritWarnings(_ earlier: [ExportWarning]) {
        warnings = earlier.filter { warning in warning.mediaItemIndex.map { $0 < skipItemsBefore } ?? false }
        warningCount = warnings.count
    }

    /// Numbers the next item `index`: a batch of the parallel walk starts at its first item's index.
    mutating func setNextItemIndex(_ index: Int) {
        itemCount = index
    }

    /// Takes every finished item out at once, leaving ``ready`` empty.
    mutating func takeAllReady() -> [ParsedItem?] {
        queueAccumulated()
        var items: [ParsedItem?] = []
        swap(&items, &ready)
        return items
    }

    /// Makes room in ``ready`` for `count` items, so that it does not grow item by item.
    mutating func reserveReady(_ count: Int) {
        ready.reserveCapacity(count)
    }

    /// Takes in what a worker made of a batch of items: the items, queued after those ready
    /// (taken over whole when none are), its warnings, after those so far, and its count.
    mutating func absorb(items: consuming [ParsedItem?], warnings batchWarnings: [ExportWarning], warningCount batchWarningCount: Int, itemCount batchItemCount: Int) {
        if ready.isEmpty {
            ready = items
        } else {
            ready.append(contentsOf: items)
        }
        for warning in batchWarnings where warnings.count < maxKeptWarnings { warnings.append(warning) }
        warningCount += batchWarningCount
        itemCount += batchItemCount
    }

    /// Empties ``ready`` once every item in it was taken, keeping its capacity.
    mutating func clearReady() {
        ready.removeAll(keepingCapacity: true)
    }

    /// The index of the media item being read, if the walk is inside one.
    var currentItemIndex: Int? {
        switch state {
        case .inTypedItem, .inNormalizedItem, .inRawItem, .inSkippedItem: itemCount - 1
        default: nil
        }
    }

    // MARK: - Events

    mutating func startObject(_ tokenizer: Tokenizer) throws(VLExportError) {
        try enter(tokenizer)
        switch state {
        case .beforeDocument:
            state = .inRoot
        case .expectingInfo:
            infoBuilder.startObject()
            infoStartLocation = tokenizer.tokenStartLocation
            state = .inInfo
        case .inInfo:
            infoBuilder.startObject()
        case .inMediaItems:
            try beginItem(tokenizer)
        case .inTypedItem:
            itemBuilder.startObject(tokenizer)
        case .inNormalizedItem:
            normalizedWriter.startObject()
        case .inRawItem(let depth):
            state = .inRawItem(depth: depth + 1)
        case .inSkippedItem(let depth):
            state = .inSkippedItem(depth: depth + 1)
        case .skippingValue(let depth):
            state = .skippingValue(depth: depth + 1)
        case .expectingMediaItems:
            throw mediaItemsNotAnArray(found: "an object", tokenizer)
        case .inRoot, .afterDocument:
            preconditionFailure("yajl reported a value where a key or the end belongs")
        }
    }

    mutating func startArray(_ tokenizer: Tokenizer) throws(VLExportError) {
        try enter(tokenizer)
        switch state {
        case .beforeDocument:
            throw notAnExport(found: "an array", tokenizer)
        case .expectingMediaItems:
            sawMediaItems = true
            state = .inMediaItems
        case .expectingInfo:
            try oddShape("info", expected: ExpectedShape.object, found: "array", tokenizer)
            state = .skippingValue(depth: 1)
        case .inInfo:
            infoBuilder.startArray()
        case .inMediaItems:
            try oddShape("media_items[\(itemCount)]", expected: ExpectedShape.mediaItem, found: "array", tokenizer)
            try beginItem(tokenizer, isArray: true)
        case .inTypedItem:
            itemBuilder.startArray(tokenizer)
        case .inNormalizedItem:
            normalizedWriter.startArray()
        case .inRawItem(let depth):
            state = .inRawItem(depth: depth + 1)
        case .inSkippedItem(let depth):
            state = .inSkippedItem(depth: depth + 1)
        case .skippingValue(let depth):
            state = .skippingValue(depth: depth + 1)
        case .inRoot, .afterDocument:
            preconditionFailure("yajl reported a value where a key or the end belongs")
        }
    }

    mutating func endObject(_ tokenizer: Tokenizer) throws(VLExportError) {
        depth -= 1
        switch state {
        case .inRoot:
            state = .afterDocument
            try finishDocument(tokenizer)
        case .inInfo:
            if case .object(let object)? = infoBuilder.end() {
                var read = ExportInfo(json: object)
                if isStrict, let first = read.nonconforming.first {
                    throw first.schemaError(pathPrefix: "info", mediaItemIndex: nil)
                }
                locateAndWarn(&read.nonconforming, under: "info", at: infoStartLocation, mediaItemIndex: nil)
                info = read
                itemCountWhenInfoRead = itemCount
                if let next = itemModeAfterInfo {
                    itemMode = next
                    itemModeAfterInfo = nil
                }
                state = .inRoot
            }
        case .inTypedItem:
            if try Self.locatingErrors(ofItem: itemCount - 1, at: itemStartLocation, { () throws(VLExportError) in try itemBuilder.endObject(tokenizer) }) {
                try checkItemSize(upTo: Self.tokenEnd(tokenizer))
                if !itemBuilder.item.nonconforming.isEmpty {
                    var values = itemBuilder.item.nonconforming
                    let index = itemCount - 1
                    locateAndWarn(&values, under: "media_items[\(index)]", at: itemStartLocation, mediaItemIndex: index)
                    itemBuilder.item.nonconforming = values
                }
                // The item goes from the builder into the queue in one expression: no copy of it is made.
                if typedItemIsNormalized {
                    enqueue(.normalized(itemBuilder.takeItem().normalizedJSONBytes))
                } else if typedItemCapturesRaw {
                    var raw = RawMediaItem(index: itemCount - 1, json: takeRawJSON(tokenizer), location: itemStartLocation)
                    raw.keysAreKnownDistinct = itemBuilder.keysAreKnownDistinct
                    enqueue(.typedAndRaw(itemBuilder.takeItem(), raw))
                } else {
                    enqueue(.typed(itemBuilder.takeItem()))
                }
                state = .inMediaItems
            }
        case .inNormalizedItem:
            if normalizedWriter.endObject() {
                try checkItemSize(upTo: Self.tokenEnd(tokenizer))
                try finishNormalizedItem(tokenizer)
                state = .inMediaItems
            }
        case .inRawItem(let depth):
            if depth == 1 {
                try checkItemSize(upTo: Self.tokenEnd(tokenizer))
                finishRawItem(tokenizer)
                state = .inMediaItems
            } else {
                state = .inRawItem(depth: depth - 1)
            }
        case .inSkippedItem(let depth):
            if depth == 1 { try checkItemSize(upTo: Self.tokenEnd(tokenizer)) }
            state = depth == 1 ? .inMediaItems : .inSkippedItem(depth: depth - 1)
        case .skippingValue(let depth):
            state = depth == 1 ? .inRoot : .skippingValue(depth: depth - 1)
        default:
            preconditionFailure("yajl closed an object that was not open")
        }
    }

    mutating func endArray(_ tokenizer: Tokenizer) throws(VLExportError) {
        depth -= 1
        switch state {
        case .inMediaItems:
            state = .inRoot
        case .inInfo:
            _ = infoBuilder.end()
        case .inTypedItem:
            try Self.locatingErrors(ofItem: itemCount - 1, at: itemStartLocation) { () throws(VLExportError) in try itemBuilder.endArray(tokenizer) }
        case .inNormalizedItem:
            normalizedWriter.endArray()
        case .inRawItem(let depth):
            if depth == 1 {
                try checkItemSize(upTo: Self.tokenEnd(tokenizer))
                finishRawItem(tokenizer)
                state = .inMediaItems
            } else {
                state = .inRawItem(depth: depth - 1)
            }
        case .inSkippedItem(let depth):
            if depth == 1 { try checkItemSize(upTo: Self.tokenEnd(tokenizer)) }
            state = depth == 1 ? .inMediaItems : .inSkippedItem(depth: depth - 1)
        case .skippingValue(let depth):
            state = depth == 1 ? .inRoot : .skippingValue(depth: depth - 1)
        default:
            preconditionFailure("yajl closed an array that was not open")
        }
    }

    mutating func key(_ bytes: UnsafeRawBufferPointer, _ tokenizer: Tokenizer) {
        switch state {
        case .inRoot:
            if !sawMediaItems {
                rootKeyCount += 1
                if rootKeys.count < Self.rootKeysKept { rootKeys.append(String(decoding: bytes, as: UTF8.self)) }
            }
            switch KnownKey.match(bytes) {
            case .info?: state = .expectingInfo
            case .mediaItems?: state = .expectingMediaItems
            default: state = .skippingValue(depth: 0)
            }
        case .inInfo:
            infoBuilder.key(bytes)
        case .inTypedItem:
            itemBuilder.key(bytes)
        case .inNormalizedItem:
            normalizedWriter.key(bytes)
        default:
            break
        }
    }

    /// A string, number, boolean or null; its value is built only where it is kept.
    mutating func scalar(_ token: ScalarToken, _ tokenizer: Tokenizer) throws(VLExportError) {
        switch state {
        case .inTypedItem:
            try Self.locatingErrors(ofItem: itemCount - 1, at: itemStartLocation) { () throws(VLExportError) in try itemBuilder.scalar(token, tokenizer) }
        case .inNormalizedItem:
            // yajl hands over a string without escapes where it stands in the input, and one it
            // unescaped from a buffer of its own: bytes in the chunk need no escaping.
            var escapeFree = false
            if case .string(let bytes) = token, let start = bytes.baseAddress, let chunk = tokenizer.currentChunk.baseAddress {
                escapeFree = start >= chunk && start + bytes.count <= chunk + tokenizer.currentChunk.count
            }
            normalizedWriter.scalar(token, escapeFree: escapeFree)
        case .inRawItem, .inSkippedItem:
            break
        case .inInfo:
            infoBuilder.add(token.value)
        case .skippingValue(0):
            state = .inRoot
        case .skippingValue:
            break
        case .beforeDocument:
            throw notAnExport(found: "a \(token.kindName)", tokenizer)
        case .expectingInfo:
            // `"info": null` is no info; any other scalar is kept out of the typed info, and reported.
            if case .null = token {} else {
                try oddShape("info", expected: ExpectedShape.object, found: token.value.shortDescription, tokenizer)
            }
            state = .inRoot
        case .expectingMediaItems:
            throw mediaItemsNotAnArray(found: token.value.shortDescription, tokenizer)
        case .inMediaItems:
            try oddScalarItem(token, tokenizer)
        case .inRoot, .afterDocument:
            preconditionFailure("yajl reported a value where a key or the end belongs")
        }
    }

    /// Called after yajl has read a whole chunk: keeps a raw item's bytes and enforces the size limit.
    mutating func chunkEnded(_ tokenizer: Tokenizer) throws(VLExportError) {
        switch state {
        case .inRawItem:
            keepRawChunkTail(tokenizer)
        case .inTypedItem:
            itemBuilder.chunkEnded(tokenizer)
            if typedItemCapturesRaw { keepRawChunkTail(tokenizer) }
        case .inNormalizedItem:
            keepRawChunkTail(tokenizer)
        case .inSkippedItem:
            break
        default:
            return
        }
        try checkItemSize(upTo: tokenizer.chunkStartOffset + tokenizer.currentChunk.count)
    }

    /// Throws when the item being read, from its start to `end`, is larger than the limit. Checked
    /// at the end of each chunk the item goes on past (so memory stays bounded) and where the item
    /// ends (so the limit does not depend on how the input was cut).
    /// (Inlined: called as a method of the router, which is large, it was passed a copy of the
    /// whole router, 1.2 KB copied at every item's end.)
    @inline(__always)
    private func checkItemSize(upTo end: Int) throws(VLExportError) {
        guard end - itemStartOffset > maxItemBytes else { return }
        throw Self.itemTooLarge(limit: maxItemBytes, location: itemStartLocation, index: itemCount - 1)
    }

    private static func itemTooLarge(limit: Int, location: SourceLocation?, index: Int) -> VLExportError {
        VLExportError(
            .sizeLimit,
            "media item is larger than the limit of \(limit) bytes (see maxItemBytes)",
            location: location,
            path: "media_items[\(index)]",
            mediaItemIndex: index
        )
    }

    /// The offset just past the token being reported: where an item that ends with it ends.
    private static func tokenEnd(_ tokenizer: Tokenizer) -> Int {
        tokenizer.chunkStartOffset + tokenizer.tokenEndIndex
    }

    /// Describes where the input ended, for a document that is not complete.
    func truncationMessage() -> String {
        switch state {
        case .beforeDocument: "the input holds no JSON document (it is empty or white space)"
        case .inTypedItem, .inNormalizedItem, .inRawItem, .inSkippedItem: "the input ends inside media_items[\(itemCount - 1)]"
        case .inMediaItems:
            itemCount == 0
                ? "the input ends inside media_items, before its first item"
                : "the input ends inside media_items, after media_items[\(itemCount - 1)]"
        case .inInfo, .expectingInfo: "the input ends inside info"
        case .expectingMediaItems: "the input ends before the value of media_items"
        case .inRoot, .skippingValue: "the input ends before the export object closes"
        case .afterDocument: "the input ends early"
        }
    }

    // MARK: - Helpers

    private mutating func enter(_ tokenizer: Tokenizer) throws(VLExportError) {
        depth += 1
        if depth > maxDepth {
            throw VLExportError(
                .depthLimit,
                "nesting is deeper than the limit of \(maxDepth) levels (see maxDepth)",
                location: tokenizer.location(ofChunkIndex: max(0, tokenizer.tokenEndIndex - 1)),
                mediaItemIndex: currentItemIndex
            )
        }
    }

    /// Starts the item whose opening brace (or, for an element that is no object, bracket) was just read.
    private mutating func beginItem(_ tokenizer: Tokenizer, isArray: Bool = false) throws(VLExportError) {
        let index = itemCount
        itemCount += 1
        let braceIndex = tokenizer.tokenEndIndex - 1
        itemStartOffset = tokenizer.chunkStartOffset + braceIndex
        itemStartLocation = tokenizer.location(ofChunkIndex: braceIndex)
        rawItemIsArray = isArray
        let itemMode = index < skipItemsBefore ? .skip : itemMode
        switch itemMode {
        case .normalized where !isArray && !isStrict:
            normalizedWriter.begin()
            rawCaptureStart = braceIndex
            rawBuffer.removeAll(keepingCapacity: true)
            state = .inNormalizedItem
        case .typed where !isArray, .typedAndRaw where !isArray, .normalized where !isArray:
            typedItemCapturesRaw = itemMode == .typedAndRaw
            typedItemIsNormalized = itemMode == .normalized
            itemBuilder.begin(index: index, tracksKeys: typedItemCapturesRaw)
            if typedItemCapturesRaw {
                rawCaptureStart = braceIndex
                rawBuffer.removeAll(keepingCapacity: true)
            }
            state = .inTypedItem
        case .raw, .typed, .typedAndRaw, .normalized:
            rawCaptureStart = braceIndex
            rawBuffer.removeAll(keepingCapacity: true)
            state = .inRawItem(depth: 1)
        case .skip:
            state = .inSkippedItem(depth: 1)
        }
    }

    /// An element of `media_items` that is a string, number, boolean or null: an item of its own,
    /// kept as written, so that every later item keeps its index.
    private mutating func oddScalarItem(_ token: ScalarToken, _ tokenizer: Tokenizer) throws(VLExportError) {
        let path = "media_items[\(itemCount)]"
        try oddShape(path, expected: ExpectedShape.mediaItem, found: token.value.shortDescription, tokenizer)
        let index = itemCount
        itemCount += 1
        itemStartLocation = tokenizer.tokenStartLocation
        let raw = RawMediaItem(index: index, json: token.value.compactJSON, location: itemStartLocation)
        let item = MediaItem.unreadable(index: index, value: token.value, location: itemStartLocation)
        switch index < skipItemsBefore ? .skip : itemMode {
        case .typed, .normalized: finishTypedItem(item)
        case .typedAndRaw: finishTypedItem(item, raw: raw)
        case .raw: enqueue(.raw(raw))
        case .skip: break
        }
    }

    /// Queues an item that is not an object (already warned about), with its bytes when given,
    /// or written in its normalized form in a normalized walk.
    private mutating func finishTypedItem(_ item: consuming MediaItem, raw: RawMediaItem? = nil) {
        if itemMode == .normalized {
            enqueue(.normalized(item.normalizedJSONBytes))
        } else if let raw {
            enqueue(.typedAndRaw(item, raw))
        } else {
            enqueue(.typed(item))
        }
    }

    /// Queues a finished item, as ``transformOnFinish`` makes it.
    private mutating func enqueue(_ item: consuming ParsedItem) {
        if let accumulator {
            guard let other = accumulator.add(item) else { return }
            queueAccumulated()
            ready.append(transformOnFinish!.mapped(other))
        } else if let transformOnFinish {
            ready.append(transformOnFinish.mapped(item))
        } else {
            ready.append(item)
        }
    }

    /// Queues what the items added to ``accumulator`` so far make, which stands for them.
    private mutating func queueAccumulated() {
        guard let accumulator, accumulator.count > 0 else { return }
        let items = accumulator.count
        ready.append(.mapped(accumulator.take(), by: transformOnFinish!.id, items: items))
    }

    /// Makes room for what a batch of `bytes` bytes makes, when its items are joined.
    mutating func reserve(forBatchOf bytes: Int) {
        accumulator?.reserve(forBatchOf: bytes)
    }

    /// Places the values that could not be read and have no location of their own at `location`
    /// (where what holds them starts), and warns about each, at `prefix` + its path.
    private mutating func locateAndWarn(
        _ values: inout [NonconformingValue], under prefix: String, at location: SourceLocation?, mediaItemIndex: Int?
    ) {
        for position in values.indices {
            if values[position].location == nil { values[position].location = location }
            warn(ExportWarning(
                .nonconformingValue, values[position].message, location: values[position].location,
                path: NonconformingLog.join(prefix, values[position].path), mediaItemIndex: mediaItemIndex
            ))
        }
    }

    /// A part of the export's outline that has another shape than the format's: fatal under a
    /// strict schema, else a warning (the caller keeps or passes over the value).
    private mutating func oddShape(_ path: String, expected: String, found: String, _ tokenizer: Tokenizer) throws(VLExportError) {
        if isStrict { throw misplaced(path, expected: expected, found: found, tokenizer) }
        warn(ExportWarning(
            .nonconformingValue, "expected \(expected), found \(found)", location: tokenizer.tokenStartLocation,
            path: path, mediaItemIndex: path.hasPrefix("media_items[") ? itemCount : nil
        ))
    }

    /// Keeps a warning while fewer than the limit are kept; counts it either way.
    private mutating func warn(_ warning: ExportWarning) {
        warningCount += 1
        if warnings.count < maxKeptWarnings { warnings.append(warning) }
    }

    /// Keeps the part of the current chunk that belongs to the item being captured as bytes.
    private mutating func keepRawChunkTail(_ tokenizer: Tokenizer) {
        let chunk = tokenizer.currentChunk
        rawBuffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[rawCaptureStart...]))
        rawCaptureStart = 0
    }

    /// The compact JSON of the item captured as bytes, which ends with the token just read.
    private mutating func takeRawJSON(_ tokenizer: Tokenizer) -> [UInt8] {
        takeCapturedBytes(tokenizer, compacting: !inputIsCompact)
    }

    /// Queues the item the normalized writer has just closed: its output, or, when the writer
    /// gave up on it, the normalized form of the typed item read again from its bytes.
    private mutating func finishNormalizedItem(_ tokenizer: Tokenizer) throws(VLExportError) {
        guard normalizedWriter.gaveUp else {
            if !rawBuffer.isEmpty { rawBuffer.removeAll(keepingCapacity: rawBuffer.capacity <= 1 << 20) }
            // Queued as it is: a transform leaves normalized items so (and touching the shared
            // transform from every worker for every item costs its reference count's cache line).
            if accumulator?.addNormalized(from: &normalizedWriter) != true {
                ready.append(.normalized(normalizedWriter.takeOutput()))
            }
            return
        }
        let item = try typedItemReadAgain(from: takeCapturedBytes(tokenizer, compacting: false))
        itemsReadAgain += 1
        enqueue(.normalized(item.normalizedJSONBytes))
    }

    /// The item just read, built typed from its bytes (as they stand in the input, white space
    /// and all) by a parser placed where the item starts, so that its values, warnings and their
    /// locations are the typed walk's. Its warnings are added to the walk's.
    private mutating func typedItemReadAgain(from bytes: [UInt8]) throws(VLExportError) -> MediaItem {
        let index = itemCount - 1
        // Set when the item began.
        let start = itemStartLocation!
        let place = BatchPlace(
            offset: start.offset, line: start.line, lineStart: start.offset - (start.column - 1), precedingBytes: [], firstItemIndex: index
        )
        let parser = ExportParser(batchOf: options, itemMode: .typed, at: place, expectedItems: 1, isCompact: false)
        bytes.withUnsafeBytes { parser.feed($0) }
        // The bracket brings out the item, as the comma after it would.
        Self.closingBracket.withUnsafeBytes { parser.feed($0) }
        var result = parser.batchResult()
        if let failure = result.failure { throw failure }
        warningCount += result.warningCount
        for warning in result.warnings where warnings.count < maxKeptWarnings { warnings.append(warning) }
        guard result.items.count == 1, case .typed(let item)? = result.items[0].take() else {
            preconditionFailure("an item yajl has read whole is read again as one typed item")
        }
        return item
    }

    private static let closingBracket: [UInt8] = [UInt8(ascii: "]")]

    /// The bytes of the item captured, which ends with the token just read: as they stand in
    /// the input, or `compacting` them (white space outside strings dropped).
    private mutating func takeCapturedBytes(_ tokenizer: Tokenizer, compacting: Bool) -> [UInt8] {
        let chunk = tokenizer.currentChunk
        let end = tokenizer.tokenEndIndex
        if rawBuffer.isEmpty {
            let bytes = UnsafeRawBufferPointer(rebasing: chunk[rawCaptureStart..<end])
            return compacting ? JSONCompactor.compacted(bytes) : Array(bytes)
        }
        rawBuffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<end]))
        let taken = compacting ? rawBuffer.withUnsafeBytes { JSONCompactor.compacted($0) } : rawBuffer
        rawBuffer.removeAll(keepingCapacity: rawBuffer.capacity <= 1 << 20)
        return taken
    }

    private mutating func finishRawItem(_ tokenizer: Tokenizer) {
        let raw = RawMediaItem(index: itemCount - 1, json: takeRawJSON(tokenizer), location: itemStartLocation)
        if rawItemIsArray, itemMode != .raw {
            // An array where an item belongs, in a typed walk: an item whose only value is itself.
            let value = (try? JSONValue(parsing: raw.json)) ?? .array([])
            let item = MediaItem.unreadable(index: raw.index, value: value, location: itemStartLocation)
            finishTypedItem(item, raw: itemMode == .typedAndRaw ? raw : nil)
            return
        }
        enqueue(.raw(raw))
    }

    /// Runs a step of a typed item, placing any schema error at the item.
    private static func locatingErrors<T>(
        ofItem index: Int, at location: SourceLocation?, _ body: () throws(VLExportError) -> T
    ) throws(VLExportError) -> T {
        do throws(VLExportError) {
            return try body()
        } catch {
            var located = error.prefixingPath("media_items[\(index)]")
            located.location = located.location ?? location
            located.mediaItemIndex = index
            throw located
        }
    }

    private mutating func finishDocument(_ tokenizer: Tokenizer) throws(VLExportError) {
        if !sawMediaItems {
            var message = "not a Visual Layer export: the root object has no media_items array"
            if !rootKeys.isEmpty {
                message += " (its keys: " + rootKeys.joined(separator: ", ") + (rootKeyCount > rootKeys.count ? ", …)" : ")")
            }
            if rootKeys.contains("images"), rootKeys.contains("annotations") { message += "; it looks like a COCO dataset" }
            throw VLExportError(.schema, message, location: tokenizer.tokenStartLocation, path: "$")
        }
        if let declared = info?.totalMediaItems, declared != itemCount {
            warn(ExportWarning(
                .totalMediaItemsMismatch,
                "info.total_media_items says \(declared) but media_items holds \(itemCount)"
            ))
        }
    }

    private func mediaItemsNotAnArray(found: String, _ tokenizer: Tokenizer) -> VLExportError {
        VLExportError(
            .schema, "not a Visual Layer export: expected media_items to be an array of media items, found \(found)",
            location: tokenizer.tokenStartLocation, path: "media_items"
        )
    }

    private func notAnExport(found: String, _ tokenizer: Tokenizer) -> VLExportError {
        VLExportError(
            .schema,
            "expected an export object ({\"info\": …, \"media_items\": […]}), found \(found)",
            location: tokenizer.tokenStartLocation,
            path: "$"
        )
    }

    private func misplaced(_ path: String, expected: String, found: String, _ tokenizer: Tokenizer) -> VLExportError {
        VLExportError(.schema, "expected \(expected), found \(found)", location: tokenizer.tokenStartLocation, path: path)
    }
}

/// Knows where in an export each event belongs and passes it on.
///
/// The router walks the export's fixed outline, a root object whose members
/// are `info`, `media_items` and anything else, in any order, and hands the
/// events inside each part to what reads it: a ``ValueBuilder`` for `info`, the
/// ``ItemReader`` for each media item, a depth count for what is passed over.
/// Finished items wait in ``finished``.
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
        /// In a media item: the item reader has its events.
        case inItem
        /// In the value of a root member that is neither `info` nor `media_items`.
        case skippingValue(depth: Int)
        case afterDocument
    }

    private var state = State.beforeDocument
    private let maxDepth: Int
    private var depth = 0
    private let isStrict: Bool

    /// Reads each media item.
    var items: ItemReader
    /// What items become once `info` has been read, when that should change then.
    var itemModeAfterInfo: ItemMode?
    /// Items finished and not yet taken.
    var finished = FinishedItems()
    /// Things noticed on the way.
    private(set) var log: WarningLog
    /// The export's `info`, once read.
    private(set) var info: ExportInfo?
    /// How many media items have started so far.
    private(set) var itemCount = 0
    /// How many had started when `info` was read.
    private(set) var itemCountWhenInfoRead: Int?
    /// Whether the `media_items` array has begun.
    private(set) var sawMediaItems = false

    private var infoBuilder = ValueBuilder()
    /// Where `info`'s opening brace stands: the location of its values that cannot be read.
    private var infoStartLocation: SourceLocation?
    /// The root object's first keys, to say what a document without `media_items` is.
    private var rootKeys: [String] = []
    private var rootKeyCount = 0
    private static let rootKeysKept = 8

    init(options: ReaderOptions, itemMode: ItemMode) {
        maxDepth = options.maxDepth
        isStrict = options.schema == .strict
        log = WarningLog(maxKept: options.maxKeptWarnings)
        items = ItemReader(options: options, mode: itemMode)
    }

    /// Starts with the warnings of an earlier pass over the same input, for a walk read again
    /// from the start: those of the items it passes over (they are not read again).
    mutating func inheritWarnings(_ earlier: [ExportWarning]) {
        log.restart(keepingItemsBefore: items.skipItemsBefore, of: earlier)
    }

    /// Numbers the next item `index`: a batch of the parallel walk starts at its first item's index.
    mutating func setNextItemIndex(_ index: Int) {
        itemCount = index
    }

    /// Takes in what a worker made of a batch of items: the items, queued after those ready,
    /// its warnings, after those so far, and its count.
    mutating func absorb(_ batch: consuming BatchResult) {
        log.append(batch.warnings, count: batch.warningCount)
        itemCount += batch.itemCount
        finished.append(contentsOf: batch.items)
    }

    /// The index of the media item being read, if the walk is inside one.
    var currentItemIndex: Int? {
        if case .inItem = state { itemCount - 1 } else { nil }
    }

    // MARK: - Events

    mutating func startObject(_ tokenizer: Tokenizer) throws(VLExportError) {
        try enter(tokenizer)
        switch state {
        case .inItem:
            items.startObject(tokenizer)
        case .beforeDocument:
            state = .inRoot
        case .expectingInfo:
            infoBuilder.startObject()
            infoStartLocation = tokenizer.tokenStartLocation
            state = .inInfo
        case .inInfo:
            infoBuilder.startObject()
        case .inMediaItems:
            beginItem(isArray: false, tokenizer)
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
        case .inItem:
            items.startArray(tokenizer)
        case .beforeDocument:
            throw notAnExport(found: "an array", tokenizer)
        case .expectingMediaItems:
            sawMediaItems = true
            state = .inMediaItems
        case .expectingInfo:
            try oddShape(KnownKey.info.rawValue, expected: ExpectedShape.object, found: "array", tokenizer)
            state = .skippingValue(depth: 1)
        case .inInfo:
            infoBuilder.startArray()
        case .inMediaItems:
            try oddShape(ItemPath.mediaItem(itemCount), expected: ExpectedShape.mediaItem, found: "array", tokenizer)
            beginItem(isArray: true, tokenizer)
        case .skippingValue(let depth):
            state = .skippingValue(depth: depth + 1)
        case .inRoot, .afterDocument:
            preconditionFailure("yajl reported a value where a key or the end belongs")
        }
    }

    mutating func endObject(_ tokenizer: Tokenizer) throws(VLExportError) {
        depth -= 1
        switch state {
        case .inItem:
            if try items.endObject(tokenizer, into: &finished, &log) { state = .inMediaItems }
        case .inRoot:
            state = .afterDocument
            try finishDocument(tokenizer)
        case .inInfo:
            if case .object(let object)? = infoBuilder.end() { try finishInfo(object) }
        case .skippingValue(let depth):
            state = depth == 1 ? .inRoot : .skippingValue(depth: depth - 1)
        default:
            preconditionFailure("yajl closed an object that was not open")
        }
    }

    mutating func endArray(_ tokenizer: Tokenizer) throws(VLExportError) {
        depth -= 1
        switch state {
        case .inItem:
            if try items.endArray(tokenizer, into: &finished) { state = .inMediaItems }
        case .inMediaItems:
            state = .inRoot
        case .inInfo:
            _ = infoBuilder.end()
        case .skippingValue(let depth):
            state = depth == 1 ? .inRoot : .skippingValue(depth: depth - 1)
        default:
            preconditionFailure("yajl closed an array that was not open")
        }
    }

    mutating func key(_ bytes: UnsafeRawBufferPointer, _ tokenizer: Tokenizer) {
        switch state {
        case .inItem:
            items.key(bytes)
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
        default:
            break
        }
    }

    /// A string, number, boolean or null; its value is built only where it is kept.
    mutating func scalar(_ token: ScalarToken, _ tokenizer: Tokenizer) throws(VLExportError) {
        switch state {
        case .inItem:
            try items.scalar(token, tokenizer)
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
                try oddShape(KnownKey.info.rawValue, expected: ExpectedShape.object, found: token.value.shortDescription, tokenizer)
            }
            state = .inRoot
        case .expectingMediaItems:
            throw mediaItemsNotAnArray(found: token.value.shortDescription, tokenizer)
        case .inMediaItems:
            try oddShape(ItemPath.mediaItem(itemCount), expected: ExpectedShape.mediaItem, found: token.value.shortDescription, tokenizer)
            itemCount += 1
            items.readScalarItem(index: itemCount - 1, token, tokenizer, into: &finished)
        case .inRoot, .afterDocument:
            preconditionFailure("yajl reported a value where a key or the end belongs")
        }
    }

    /// Called after yajl has read a whole chunk: an item keeps its bytes and checks its size.
    mutating func chunkEnded(_ tokenizer: Tokenizer) throws(VLExportError) {
        if case .inItem = state { try items.chunkEnded(tokenizer) }
    }

    /// Describes where the input ended, for a document that is not complete.
    func truncationMessage() -> String {
        switch state {
        case .beforeDocument: "the input holds no JSON document (it is empty or white space)"
        case .inItem: "the input ends inside \(ItemPath.mediaItem(itemCount - 1))"
        case .inMediaItems:
            itemCount == 0
                ? "the input ends inside \(ItemPath.mediaItems), before its first item"
                : "the input ends inside \(ItemPath.mediaItems), after \(ItemPath.mediaItem(itemCount - 1))"
        case .inInfo, .expectingInfo: "the input ends inside info"
        case .expectingMediaItems: "the input ends before the value of \(ItemPath.mediaItems)"
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

    private mutating func beginItem(isArray: Bool, _ tokenizer: Tokenizer) {
        itemCount += 1
        items.begin(index: itemCount - 1, isArray: isArray, tokenizer)
        state = .inItem
    }

    private mutating func finishInfo(_ object: JSONObject) throws(VLExportError) {
        var read = ExportInfo(json: object)
        if isStrict, let first = read.nonconforming.first {
            throw first.schemaError(pathPrefix: KnownKey.info.rawValue, mediaItemIndex: nil)
        }
        log.warn(about: &read.nonconforming, under: KnownKey.info.rawValue, at: infoStartLocation, mediaItemIndex: nil)
        info = read
        itemCountWhenInfoRead = itemCount
        if let next = itemModeAfterInfo {
            items.mode = next
            itemModeAfterInfo = nil
        }
        state = .inRoot
    }

    /// A part of the export's outline that has another shape than the format's: fatal under a
    /// strict schema, else a warning (the caller keeps or passes over the value).
    private mutating func oddShape(_ path: String, expected: String, found: String, _ tokenizer: Tokenizer) throws(VLExportError) {
        if isStrict {
            throw VLExportError(.schema, "expected \(expected), found \(found)", location: tokenizer.tokenStartLocation, path: path)
        }
        log.warn(ExportWarning(
            .nonconformingValue, "expected \(expected), found \(found)", location: tokenizer.tokenStartLocation,
            path: path, mediaItemIndex: ItemPath.isInMediaItem(path) ? itemCount : nil
        ))
    }

    private mutating func finishDocument(_ tokenizer: Tokenizer) throws(VLExportError) {
        if !sawMediaItems {
            var message = "not a Visual Layer export: the root object has no \(ItemPath.mediaItems) array"
            if !rootKeys.isEmpty {
                message += " (its keys: " + rootKeys.joined(separator: ", ") + (rootKeyCount > rootKeys.count ? ", …)" : ")")
            }
            if rootKeys.contains("images"), rootKeys.contains("annotations") { message += "; it looks like a COCO dataset" }
            if rootKeys.contains(KnownKey.mediaID.rawValue) || rootKeys.contains(KnownKey.metadataItems.rawValue) {
                message += "; it looks like a media item, as in NDJSON of items (one per line), which is not an export"
            }
            throw VLExportError(.schema, message, location: tokenizer.tokenStartLocation, path: "$")
        }
        if let declared = info?.totalMediaItems, declared != itemCount {
            log.warn(ExportWarning(
                .totalMediaItemsMismatch,
                "info.total_media_items says \(declared) but \(ItemPath.mediaItems) holds \(itemCount)"
            ))
        }
    }

    private func mediaItemsNotAnArray(found: String, _ tokenizer: Tokenizer) -> VLExportError {
        VLExportError(
            .schema, "not a Visual Layer export: expected \(ItemPath.mediaItems) to be an array of media items, found \(found)",
            location: tokenizer.tokenStartLocation, path: ItemPath.mediaItems
        )
    }

    private func notAnExport(found: String, _ tokenizer: Tokenizer) -> VLExportError {
        VLExportError(
            .schema, "expected an export object ({\"info\": …, \"media_items\": […]}), found \(found)",
            location: tokenizer.tokenStartLocation, path: "$"
        )
    }
}

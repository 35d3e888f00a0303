/// What the walk makes of each media item.
enum ItemMode: Sendable {
    /// A typed ``MediaItem``.
    case typed
    /// The item's compact JSON bytes, a ``RawMediaItem``.
    case raw
    /// Nothing: the item is counted and passed over.
    case skip
}

/// A finished media item, in the form the walk asked for.
enum ParsedItem {
    case typed(MediaItem)
    case raw(RawMediaItem)
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
struct ExportRouter {
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
    /// Items finished and not yet taken, oldest first; each slot is nil once its item was taken.
    private(set) var ready: [ParsedItem?] = []
    /// The export's `info`, once read.
    private(set) var info: ExportInfo?
    /// Things noticed on the way, for the end of the walk.
    private(set) var warnings: [ExportWarning] = []
    /// How many media items have started so far.
    private(set) var itemCount = 0

    private var infoBuilder = ValueBuilder()
    private var itemBuilder: MediaItemBuilder
    private var sawMediaItems = false

    // The item being read: where it starts, and for a raw item the bytes gathered from earlier chunks.
    private var itemStartOffset = 0
    private var itemStartLocation: SourceLocation?
    private var rawCaptureStart = 0
    private var rawBuffer: [UInt8] = []

    init(options: ReaderOptions, itemMode: ItemMode) {
        maxDepth = options.maxDepth
        maxItemBytes = options.maxItemBytes
        itemBuilder = MediaItemBuilder(selection: options.properties)
        self.itemMode = itemMode
    }

    /// Moves the finished item at `index` out of ``ready``, leaving its slot nil.
    ///
    /// (Copying it out instead would retain every string and array in the item,
    /// and release them all again when the queue is emptied.)
    mutating func takeReady(at index: Int) -> ParsedItem {
        ready[index].take()!
    }

    /// Empties ``ready`` once every item in it was taken, keeping its capacity.
    mutating func clearReady() {
        ready.removeAll(keepingCapacity: true)
    }

    /// The index of the media item being read, if the walk is inside one.
    var currentItemIndex: Int? {
        switch state {
        case .inTypedItem, .inRawItem, .inSkippedItem: itemCount - 1
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
            state = .inInfo
        case .inInfo:
            infoBuilder.startObject()
        case .inMediaItems:
            try beginItem(tokenizer)
        case .inTypedItem:
            itemBuilder.startObject()
        case .inRawItem(let depth):
            state = .inRawItem(depth: depth + 1)
        case .inSkippedItem(let depth):
            state = .inSkippedItem(depth: depth + 1)
        case .skippingValue(let depth):
            state = .skippingValue(depth: depth + 1)
        case .expectingMediaItems:
            throw misplaced("media_items", expected: "array", found: "object", tokenizer)
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
            throw misplaced("info", expected: "object", found: "array", tokenizer)
        case .inInfo:
            infoBuilder.startArray()
        case .inMediaItems:
            throw misplaced("media_items[\(itemCount)]", expected: "a media item object", found: "array", tokenizer)
        case .inTypedItem:
            try Self.locatingErrors(ofItem: itemCount - 1, at: itemStartLocation) { () throws(VLExportError) in try itemBuilder.startArray() }
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
            finishDocument()
        case .inInfo:
            if case .object(let object)? = infoBuilder.end() {
                do throws(VLExportError) {
                    info = try ExportInfo(json: object)
                } catch {
                    throw error.prefixingPath("info")
                }
                if let next = itemModeAfterInfo {
                    itemMode = next
                    itemModeAfterInfo = nil
                }
                state = .inRoot
            }
        case .inTypedItem:
            if try Self.locatingErrors(ofItem: itemCount - 1, at: itemStartLocation, { () throws(VLExportError) in try itemBuilder.endObject() }) {
                ready.append(.typed(itemBuilder.takeItem()))
                state = .inMediaItems
            }
        case .inRawItem(let depth):
            if depth == 1 {
                finishRawItem(tokenizer)
                state = .inMediaItems
            } else {
                state = .inRawItem(depth: depth - 1)
            }
        case .inSkippedItem(let depth):
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
            try Self.locatingErrors(ofItem: itemCount - 1, at: itemStartLocation) { () throws(VLExportError) in try itemBuilder.endArray() }
        case .inRawItem(let depth):
            state = .inRawItem(depth: depth - 1)
        case .inSkippedItem(let depth):
            state = .inSkippedItem(depth: depth - 1)
        case .skippingValue(let depth):
            state = depth == 1 ? .inRoot : .skippingValue(depth: depth - 1)
        default:
            preconditionFailure("yajl closed an array that was not open")
        }
    }

    mutating func key(_ bytes: UnsafeRawBufferPointer, _ tokenizer: Tokenizer) {
        switch state {
        case .inRoot:
            switch KnownKey.match(bytes) {
            case .info?: state = .expectingInfo
            case .mediaItems?: state = .expectingMediaItems
            default: state = .skippingValue(depth: 0)
            }
        case .inInfo:
            infoBuilder.key(bytes)
        case .inTypedItem:
            itemBuilder.key(bytes)
        default:
            break
        }
    }

    /// A string, number, boolean or null; its value is built only where it is kept.
    mutating func scalar(_ token: ScalarToken, _ tokenizer: Tokenizer) throws(VLExportError) {
        switch state {
        case .inTypedItem:
            try Self.locatingErrors(ofItem: itemCount - 1, at: itemStartLocation) { () throws(VLExportError) in try itemBuilder.scalar(token) }
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
            throw misplaced("info", expected: "object", found: token.value.shortDescription, tokenizer)
        case .expectingMediaItems:
            throw misplaced("media_items", expected: "array", found: token.value.shortDescription, tokenizer)
        case .inMediaItems:
            throw misplaced("media_items[\(itemCount)]", expected: "a media item object", found: token.value.shortDescription, tokenizer)
        case .inRoot, .afterDocument:
            preconditionFailure("yajl reported a value where a key or the end belongs")
        }
    }

    /// Called after yajl has read a whole chunk: keeps a raw item's bytes and enforces the size limit.
    mutating func chunkEnded(_ tokenizer: Tokenizer) throws(VLExportError) {
        switch state {
        case .inRawItem:
            let chunk = tokenizer.currentChunk
            rawBuffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[rawCaptureStart...]))
            rawCaptureStart = 0
        case .inTypedItem, .inSkippedItem:
            break
        default:
            return
        }
        let itemBytes = tokenizer.chunkStartOffset + tokenizer.currentChunk.count - itemStartOffset
        if itemBytes > maxItemBytes {
            throw VLExportError(
                .sizeLimit,
                "media item is larger than the limit of \(maxItemBytes) bytes (see maxItemBytes)",
                location: itemStartLocation,
                path: "media_items[\(itemCount - 1)]",
                mediaItemIndex: itemCount - 1
            )
        }
    }

    /// Describes where the input ended, for a document that is not complete.
    func truncationMessage() -> String {
        switch state {
        case .beforeDocument: "the input holds no JSON document (it is empty or white space)"
        case .inTypedItem, .inRawItem, .inSkippedItem: "the input ends inside media_items[\(itemCount - 1)]"
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

    private mutating func beginItem(_ tokenizer: Tokenizer) throws(VLExportError) {
        let index = itemCount
        itemCount += 1
        let braceIndex = tokenizer.tokenEndIndex - 1
        itemStartOffset = tokenizer.chunkStartOffset + braceIndex
        itemStartLocation = tokenizer.location(ofChunkIndex: braceIndex)
        switch itemMode {
        case .typed:
            itemBuilder.begin(index: index)
            state = .inTypedItem
        case .raw:
            rawCaptureStart = braceIndex
            rawBuffer.removeAll(keepingCapacity: true)
            state = .inRawItem(depth: 1)
        case .skip:
            state = .inSkippedItem(depth: 1)
        }
    }

    private mutating func finishRawItem(_ tokenizer: Tokenizer) {
        let chunk = tokenizer.currentChunk
        let end = tokenizer.tokenEndIndex
        let json: [UInt8]
        if rawBuffer.isEmpty {
            json = JSONCompactor.compacted(UnsafeRawBufferPointer(rebasing: chunk[rawCaptureStart..<end]))
        } else {
            rawBuffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<end]))
            json = rawBuffer.withUnsafeBytes { JSONCompactor.compacted($0) }
            rawBuffer.removeAll(keepingCapacity: rawBuffer.capacity <= 1 << 20)
        }
        ready.append(.raw(RawMediaItem(index: itemCount - 1, json: json, location: itemStartLocation)))
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

    private mutating func finishDocument() {
        if !sawMediaItems {
            warnings.append(ExportWarning(.missingMediaItems, "the export has no media_items array"))
        }
        if let declared = info?.totalMediaItems, declared != itemCount {
            warnings.append(ExportWarning(
                .totalMediaItemsMismatch,
                "info.total_media_items says \(declared) but media_items holds \(itemCount)"
            ))
        }
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

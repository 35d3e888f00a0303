/// Reads one media item from the events inside it, in the form the walk asks for, and queues
/// it when it closes: a typed ``MediaItem`` (``MediaItemBuilder``, with the item's bytes for a
/// typed item with its JSON), its normalized JSON (``NormalizedItemWriter``), its bytes
/// (``ItemBytes``), or nothing (a depth count, for an item passed over).
///
/// The ``ExportRouter`` keeps the outline and hands each event inside an item here; an item
/// too large for the limit, or a value a strict schema refuses, is a thrown, located error.
struct ItemReader: ~Copyable {
    private enum Reading {
        case typed
        /// Written in its normalized form as its events come.
        case normalized
        /// Counted by ``depth`` to its end and kept as its bytes: a raw item, or in any mode an
        /// element of `media_items` that is an array rather than an object.
        case kept
        /// Counted by ``depth`` to its end, and passed over.
        case passedOver
    }

    private var reading = Reading.passedOver
    /// The containers of a ``Reading/kept`` or ``Reading/passedOver`` item open now, its own included.
    private var depth = 0
    /// What the next item that starts becomes.
    var mode: ItemMode
    /// What the item being read becomes: ``mode``, or `.skip` for an item read before.
    private var itemMode = ItemMode.skip
    /// Items with a smaller index are passed over whatever ``mode`` says: a walk read again
    /// from the start skips the items it handed out before.
    var skipItemsBefore = 0
    private let isStrict: Bool
    private let maxItemBytes: Int
    /// The walk's options, for an item the normalized writer gives up on, which is read again typed.
    private let options: ReaderOptions
    private var builder: MediaItemBuilder
    private var writer = NormalizedItemWriter()
    /// The item's bytes, when kept.
    var bytes = ItemBytes()
    /// The index of the item being read.
    private(set) var index = 0
    /// Where the item starts: its offset, and its location.
    private var startOffset = 0
    private var startLocation: SourceLocation?
    /// Whether the item is an element of `media_items` that is an array rather than an object.
    private var isArray = false
    /// Items the normalized writer gave up on, read again typed: for tests and measurements.
    private(set) var itemsReadAgain = 0

    init(options: ReaderOptions, mode: ItemMode) {
        isStrict = options.schema == .strict
        maxItemBytes = options.maxItemBytes
        builder = MediaItemBuilder(selection: options.properties, schema: options.schema)
        self.options = options
        self.mode = mode
    }

    /// Starts item `index`, whose opening brace (or, for an element that is an array, bracket)
    /// was just read.
    mutating func begin(index: Int, isArray: Bool, _ tokenizer: Tokenizer) {
        self.index = index
        self.isArray = isArray
        let braceIndex = tokenizer.tokenEndIndex - 1
        startOffset = tokenizer.chunkStartOffset + braceIndex
        startLocation = tokenizer.location(ofChunkIndex: braceIndex)
        itemMode = index < skipItemsBefore ? .skip : mode
        switch itemMode {
        case .normalized where !isArray && !isStrict:
            writer.begin()
            bytes.begin(atChunkIndex: braceIndex)
            reading = .normalized
        case .typed where !isArray, .typedAndRaw where !isArray, .normalized where !isArray:
            builder.begin(index: index, tracksKeys: itemMode == .typedAndRaw)
            if itemMode == .typedAndRaw { bytes.begin(atChunkIndex: braceIndex) }
            reading = .typed
        case .raw, .typed, .typedAndRaw, .normalized:
            bytes.begin(atChunkIndex: braceIndex)
            reading = .kept
            depth = 1
        case .skip:
            reading = .passedOver
            depth = 1
        }
    }

    /// Queues item `index`, an element of `media_items` that is a string, number, boolean or
    /// null (already warned about): an item of its own, kept as written, so that every later
    /// item keeps its index.
    mutating func readScalarItem(index: Int, _ token: ScalarToken, _ tokenizer: Tokenizer, into finished: inout FinishedItems) {
        self.index = index
        startLocation = tokenizer.tokenStartLocation
        itemMode = index < skipItemsBefore ? .skip : mode
        guard itemMode != .skip else { return }
        let raw = RawMediaItem(index: index, json: token.value.compactJSON, location: startLocation)
        if itemMode == .raw {
            finished.append(.raw(raw))
        } else {
            queueUnreadable(MediaItem.unreadable(index: index, value: token.value, location: startLocation), raw: raw, into: &finished)
        }
    }

    @inline(__always)
    mutating func startObject(_ tokenizer: Tokenizer) {
        switch reading {
        case .typed: builder.startObject(tokenizer)
        case .normalized: writer.startObject()
        case .kept, .passedOver: depth += 1
        }
    }

    @inline(__always)
    mutating func startArray(_ tokenizer: Tokenizer) {
        switch reading {
        case .typed: builder.startArray(tokenizer)
        case .normalized: writer.startArray()
        case .kept, .passedOver: depth += 1
        }
    }

    /// Returns true when the object closed is the item, which is then queued.
    @inline(__always)
    mutating func endObject(_ tokenizer: Tokenizer, into finished: inout FinishedItems, _ log: inout WarningLog) throws(VLExportError) -> Bool {
        switch reading {
        case .typed:
            guard try Self.locatingErrors(ofItem: index, at: startLocation, { () throws(VLExportError) in try builder.endObject(tokenizer) }) else { return false }
            try checkSize(upTo: Self.tokenEnd(tokenizer))
            if !builder.item.nonconforming.isEmpty {
                var values = builder.item.nonconforming
                log.warn(about: &values, under: ItemPath.mediaItem(index), at: startLocation, mediaItemIndex: index)
                builder.item.nonconforming = values
            }
            // The item goes from the builder into the queue in one expression: no copy of it is made.
            switch itemMode {
            case .normalized:
                finished.append(.normalized(builder.takeItem().normalizedJSONBytes))
            case .typedAndRaw:
                var raw = RawMediaItem(index: index, json: bytes.takeJSON(tokenizer), location: startLocation)
                raw.keysAreKnownDistinct = builder.keysAreKnownDistinct
                finished.append(.typedAndRaw(builder.takeItem(), raw))
            default:
                finished.append(.typed(builder.takeItem()))
            }
            return true
        case .normalized:
            guard writer.endObject() else { return false }
            try checkSize(upTo: Self.tokenEnd(tokenizer))
            try queueNormalized(tokenizer, into: &finished, &log)
            return true
        case .kept, .passedOver:
            return try closeCountedLevel(tokenizer, into: &finished)
        }
    }

    /// Returns true when the array closed is the item, which is then queued.
    @inline(__always)
    mutating func endArray(_ tokenizer: Tokenizer, into finished: inout FinishedItems) throws(VLExportError) -> Bool {
        switch reading {
        case .typed:
            try Self.locatingErrors(ofItem: index, at: startLocation) { () throws(VLExportError) in try builder.endArray(tokenizer) }
            return false
        case .normalized:
            writer.endArray()
            return false
        case .kept, .passedOver:
            return try closeCountedLevel(tokenizer, into: &finished)
        }
    }

    /// Closes a level of an item counted by depth; true at the item's own, which is then queued
    /// if its bytes are kept.
    @inline(__always)
    private mutating func closeCountedLevel(_ tokenizer: Tokenizer, into finished: inout FinishedItems) throws(VLExportError) -> Bool {
        depth -= 1
        guard depth == 0 else { return false }
        try finishCounted(tokenizer, into: &finished)
        return true
    }

    /// Ends an item counted by depth: checks its size and queues its bytes, if kept.
    private mutating func finishCounted(_ tokenizer: Tokenizer, into finished: inout FinishedItems) throws(VLExportError) {
        try checkSize(upTo: Self.tokenEnd(tokenizer))
        guard reading == .kept else { return }
        let raw = RawMediaItem(index: index, json: bytes.takeJSON(tokenizer), location: startLocation)
        if isArray, itemMode != .raw {
            // An array where an item belongs, in a typed walk: an item whose only value is itself.
            let value = (try? JSONValue(parsing: raw.json)) ?? .array([])
            queueUnreadable(MediaItem.unreadable(index: index, value: value, location: startLocation), raw: raw, into: &finished)
        } else {
            finished.append(.raw(raw))
        }
    }

    @inline(__always)
    mutating func key(_ bytes: UnsafeRawBufferPointer) {
        switch reading {
        case .typed: builder.key(bytes)
        case .normalized: writer.key(bytes)
        case .kept, .passedOver: break
        }
    }

    /// A string, number, boolean or null inside the item.
    @inline(__always)
    mutating func scalar(_ token: ScalarToken, _ tokenizer: Tokenizer) throws(VLExportError) {
        switch reading {
        case .typed:
            try Self.locatingErrors(ofItem: index, at: startLocation) { () throws(VLExportError) in try builder.scalar(token, tokenizer) }
        case .normalized:
            // yajl hands over a string without escapes where it stands in the input, and one it
            // unescaped from a buffer of its own: bytes in the chunk need no escaping.
            var escapeFree = false
            if case .string(let bytes) = token, let start = bytes.baseAddress, let chunk = tokenizer.currentChunk.baseAddress {
                escapeFree = start >= chunk && start + bytes.count <= chunk + tokenizer.currentChunk.count
            }
            writer.scalar(token, escapeFree: escapeFree)
        case .kept, .passedOver:
            break
        }
    }

    /// Keeps the item's bytes in the chunk that has ended, and enforces the size limit.
    mutating func chunkEnded(_ tokenizer: Tokenizer) throws(VLExportError) {
        switch reading {
        case .typed:
            builder.chunkEnded(tokenizer)
            if itemMode == .typedAndRaw { bytes.keepChunkTail(tokenizer) }
        case .normalized, .kept:
            bytes.keepChunkTail(tokenizer)
        case .passedOver:
            break
        }
        try checkSize(upTo: tokenizer.chunkStartOffset + tokenizer.currentChunk.count)
    }

    /// Queues an item that is not an object (already warned about), with its bytes in a walk of
    /// both, or written in its normalized form in a normalized walk.
    private func queueUnreadable(_ item: consuming MediaItem, raw: RawMediaItem, into finished: inout FinishedItems) {
        switch itemMode {
        case .normalized: finished.append(.normalized(item.normalizedJSONBytes))
        case .typedAndRaw: finished.append(.typedAndRaw(item, raw))
        default: finished.append(.typed(item))
        }
    }

    /// Queues the item the normalized writer has just closed: its output, or, when the writer
    /// gave up on it, the normalized form of the typed item read again from its bytes.
    private mutating func queueNormalized(_ tokenizer: Tokenizer, into finished: inout FinishedItems, _ log: inout WarningLog) throws(VLExportError) {
        guard writer.gaveUp else {
            bytes.drop()
            if !finished.collectNormalized(from: &writer) { finished.append(.normalized(writer.takeOutput())) }
            return
        }
        let item = try typedItemReadAgain(from: bytes.take(tokenizer, compacting: false), &log)
        itemsReadAgain += 1
        finished.append(.normalized(item.normalizedJSONBytes))
    }

    /// The item just read, built typed from its bytes (as they stand in the input, white space
    /// and all) by a parser placed where the item starts, so that its values, warnings and their
    /// locations are the typed walk's. Its warnings are added to the walk's.
    private func typedItemReadAgain(from bytes: [UInt8], _ log: inout WarningLog) throws(VLExportError) -> MediaItem {
        // Set when the item began.
        let start = startLocation!
        let place = InputPlace(
            offset: start.offset, line: start.line, lineStart: start.offset - (start.column - 1), precedingBytes: [], firstItemIndex: index
        )
        let parser = ExportParser(batchOf: options, itemMode: .typed, at: place, expectedItems: 1, isCompact: false)
        bytes.withUnsafeBytes { parser.feed($0) }
        // The bracket brings out the item, as the comma after it would.
        Self.closingBracket.withUnsafeBytes { parser.feed($0) }
        var result = parser.batchResult()
        if let failure = result.failure { throw failure }
        log.append(result.warnings, count: result.warningCount)
        guard result.items.count == 1, case .typed(let item)? = result.items[0].take() else {
            preconditionFailure("an item yajl has read whole is read again as one typed item")
        }
        return item
    }

    private static let closingBracket: [UInt8] = [UInt8(ascii: "]")]

    /// Throws when the item, from its start to `end`, is larger than the limit. Checked at the
    /// end of each chunk the item goes on past (so memory stays bounded) and where the item ends
    /// (so the limit does not depend on how the input was cut).
    @inline(__always)
    private func checkSize(upTo end: Int) throws(VLExportError) {
        guard end - startOffset > maxItemBytes else { return }
        throw Self.itemTooLarge(limit: maxItemBytes, location: startLocation, index: index)
    }

    private static func itemTooLarge(limit: Int, location: SourceLocation?, index: Int) -> VLExportError {
        VLExportError(
            .sizeLimit, "media item is larger than the limit of \(limit) bytes (see maxItemBytes)",
            location: location, path: ItemPath.mediaItem(index), mediaItemIndex: index
        )
    }

    /// The offset just past the token being reported: where an item that ends with it ends.
    private static func tokenEnd(_ tokenizer: Tokenizer) -> Int {
        tokenizer.chunkStartOffset + tokenizer.tokenEndIndex
    }

    /// Runs a step of a typed item, placing any schema error at the item.
    private static func locatingErrors<T>(
        ofItem index: Int, at location: SourceLocation?, _ body: () throws(VLExportError) -> T
    ) throws(VLExportError) -> T {
        do throws(VLExportError) {
            return try body()
        } catch {
            var located = error.prefixingPath(ItemPath.mediaItem(index))
            located.location = located.location ?? location
            located.mediaItemIndex = index
            throw located
        }
    }
}

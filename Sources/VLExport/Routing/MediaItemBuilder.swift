/// Builds one typed ``MediaItem`` from the events inside it.
///
/// The shape the format fixes, an item object holding a `metadata_items`
/// array of objects that each hold a `properties` object, is walked by a
/// small state machine over ``BuilderContext``s. When a key is read, a table
/// lookup decides which typed property its value goes to in the current
/// context (``PropertySlot``); a string or number then lands there straight
/// from the tokenizer's bytes, with no ``JSONValue`` or field in between.
/// A metadata item's properties are read into the typed value of its kind
/// when the item names its type before them, as every real export does; an
/// object label's own `metadata_items` is walked the same way, one level
/// deeper.
///
/// Everything else takes the general path: a value of an unexpected kind
/// (a numeric string for a confidence, `null`, a wrong type), a container
/// (a box, an unknown object), or properties that come before their type
/// become a ``Field`` and go through the same conversions as a value read
/// whole, so both paths give the same values. A value that cannot be read as
/// its kind is kept among the other fields, recorded with its path and
/// location in the item's ``MediaItem/nonconforming`` list, and the walk goes
/// on; under ``ReaderOptions/SchemaPolicy/strict`` it is a thrown schema
/// error instead. Scratch values and buffers are reused from item to item.
///
/// The per-field code (which slot a key goes to, how a scalar lands in its
/// property) is generated from the format's declaration: see
/// `Generated/Format.swift`.
///
/// Under a ``PropertySelection`` that leaves a key out, the key's slot is
/// ``PropertySlot/skipped``: a scalar is dropped, and a container is passed
/// over by ``ValueBuilder/startSkipping()``, which only counts its depth.
struct MediaItemBuilder: ~Copyable {
    struct Frame {
        var context: BuilderContext
        var depth: Int
        /// The ``keyFilter`` of the object this frame's context was opened in.
        var keyFilter: UInt64
    }

    /// The shared tables, with this builder's own ``ShortStrings``.
    let vocabulary: Vocabulary
    let slotTable: SlotTable
    let selection: PropertySelection
    let isStrict: Bool

    /// Where the builder is, and the metadata depth (0 for the item's own metadata, 1 for an object's…).
    var context = BuilderContext.item
    var depth = 0
    /// The contexts around the current one.
    var stack = GrowableStack<Frame>()
    /// The keys read so far in the open typed object, one bit each: a known key's bit is its
    /// index in ``KnownKey/ordered``, the other keys share the bits above
    /// (see ``keyBit(index:_:)``).
    var keyFilter: UInt64 = 0
    /// Whether two keys of one typed object of this item set the same bit: maybe a repeated key.
    var keyBitsCollided = false
    /// Whether this item's keys go through ``keyFilter``: only when its bytes are kept too,
    /// for ``RawMediaItem/duplicateKeyPaths()`` (a typed walk alone need not pay for the filter).
    var tracksKeys = false
    /// Builds values the typed model keeps as JSON (and containers it converts whole).
    var generic = ValueBuilder()

    /// The member whose key was read last: where its value goes, and its key.
    struct PendingMember {
        var slot = PropertySlot.other
        /// The key's index in ``KnownKey/ordered``, or -1 for an unknown key…
        var keyIndex = -1
        /// …whose name is then kept here.
        var name = ""

        var key: FieldKey {
            keyIndex < 0 ? .other(name) : .known(KnownKey.ordered[keyIndex])
        }
    }

    /// The `bbox` being read: its numbers, and where its opening bracket stands.
    struct BoxReading {
        var numbers: [JSONNumber] = []
        /// The offset of the `[`; a location is worked out from it only if the box turns out odd.
        var startOffset = 0
        /// The location of that `[`, worked out when the box goes on past the chunk it began in.
        var startLocationBeforeChunk: SourceLocation?

        mutating func start(atOffset offset: Int) {
            numbers.removeAll(keepingCapacity: true)
            startOffset = offset
            startLocationBeforeChunk = nil
        }

        /// Where the box began.
        func startLocation(_ tokenizer: Tokenizer) -> SourceLocation? {
            let index = startOffset - tokenizer.chunkStartOffset
            return index >= 0 ? tokenizer.location(ofChunkIndex: index) : startLocationBeforeChunk
        }

        /// The box, when it is four finite numbers.
        var box: BoundingBox? {
            guard numbers.count == 4 else { return nil }
            let x = numbers[0].doubleValue, y = numbers[1].doubleValue
            let width = numbers[2].doubleValue, height = numbers[3].doubleValue
            guard x.isFinite, y.isFinite, width.isFinite, height.isFinite else { return nil }
            return BoundingBox(x: x, y: y, width: width, height: height)
        }
    }

    var pending = PendingMember()
    /// Where the value of the member whose key was read last goes.
    var pendingSlot: PropertySlot { pending.slot }
    var boxReading = BoxReading()

    /// Where the generic container being built began, for a value that turns out not to conform.
    var genericStartLocation: SourceLocation?

    /// The item being read; moved out, leaving every property empty, when it closes.
    var item = MediaItem(index: 0)
    /// What is being read at each depth of metadata.
    private(set) var levels = MetadataLevelStorage()
    /// The values of this item that could not be read, paths relative to the item.
    var log = NonconformingLog()

    /// A builder that reads what `selection` selects, and throws at the first odd value when `schema` is strict.
    init(selection: PropertySelection = .all, schema: ReaderOptions.SchemaPolicy = .tolerant) {
        self.selection = selection
        isStrict = schema == .strict
        slotTable = .table(for: selection)
        var vocabulary = Vocabulary.shared
        vocabulary.shortStrings = .allocate()
        self.vocabulary = vocabulary
    }

    deinit {
        vocabulary.shortStrings?.deallocate()
    }

    /// Starts a new item; the caller has seen its opening brace. With `tracksKeys`, the builder
    /// notes whether the item's keys repeat (``keysAreKnownDistinct``).
    mutating func begin(index: Int, tracksKeys: Bool) {
        context = .item
        depth = 0
        stack.removeAll()
        generic.reset()
        generic.keysMayRepeat = false
        keyFilter = 0
        keyBitsCollided = false
        self.tracksKeys = tracksKeys
        _ = log.take()
        item.index = index
    }

    /// True when the item just read had its keys tracked, every key was seen (none passed
    /// over unread) and no object held one twice: what ``RawMediaItem/duplicateKeyPaths()``
    /// would otherwise scan the item's bytes for. False means maybe.
    var keysAreKnownDistinct: Bool { tracksKeys && !keyBitsCollided && !generic.keysMayRepeat }

    /// The bit of ``keyFilter`` that stands for a key: its own for a known key, one of those
    /// above the known keys' bits, by its length and last byte, for any other.
    @inline(__always)
    static func keyBit(index: Int, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        if index >= 0 { return 1 << UInt64(index) }
        let shared = 64 - KnownKey.ordered.count
        let last = bytes.isEmpty ? 0 : Int(bytes[bytes.count - 1])
        return 1 << UInt64(KnownKey.ordered.count + (bytes.count &+ last * 7) % shared)
    }

    // MARK: - Events

    mutating func key(_ bytes: UnsafeRawBufferPointer) {
        if generic.isBuilding {
            generic.key(bytes)
            return
        }
        let index = vocabulary.keys.index(of: bytes)
        pending.keyIndex = index
        if tracksKeys {
            let bit = Self.keyBit(index: index, bytes)
            if keyFilter & bit != 0 { keyBitsCollided = true }
            keyFilter |= bit
        }
        if index >= 0 {
            pending.slot = slotTable.slot(index, in: context)
            return
        }
        pending.name = String(decoding: bytes, as: UTF8.self)
        pending.slot = slotTable.slot(index, in: context)
        // The table skips unknown keys when other fields are not kept; the selection may still name this one.
        if pending.slot == .skipped, selection.keepsOtherField(named: pending.name) { pending.slot = .other }
    }

    /// The value of a metadata item's `type` or `metadata_type`, from the generated ``scalar(_:_:)``;
    /// false for a value the general path judges (not a string, or a second type after typed properties).
    ///
    /// `@_transparent` because `@inline(__always)` is not honoured across the generated file here,
    /// and every metadata item's type comes here.
    @_transparent
    mutating func readMetadataType(_ token: ScalarToken) -> Bool {
        guard case .string(let bytes) = token else { return false }
        let level = levels.base + depth
        let index = vocabulary.metadataKinds.index(of: bytes)
        let kind = index >= 0 ? vocabulary.metadataKindValues[index] : nil
        if let typedKind = level.pointee.typedKind, kind != typedKind { return false }
        if let kind {
            level.pointee.kind = kind
            level.pointee.typeName = vocabulary.metadataKindNames[index]
        } else {
            level.pointee.kind = nil
            level.pointee.typeName = String(decoding: bytes, as: UTF8.self)
        }
        level.pointee.typeKey = pending.slot == .type ? .type : .metadataType
        return true
    }

    /// A scalar in an object label's `bbox` slot, from the generated ``scalar(_:_:)``: a number of the
    /// array being read; false for anything else where no box is open (null, a string), which the
    /// general path judges.
    @_transparent
    mutating func readBoxElement(_ token: ScalarToken, _ tokenizer: Tokenizer) -> Bool {
        guard context == .boundingBox else { return false }
        if case .number(let text) = token, boxReading.numbers.count < 4 {
            boxReading.numbers.append(JSONNumber(bytes: text))
        } else {
            spillBoundingBox(tokenizer)
            generic.add(token)
        }
        return true
    }

    mutating func startObject(_ tokenizer: Tokenizer) {
        if !generic.isBuilding {
            switch context {
            case .metadataList:
                push(.metadataItem, depth: depth)
                levels.base[depth].startItem()
                return
            case .boundingBox:
                spillBoundingBox(tokenizer)
            case .metadataItem where pendingSlot == .properties:
                let level = levels.base + depth
                if let kind = level.pointee.kind {
                    level.pointee.startTypedProperties(kind)
                    push(BuilderContext(properties: kind), depth: depth)
                } else {
                    level.pointee.startFieldProperties()
                    push(.fieldProperties, depth: depth)
                }
                return
            default:
                guard startsUndeclaredValue(tokenizer) else { return }
            }
        }
        generic.startObject()
    }

    mutating func startArray(_ tokenizer: Tokenizer) {
        if !generic.isBuilding {
            switch context {
            case .item where pendingSlot == .itemMetadataItems:
                push(.metadataList, depth: 0)
                levels.base[0].list.removeAll()
                return
            case .objectLabel where pendingSlot == .objectLabelMetadataItems:
                levels.reserve(depth + 2)
                push(.metadataList, depth: depth + 1)
                levels.base[depth].list.removeAll()
                return
            case .objectLabel where pendingSlot == .objectLabelBoundingBox:
                boxReading.start(atOffset: tokenizer.chunkStartOffset + tokenizer.tokenEndIndex - 1)
                push(.boundingBox, depth: depth)
                return
            case .boundingBox:
                spillBoundingBox(tokenizer)
            default:
                guard startsUndeclaredValue(tokenizer) else { return }
            }
        }
        generic.startArray()
    }

    /// Begins a container the typed form has no place for: false when the selection leaves its
    /// key out, and it is passed over; true when it is to be built as a general value from here.
    @inline(__always)
    private mutating func startsUndeclaredValue(_ tokenizer: Tokenizer) -> Bool {
        if pendingSlot == .skipped {
            generic.startSkipping()
            return false
        }
        genericStartLocation = tokenizer.tokenStartLocation
        return true
    }

    /// Closes an object; true when it was the item's own closing brace, and the item is ready for ``takeItem()``.
    ///
    /// (Returning the item itself as an optional would copy a `MediaItem`-sized
    /// nil out of every object's end.)
    @inline(__always)
    mutating func endObject(_ tokenizer: Tokenizer) throws(VLExportError) -> Bool {
        if generic.isBuilding {
            if let value = generic.end() { try deliver(Field(key: pendingKey, value: value, location: genericStartLocation), tokenizer) }
            return false
        }
        switch context {
        case .item:
            item.nonconforming = log.take()
            return true
        case .metadataItem:
            try finishMetadataItem()
        case .issue, .userTag, .imageLabel, .objectLabel, .videoInfo, .caption, .fieldProperties:
            break
        case .metadataList, .boundingBox:
            preconditionFailure("yajl closed an array with a brace")
        }
        pop()
        return false
    }

    /// The item whose closing brace ``endObject()`` reported, moved out.
    mutating func takeItem() -> MediaItem {
        swappedOut(&item)
    }

    mutating func endArray(_ tokenizer: Tokenizer) throws(VLExportError) {
        if generic.isBuilding {
            if let value = generic.end() { try deliver(Field(key: pendingKey, value: value, location: genericStartLocation), tokenizer) }
            return
        }
        if context == .boundingBox {
            pop()
            try finishBoundingBox(tokenizer)
            return
        }
        guard context == .metadataList else {
            preconditionFailure("yajl closed an object with a bracket")
        }
        let list = levels.base[depth].list.takeAll()
        if depth == 0 {
            item.metadataItems = list
        } else {
            // An object's own metadata, closed: it belongs to the object label one level up.
            levels.base[depth - 1].objectLabel.metadataItems = list
        }
        pop()
    }
}

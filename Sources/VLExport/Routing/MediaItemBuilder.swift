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
    private struct Frame {
        var context: BuilderContext
        var depth: Int
        /// The ``keyFilter`` of the object this frame's context was opened in.
        var keyFilter: UInt64
    }

    /// The shared tables, with this builder's own ``ShortStrings``.
    let vocabulary: Vocabulary
    private let slotTable: SlotTable
    private let selection: PropertySelection
    private let isStrict: Bool

    /// Where the builder is, and the metadata depth (0 for the item's own metadata, 1 for an object's…).
    private var context = BuilderContext.item
    private(set) var depth = 0
    /// The contexts around the current one.
    private var stack = ReusedBuffer<Frame>()
    /// The keys read so far in the open typed object, one bit each: a known key's bit is its
    /// index in ``KnownKey/ordered``, the other keys share the bits above
    /// (see ``keyBit(index:_:)``).
    private var keyFilter: UInt64 = 0
    /// Whether two keys of one typed object of this item set the same bit: maybe a repeated key.
    private var keyBitsCollided = false
    /// Whether this item's keys go through ``keyFilter``: only when its bytes are kept too,
    /// for ``RawMediaItem/duplicateKeyPaths()`` (the filter costs about 1% of a typed walk).
    private var tracksKeys = false
    /// Builds values the typed model keeps as JSON (and containers it converts whole).
    var generic = ValueBuilder()

    /// The member whose key was read last: where its value goes, and its key.
    private struct PendingMember {
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
    private struct BoxReading {
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

    private var pending = PendingMember()
    /// Where the value of the member whose key was read last goes.
    var pendingSlot: PropertySlot { pending.slot }
    private var boxReading = BoxReading()

    /// Where the generic container being built began, for a value that turns out not to conform.
    private var genericStartLocation: SourceLocation?

    /// The item being read; moved out, leaving every property empty, when it closes.
    var item = MediaItem(index: 0)
    /// What is being read at each depth of metadata.
    private(set) var levels = MetadataLevelStorage()
    /// The values of this item that could not be read, paths relative to the item.
    private var log = NonconformingLog()

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
    private static func keyBit(index: Int, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
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
    /// `@_transparent` because `@inline(__always)` was not honoured across the generated file here
    /// (callgrind: 16 M instructions of calls per 30 MB); every metadata item's type comes here.
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
                if pendingSlot == .skipped {
                    generic.startSkipping()
                    return
                }
                genericStartLocation = tokenizer.tokenStartLocation
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
                if pendingSlot == .skipped {
                    generic.startSkipping()
                    return
                }
                genericStartLocation = tokenizer.tokenStartLocation
            }
        }
        generic.startArray()
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

    // MARK: - The general path

    /// The key of the member whose value comes next.
    private var pendingKey: FieldKey { pending.key }

    /// The member whose value is `token`, as a field.
    func pendingField(_ token: ScalarToken) -> Field {
        Field(key: pendingKey, value: token.value)
    }

    /// Hands a member to the object it belongs to, through the conversions of the declaration.
    ///
    /// A value that cannot be read is kept among the other fields and recorded, located at the
    /// field's own location, else at the token being read.
    mutating func deliver(_ field: Field, _ tokenizer: Tokenizer) throws(VLExportError) {
        let level = levels.base + depth
        let start = log.count
        var field = field
        switch context {
        case .item:
            item.take(field, &log)
        case .metadataItem:
            level.pointee.takeMember(field, &log)
        case .issue, .userTag, .imageLabel, .objectLabel, .videoInfo, .caption:
            let kind = level.pointee.typedKind!
            if !level.pointee.applyTypedProperty(field, kind: kind, &log) {
                level.pointee.keepOtherProperty(field, kind: kind)
            }
            log.prefixPaths(from: start, with: "properties")
        case .fieldProperties:
            // Converted when the metadata item closes: keep where the value stands for then.
            if field.location == nil { field.location = tokenizer.tokenStartLocation }
            level.pointee.propertyFields.append(field)
        case .metadataList:
            // An element of metadata_items that is no object: kept in place, as written.
            log.record(path: "", expected: ExpectedShape.metadataItem, value: field.value, location: field.location)
            level.pointee.list.append(MetadataItem(type: "", typeKey: .type, content: .unreadable(field.value)))
            try settle(from: start, at: tokenizer, pathPrefix: metadataPath(position: level.pointee.list.count - 1))
            return
        case .boundingBox:
            preconditionFailure("a bounding box is read whole or spilled before anything is delivered")
        }
        if log.count > start {
            try settle(from: start, at: tokenizer, pathPrefix: context == .item ? "" : metadataPath(position: level.pointee.list.count))
        }
    }

    /// Locates and prefixes the values recorded since `start`; under a strict schema, throws the first.
    private mutating func settle(from start: Int, at tokenizer: Tokenizer?, pathPrefix: String) throws(VLExportError) {
        guard log.count > start else { return }
        log.prefixPaths(from: start, with: pathPrefix)
        if let tokenizer { log.locate(from: start, at: tokenizer.tokenStartLocation) }
        if isStrict {
            throw log.values[start].schemaError(pathPrefix: "", mediaItemIndex: nil)
        }
    }

    /// A `bbox` of four finite numbers becomes the box; anything else goes the general path.
    private mutating func finishBoundingBox(_ tokenizer: Tokenizer) throws(VLExportError) {
        if let box = boxReading.box {
            levels.base[depth].objectLabel.boundingBox = box
            return
        }
        try deliver(Field(key: pendingKey, value: .array(boxReading.numbers.map(JSONValue.number)), location: boxReading.startLocation(tokenizer)), tokenizer)
    }

    /// Called when yajl has read the whole chunk: a `bbox` that goes on into the next chunk has
    /// its start located now, while its bytes are at hand.
    mutating func chunkEnded(_ tokenizer: Tokenizer) {
        if context == .boundingBox, boxReading.startLocationBeforeChunk == nil {
            boxReading.startLocationBeforeChunk = boxReading.startLocation(tokenizer)
        }
    }

    /// The `bbox` turned out not to be plain numbers: what was read so far becomes the start of a
    /// generic array, which the general path converts (or records) when it closes.
    private mutating func spillBoundingBox(_ tokenizer: Tokenizer) {
        pop()
        genericStartLocation = boxReading.startLocation(tokenizer)
        generic.startArray()
        for number in boxReading.numbers {
            generic.add(.number(number))
        }
    }

    /// Adds the metadata item that just closed to its list.
    private mutating func finishMetadataItem() throws(VLExportError) {
        let level = levels.base + depth
        let position = level.pointee.list.count
        let others = level.pointee.otherFields
        let otherFields = others.isEmpty ? JSONObject() : JSONObject(others)
        guard let typeName = level.pointee.typeName else {
            // No type: the metadata item is kept whole, as written, in place.
            var members = others
            if let kind = level.pointee.typedKind {
                var writer = JSONWriter()
                writer.beginObject()
                level.pointee.takeContent(kind).writeNormalizedProperties(to: &writer)
                writer.endObject()
                members.append(JSONMember(key: "properties", value: writer.withBytes { (try? JSONValue(parsing: $0)) ?? .object([:]) }))
            } else if level.pointee.sawPropertyFields {
                members.append(JSONMember(key: "properties", value: .object(JSONObject(level.pointee.propertyFields.map(\.member)))))
            }
            let whole = JSONValue.object(JSONObject(members))
            let start = log.count
            log.record(path: "", expected: ExpectedShape.typedMetadataItem, value: whole)
            level.pointee.list.append(MetadataItem(type: "", typeKey: .type, content: .unreadable(whole)))
            try settle(from: start, at: nil, pathPrefix: metadataPath(position: position))
            return
        }
        if let typedKind = level.pointee.typedKind {
            // One expression, so that the value is moved from scratch into the list with as few copies as can be.
            level.pointee.list.append(MetadataItem(type: typeName, typeKey: level.pointee.typeKey, content: level.pointee.takeContent(typedKind), otherFields: otherFields))
            return
        }
        let start = log.count
        let properties = level.pointee.sawPropertyFields ? level.pointee.propertyFields : []
        let content = MetadataItem.Content(type: typeName, properties: properties, &log)
        log.prefixPaths(from: start, with: "properties")
        level.pointee.list.append(MetadataItem(type: typeName, typeKey: level.pointee.typeKey, content: consume content, otherFields: otherFields))
        try settle(from: start, at: nil, pathPrefix: metadataPath(position: position))
    }

    // MARK: - Helpers

    private mutating func push(_ next: BuilderContext, depth nextDepth: Int) {
        stack.append(Frame(context: context, depth: depth, keyFilter: keyFilter))
        context = next
        depth = nextDepth
        keyFilter = 0
        // In a list no key comes before a value: an element takes the general path (and, being
        // no object, is reported there). A bounding box keeps the slot that opened it.
        if next == .metadataList { pending.slot = .other }
    }

    private mutating func pop() {
        let frame = stack.removeLast()
        context = frame.context
        depth = frame.depth
        keyFilter = frame.keyFilter
        pending.slot = .other
    }

    /// The path of the metadata item at `position` in the list being read, from the item:
    /// `metadata_items[2].properties.metadata_items[0]` for an object's own metadata.
    private func metadataPath(position: Int) -> String {
        var path = "metadata_items[\(position)]"
        for outer in stride(from: depth - 1, through: 0, by: -1) {
            path = "metadata_items[\(levels.base[outer].list.count)].properties." + path
        }
        return path
    }
}

/// What is being read at one depth of metadata, reused from item to item.
///
/// Not copyable: it owns its list's buffer, which goes when the level does.
struct MetadataLevel: ~Copyable {
    /// The finished metadata items of the open list.
    var list = ReusedBuffer<MetadataItem>()
    var typeName: String?
    var typeKey = MetadataItem.TypeKey.type
    /// The known kind ``typeName`` names.
    var kind: MetadataKind?
    var otherFields: [JSONMember] = []
    /// The kind whose value below holds the properties, when they were read typed.
    var typedKind: MetadataKind?
    /// The properties, when they were kept as fields.
    var propertyFields: [Field] = []
    var sawPropertyFields = false
    // The value being filled, of the kind `typedKind` names. Each is empty
    // but while its kind's properties are read: taking the content moves the
    // value out and leaves an empty one. (Optionals here would cost a copy of
    // the whole value for every nil written.)
    var issue = Issue()
    var userTag = UserTag()
    var imageLabel = ImageLabel()
    var objectLabel = ObjectLabel()
    var videoInfo = VideoInfo()
    var caption = Caption()

    /// Forgets the previous metadata item, keeping buffer capacity.
    mutating func startItem() {
        typeName = nil
        typeKey = .type
        kind = nil
        otherFields.removeAll(keepingCapacity: true)
        typedKind = nil
        sawPropertyFields = false
    }

    /// Starts reading properties into the empty value of `kind`.
    mutating func startTypedProperties(_ kind: MetadataKind) {
        if let previous = typedKind {
            // A second properties object in one metadata item: the last one counts.
            _ = takeContent(previous)
        }
        typedKind = kind
        sawPropertyFields = false
    }

    /// Starts keeping properties as fields, for a type not named yet.
    mutating func startFieldProperties() {
        if let previous = typedKind {
            _ = takeContent(previous)
        }
        typedKind = nil
        propertyFields.removeAll(keepingCapacity: true)
        sawPropertyFields = true
    }

    /// A direct member of the metadata item: its type, a `properties` that is not an object, or another field.
    mutating func takeMember(_ field: Field, _ log: inout NonconformingLog) {
        switch field.key {
        case .known(.type), .known(.metadataType):
            let name = StringCodec.read(field.value)
            let newKind = name.flatMap { MetadataKind(rawValue: $0) }
            if let typedKind, newKind != typedKind || name == nil {
                // Its properties were read as another type: that type stays, this one is kept and reported.
                log.record(field, expected: "\"\(typedKind.rawValue)\", the type its properties were read as")
                otherFields.append(field.member)
                return
            }
            guard let name else {
                // Neither a string nor a number: the metadata item has no readable type, and is kept whole.
                typeName = nil
                kind = nil
                otherFields.append(field.member)
                return
            }
            typeName = name
            typeKey = field.key == .known(.type) ? .type : .metadataType
            kind = newKind
        case .known(.properties):
            // An object opened a properties level; null is no properties; anything else is kept, and reported.
            if field.value != .null {
                log.record(field, expected: ExpectedShape.object)
                otherFields.append(field.member)
            }
        default:
            otherFields.append(field.member)
        }
    }
}

/// Moves a value out, leaving an empty one in its place.
///
/// `swap` moves both values without reference counting. The ways that read
/// better cost more here: moving the value out and initialising an empty one
/// in place, or building a new value from the old one's properties, each
/// made the optimiser copy the whole value (retaining every string in it)
/// and destroy the original (releasing them all again). The empty value is
/// a copy of one made once: an empty value made here was made twice, copied
/// and destroyed (callgrind: 300 instructions for each metadata item, 1% of a
/// typed walk).
func swappedOut<Value: EmptyInitializable>(_ value: inout Value) -> Value {
    var taken = Value.empty
    swap(&taken, &value)
    return taken
}

/// A value with an empty state to leave behind.
protocol EmptyInitializable {
    /// An empty value, made once, for ``swappedOut(_:)`` to copy.
    static var empty: Self { get }
}

extension MediaItem: EmptyInitializable {
    static let empty = MediaItem(index: 0)
}

// The metadata contents' conformances are generated with the types (Generated/Format.swift).

/// The metadata levels, in storage of their own: an element of an array held
/// in a struct is checked for uniqueness on every write, a pointee is not.
/// Not copyable, so the storage has one owner, the ``MediaItemBuilder``, and
/// is freed when that owner goes.
struct MetadataLevelStorage: ~Copyable {
    private(set) var base: UnsafeMutablePointer<MetadataLevel>
    private var capacity: Int

    init() {
        capacity = 2
        base = .allocate(capacity: capacity)
        for level in 0..<capacity { (base + level).initialize(to: MetadataLevel()) }
    }

    /// Makes room for `count` levels, keeping those there.
    mutating func reserve(_ count: Int) {
        guard count > capacity else { return }
        let grown = UnsafeMutablePointer<MetadataLevel>.allocate(capacity: count * 2)
        grown.moveInitialize(from: base, count: capacity)
        for level in capacity..<count * 2 { (grown + level).initialize(to: MetadataLevel()) }
        base.deallocate()
        base = grown
        capacity = count * 2
    }

    deinit {
        base.deinitialize(count: capacity)
        base.deallocate()
    }
}

/// Elements in a buffer kept from item to item: the metadata items of an open
/// list, the builder's stack of contexts.
///
/// An array kept with its capacity cannot hand its elements over without
/// copying them (and retaining everything they hold); this buffer moves them
/// into an array of exactly their count when the list closes. Its pointee is
/// not checked for uniqueness at each write either: as an array, the stack of
/// contexts cost 57 instructions a push (callgrind). Not copyable, so the
/// buffer has one owner, and freed when that owner goes.
struct ReusedBuffer<Element>: ~Copyable {
    private(set) var count = 0
    private var capacity = 0
    private var base: UnsafeMutablePointer<Element>?

    /// Adds an item at the end.
    mutating func append(_ item: consuming Element) {
        if count == capacity { grow() }
        (base.unsafelyUnwrapped + count).initialize(to: item)
        count += 1
    }

    /// Moves the last item out; there must be one.
    mutating func removeLast() -> Element {
        precondition(count > 0, "removeLast on an empty buffer")
        count -= 1
        return (base.unsafelyUnwrapped + count).move()
    }

    /// Moves the items out, in order; the buffer is then empty.
    mutating func takeAll() -> [Element] {
        guard count > 0, let source = base else { return [] }
        let taken = count
        count = 0
        return Array(unsafeUninitializedCapacity: taken) { buffer, initialized in
            buffer.baseAddress.unsafelyUnwrapped.moveInitialize(from: source, count: taken)
            initialized = taken
        }
    }

    /// Destroys the items, keeping the buffer.
    mutating func removeAll() {
        base?.deinitialize(count: count)
        count = 0
    }

    deinit {
        base?.deinitialize(count: count)
        base?.deallocate()
    }

    private mutating func grow() {
        let grownCapacity = max(16, capacity * 2)
        let grown = UnsafeMutablePointer<Element>.allocate(capacity: grownCapacity)
        if let base {
            grown.moveInitialize(from: base, count: count)
            base.deallocate()
        }
        base = grown
        capacity = grownCapacity
    }
}

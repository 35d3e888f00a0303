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
/// whole, so both paths give the same values and the same errors. Scratch
/// values and buffers are reused from item to item.
///
/// Under a ``PropertySelection`` that leaves a key out, the key's slot is
/// ``PropertySlot/skipped``: a scalar is dropped, and a container is passed
/// over by ``ValueBuilder/startSkipping()``, which only counts its depth.
struct MediaItemBuilder {
    private struct Frame {
        var context: BuilderContext
        var depth: Int
    }

    private let vocabulary = Vocabulary.shared
    private let slotTable: SlotTable
    private let selection: PropertySelection

    /// Where the builder is, and the metadata depth (0 for the item's own metadata, 1 for an object's…).
    private var context = BuilderContext.item
    private var depth = 0
    /// The contexts around the current one.
    private var stack: [Frame] = []
    /// Builds values the typed model keeps as JSON (and containers it converts whole).
    private var generic = ValueBuilder()

    /// Where the value of the member whose key was read last goes.
    private var pendingSlot = PropertySlot.other
    /// That key's index in ``KnownKey/ordered``, or -1 for an unknown key…
    private var pendingKeyIndex = -1
    /// …whose name is then kept here.
    private var pendingName = ""

    /// The numbers of the `bbox` being read.
    private var boxNumbers: [JSONNumber] = []

    /// The item being read; moved out, leaving every property empty, when it closes.
    private var item = MediaItem(index: 0)
    private let levels = MetadataLevelStorage()

    /// A builder that reads what `selection` selects.
    init(selection: PropertySelection = .all) {
        self.selection = selection
        slotTable = selection.isAll ? .shared : SlotTable(selection: selection)
    }

    /// Starts a new item; the caller has seen its opening brace.
    mutating func begin(index: Int) {
        context = .item
        depth = 0
        stack.removeAll(keepingCapacity: true)
        generic.reset()
        item.index = index
    }

    // MARK: - Events

    mutating func key(_ bytes: UnsafeRawBufferPointer) {
        if generic.isBuilding {
            generic.key(bytes)
            return
        }
        let index = vocabulary.keys.index(of: bytes)
        pendingKeyIndex = index
        if index >= 0 {
            pendingSlot = slotTable.slot(index, in: context)
            return
        }
        pendingName = String(decoding: bytes, as: UTF8.self)
        pendingSlot = slotTable.slot(index, in: context)
        // The table skips unknown keys when other fields are not kept; the selection may still name this one.
        if pendingSlot == .skipped, selection.keepsOtherField(named: pendingName) { pendingSlot = .other }
    }

    mutating func scalar(_ token: ScalarToken) throws(VLExportError) {
        if generic.isBuilding {
            generic.add(token)
            return
        }
        let level = levels.base + depth
        switch pendingSlot {
        case .skipped:
            return
        case .other:
            try deliver(pendingField(token))

        case .mediaID:
            if let value = Self.string(token) { item.mediaID = value } else { try deliver(pendingField(token)) }
        case .mediaType:
            if case .string(let bytes) = token { item.mediaType = MediaType(utf8: bytes, vocabulary: vocabulary) } else { try deliver(pendingField(token)) }
        case .fileName:
            if let value = Self.string(token) { item.fileName = value } else { try deliver(pendingField(token)) }
        case .filePath:
            if let value = Self.string(token) { item.filePath = value } else { try deliver(pendingField(token)) }
        case .fileSize:
            if let value = Self.string(token) { item.fileSize = FileSize(text: value) } else { try deliver(pendingField(token)) }
        case .height:
            if let value = Self.int(token) { item.height = value } else { try deliver(pendingField(token)) }
        case .width:
            if let value = Self.int(token) { item.width = value } else { try deliver(pendingField(token)) }
        case .itemURL:
            if let value = Self.string(token) { item.url = value } else { try deliver(pendingField(token)) }
        case .itemClusterID:
            if let value = Self.string(token) { item.clusterID = value } else { try deliver(pendingField(token)) }
        case .itemUniquenessScore:
            if let value = Self.double(token) { item.uniquenessScore = value } else { try deliver(pendingField(token)) }

        case .type, .metadataType:
            if case .string(let bytes) = token {
                let index = vocabulary.metadataKinds.index(of: bytes)
                if index >= 0 {
                    level.pointee.kind = vocabulary.metadataKindValues[index]
                    level.pointee.typeName = vocabulary.metadataKindNames[index]
                } else {
                    level.pointee.kind = nil
                    level.pointee.typeName = String(decoding: bytes, as: UTF8.self)
                }
                level.pointee.typeKey = pendingSlot == .type ? .type : .metadataType
            } else {
                try deliver(pendingField(token))
            }

        case .issueType:
            if case .string(let bytes) = token {
                level.pointee.issue.issueType = IssueType(utf8: bytes, vocabulary: vocabulary)
            } else {
                try deliver(pendingField(token))
            }
        case .confidence:
            if let value = Self.double(token) { level.pointee.issue.confidence = value } else { try deliver(pendingField(token)) }
        case .duplicateGroupID:
            if let value = Self.string(token) {
                level.pointee.issue.duplicateGroupID = .identifier(value)
            } else if let value = Self.int(token) {
                level.pointee.issue.duplicateGroupID = .integer(value)
            } else {
                try deliver(pendingField(token))
            }
        case .duplicateThreshold:
            if let value = Self.double(token) { level.pointee.issue.duplicateThreshold = value } else { try deliver(pendingField(token)) }
        case .similarityLevel:
            if let value = Self.double(token) { level.pointee.issue.similarityLevel = value } else { try deliver(pendingField(token)) }
        case .actualLabel:
            if let value = Self.string(token) { level.pointee.issue.actualLabel = value } else { try deliver(pendingField(token)) }
        case .suggestedLabel:
            if let value = Self.string(token) { level.pointee.issue.suggestedLabel = value } else { try deliver(pendingField(token)) }
        case .suggestionConfidence:
            if let value = Self.double(token) { level.pointee.issue.suggestionConfidence = value } else { try deliver(pendingField(token)) }
        case .issuesDescription:
            if let value = Self.string(token) { level.pointee.issue.issuesDescription = value } else { try deliver(pendingField(token)) }

        case .tagName:
            if let value = Self.string(token) { level.pointee.userTag.tagName = value } else { try deliver(pendingField(token)) }
        case .assignedDate:
            if let value = Self.string(token) { level.pointee.userTag.assignedDate = value } else { try deliver(pendingField(token)) }
        case .assignedBy:
            if let value = Self.string(token) { level.pointee.userTag.assignedBy = value } else { try deliver(pendingField(token)) }

        case .imageCategoryID:
            if let value = Self.int(token) { level.pointee.imageLabel.categoryID = value } else { try deliver(pendingField(token)) }
        case .imageCategoryName:
            if let value = Self.string(token) { level.pointee.imageLabel.categoryName = value } else { try deliver(pendingField(token)) }
        case .imageSource:
            if let value = Self.string(token) { level.pointee.imageLabel.source = value } else { try deliver(pendingField(token)) }
        case .imageOriginalID:
            if let value = Self.int(token) { level.pointee.imageLabel.originalID = value } else { try deliver(pendingField(token)) }

        case .objectCategoryID:
            if let value = Self.int(token) { level.pointee.objectLabel.categoryID = value } else { try deliver(pendingField(token)) }
        case .objectCategoryName:
            if let value = Self.string(token) { level.pointee.objectLabel.categoryName = value } else { try deliver(pendingField(token)) }
        case .objectSource:
            if let value = Self.string(token) { level.pointee.objectLabel.source = value } else { try deliver(pendingField(token)) }
        case .objectOriginalID:
            if let value = Self.int(token) { level.pointee.objectLabel.originalID = value } else { try deliver(pendingField(token)) }
        case .objectURL:
            if let value = Self.string(token) { level.pointee.objectLabel.url = value } else { try deliver(pendingField(token)) }
        case .objectClusterID:
            if let value = Self.string(token) { level.pointee.objectLabel.clusterID = value } else { try deliver(pendingField(token)) }
        case .objectUniquenessScore:
            if let value = Self.double(token) { level.pointee.objectLabel.uniquenessScore = value } else { try deliver(pendingField(token)) }

        case .videoName:
            if let value = Self.string(token) { level.pointee.videoInfo.videoName = value } else { try deliver(pendingField(token)) }
        case .frameTimestamp:
            if let value = Self.timestamp(token) { level.pointee.videoInfo.frameTimestamp = value } else { try deliver(pendingField(token)) }
        case .frameNumber:
            if let value = Self.int(token) { level.pointee.videoInfo.frameNumber = value } else { try deliver(pendingField(token)) }
        case .videoID:
            if let value = Self.string(token) { level.pointee.videoInfo.videoID = value } else { try deliver(pendingField(token)) }
        case .timestamp:
            if let value = Self.timestamp(token) { level.pointee.videoInfo.timestamp = value } else { try deliver(pendingField(token)) }

        case .captionText:
            if let value = Self.string(token) { level.pointee.caption.text = value } else { try deliver(pendingField(token)) }
        case .captionSource:
            if let value = Self.string(token) { level.pointee.caption.source = value } else { try deliver(pendingField(token)) }

        case .objectBoundingBox:
            if context != .boundingBox {
                try deliver(pendingField(token))  // null, or not an array
            } else if case .number(let text) = token, boxNumbers.count < 4 {
                boxNumbers.append(JSONNumber(bytes: text))
            } else {
                spillBoundingBox()
                generic.add(token)
            }

        case .itemMetadataItems, .properties, .objectMetadataItems:
            // Containers, when well formed; a scalar here is null or a mistake, for the general path to judge.
            try deliver(pendingField(token))
        }
    }

    mutating func startObject() {
        if !generic.isBuilding {
            switch context {
            case .metadataList:
                push(.metadataItem, depth: depth)
                levels.base[depth].startItem()
                return
            case .boundingBox:
                spillBoundingBox()
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
            }
        }
        generic.startObject()
    }

    mutating func startArray() throws(VLExportError) {
        if !generic.isBuilding {
            switch context {
            case .item where pendingSlot == .itemMetadataItems:
                push(.metadataList, depth: 0)
                levels.base[0].list.removeAll()
                return
            case .objectLabel where pendingSlot == .objectMetadataItems:
                levels.reserve(depth + 2)
                push(.metadataList, depth: depth + 1)
                levels.base[depth].list.removeAll()
                return
            case .objectLabel where pendingSlot == .objectBoundingBox:
                boxNumbers.removeAll(keepingCapacity: true)
                push(.boundingBox, depth: depth)
                return
            case .boundingBox:
                spillBoundingBox()
            case .metadataList:
                throw notAnObject("array")
            default:
                if pendingSlot == .skipped {
                    generic.startSkipping()
                    return
                }
            }
        }
        generic.startArray()
    }

    /// Closes an object; true when it was the item's own closing brace, and the item is ready for ``takeItem()``.
    ///
    /// (Returning the item itself as an optional would copy a `MediaItem`-sized
    /// nil out of every object's end.)
    mutating func endObject() throws(VLExportError) -> Bool {
        if generic.isBuilding {
            if let value = generic.end() { try deliver(Field(key: pendingKey, value: value)) }
            return false
        }
        switch context {
        case .item:
            return true
        case .metadataItem:
            do throws(VLExportError) {
                try finishMetadataItem()
            } catch {
                throw located(error)
            }
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

    mutating func endArray() throws(VLExportError) {
        if generic.isBuilding {
            if let value = generic.end() { try deliver(Field(key: pendingKey, value: value)) }
            return
        }
        if context == .boundingBox {
            pop()
            try finishBoundingBox()
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
    private var pendingKey: FieldKey {
        pendingKeyIndex < 0 ? .other(pendingName) : .known(KnownKey.ordered[pendingKeyIndex])
    }

    /// The member whose value is `token`, as a field.
    private func pendingField(_ token: ScalarToken) -> Field {
        Field(key: pendingKey, value: token.value)
    }

    /// Hands a member to the object it belongs to, through the conversions of ``Field``.
    private mutating func deliver(_ field: Field) throws(VLExportError) {
        let level = levels.base + depth
        switch context {
        case .item:
            try item.take(field)
        case .metadataItem:
            do throws(VLExportError) {
                try level.pointee.takeMember(field)
            } catch {
                throw located(error)
            }
        case .issue, .userTag, .imageLabel, .objectLabel, .videoInfo, .caption:
            do throws(VLExportError) {
                try level.pointee.takeTypedProperty(field)
            } catch {
                throw located(error.prefixingPath("properties"))
            }
        case .fieldProperties:
            level.pointee.propertyFields.append(field)
        case .metadataList:
            throw notAnObject(field.value.shortDescription)
        case .boundingBox:
            preconditionFailure("a bounding box is read whole or spilled before anything is delivered")
        }
    }

    /// A `bbox` of four finite numbers becomes the box; anything else goes the general path, for its error.
    private mutating func finishBoundingBox() throws(VLExportError) {
        if boxNumbers.count == 4 {
            let x = boxNumbers[0].doubleValue, y = boxNumbers[1].doubleValue
            let width = boxNumbers[2].doubleValue, height = boxNumbers[3].doubleValue
            if x.isFinite, y.isFinite, width.isFinite, height.isFinite {
                levels.base[depth].objectLabel.boundingBox = BoundingBox(x: x, y: y, width: width, height: height)
                return
            }
        }
        try deliver(Field(key: pendingKey, value: .array(boxNumbers.map(JSONValue.number))))
    }

    /// The `bbox` turned out not to be plain numbers: what was read so far becomes the start of a
    /// generic array, which the general path converts (or reports) when it closes.
    private mutating func spillBoundingBox() {
        pop()
        generic.startArray()
        for number in boxNumbers {
            generic.add(.number(number))
        }
    }

    /// Adds the metadata item that just closed to its list.
    private mutating func finishMetadataItem() throws(VLExportError) {
        let level = levels.base + depth
        guard let typeName = level.pointee.typeName else {
            throw VLExportError(.schema, "metadata item has neither \"type\" nor \"metadata_type\"")
        }
        let others = level.pointee.otherFields
        let otherFields = others.isEmpty ? JSONObject() : JSONObject(others)
        if let typedKind = level.pointee.typedKind {
            guard level.pointee.kind == typedKind else {
                throw VLExportError(.schema, "metadata item names more than one type (the last is \"\(typeName)\")")
            }
            // One expression, so that the value is moved from scratch into the list with as few copies as can be.
            level.pointee.list.append(MetadataItem(type: typeName, typeKey: level.pointee.typeKey, content: level.pointee.takeContent(typedKind), otherFields: otherFields))
            return
        }
        let content: MetadataItem.Content
        do throws(VLExportError) {
            let properties = level.pointee.sawPropertyFields ? level.pointee.propertyFields : []
            content = try MetadataItem.Content(type: typeName, properties: properties)
        } catch {
            throw error.prefixingPath("properties")
        }
        level.pointee.list.append(MetadataItem(type: typeName, typeKey: level.pointee.typeKey, content: consume content, otherFields: otherFields))
    }

    // MARK: - Helpers

    private mutating func push(_ next: BuilderContext, depth nextDepth: Int) {
        stack.append(Frame(context: context, depth: depth))
        context = next
        depth = nextDepth
        // In a list no key comes before a value: an element takes the general path (and, being
        // no object, is reported there). A bounding box keeps the slot that opened it.
        if next == .metadataList { pendingSlot = .other }
    }

    private mutating func pop() {
        let frame = stack.removeLast()
        context = frame.context
        depth = frame.depth
        pendingSlot = .other
    }

    @inline(__always)
    private static func string(_ token: ScalarToken) -> String? {
        if case .string(let bytes) = token { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    @inline(__always)
    private static func int(_ token: ScalarToken) -> Int? {
        if case .number(let text) = token { return NumberParsing.int(fromJSONNumber: text) }
        return nil
    }

    /// A finite number, from a number or a numeric string with nothing around it (`"0.95"`);
    /// anything else (text beyond a Double's range, a string with spaces) takes the general path.
    @inline(__always)
    private static func double(_ token: ScalarToken) -> Double? {
        switch token {
        case .number(let text):
            if let value = NumberParsing.double(fromJSONNumber: text), value.isFinite { return value }
        case .string(let text):
            // The general path trims white space first; text that starts and ends in a
            // printable ASCII character has none to trim, so parsing it here gives the same.
            if let first = text.first, let last = text.last, first > 0x20, first < 0x80, last > 0x20, last < 0x80,
               let value = NumberParsing.double(fromJSONNumber: text), value.isFinite {
                return value
            }
        default:
            break
        }
        return nil
    }

    /// Seconds as a number, or `"HH:MM:SS"` text.
    private static func timestamp(_ token: ScalarToken) -> FrameTimestamp? {
        switch token {
        case .number: double(token).map(FrameTimestamp.init(seconds:))
        case .string: string(token).flatMap(FrameTimestamp.init(text:))
        default: nil
        }
    }

    private func notAnObject(_ found: String) -> VLExportError {
        located(VLExportError(.schema, "expected a metadata item object, found \(found)"))
    }

    /// Puts the path of the metadata item being read in front of an error's path:
    /// `metadata_items[2].properties.metadata_items[0]` for an object's own metadata.
    private func located(_ error: VLExportError) -> VLExportError {
        var error = error.prefixingPath("metadata_items[\(levels.base[depth].list.count)]")
        for outer in stride(from: depth - 1, through: 0, by: -1) {
            error = error.prefixingPath("properties").prefixingPath("metadata_items[\(levels.base[outer].list.count)]")
        }
        return error
    }
}

/// What is being read at one depth of metadata, reused from item to item.
private struct MetadataLevel {
    /// The finished metadata items of the open list.
    var list = MetadataListBuffer()
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
    mutating func takeMember(_ field: Field) throws(VLExportError) {
        switch field.key {
        case .known(.type), .known(.metadataType):
            typeName = try field.string()
            typeKey = field.key == .known(.type) ? .type : .metadataType
            kind = typeName.flatMap { MetadataKind(rawValue: $0) }
        case .known(.properties):
            // An object opened a properties level; null is no properties; anything else is wrong.
            _ = try field.object()
        default:
            otherFields.append(field.member)
        }
    }

    /// Reads one property into the value being filled.
    mutating func takeTypedProperty(_ field: Field) throws(VLExportError) {
        switch typedKind! {
        case .issue: try issue.take(field)
        case .userTag: try userTag.take(field)
        case .imageLabel: try imageLabel.take(field)
        case .objectLabel: try objectLabel.take(field)
        case .videoInfo: try videoInfo.take(field)
        case .caption: try caption.take(field)
        }
    }

    /// Moves the filled value out as content, leaving an empty one.
    @inline(__always)
    mutating func takeContent(_ kind: MetadataKind) -> MetadataItem.Content {
        switch kind {
        case .issue: .issue(swappedOut(&issue))
        case .userTag: .userTag(swappedOut(&userTag))
        case .imageLabel: .imageLabel(swappedOut(&imageLabel))
        case .objectLabel: .objectLabel(swappedOut(&objectLabel))
        case .videoInfo: .videoInfo(swappedOut(&videoInfo))
        case .caption: .caption(swappedOut(&caption))
        }
    }
}

/// Moves a value out, leaving an empty one in its place.
///
/// `swap` moves both values without reference counting. The ways that read
/// better cost more here: moving the value out and initialising an empty one
/// in place, or building a new value from the old one's properties, each
/// made the optimiser copy the whole value (retaining every string in it)
/// and destroy the original (releasing them all again).
private func swappedOut<Value: EmptyInitializable>(_ value: inout Value) -> Value {
    var taken = Value()
    swap(&taken, &value)
    return taken
}

/// A value with an empty state to leave behind.
private protocol EmptyInitializable {
    init()
}

extension MediaItem: EmptyInitializable {
    fileprivate init() { self.init(index: 0) }
}

extension Issue: EmptyInitializable {}
extension UserTag: EmptyInitializable {}
extension ImageLabel: EmptyInitializable {}
extension ObjectLabel: EmptyInitializable {}
extension VideoInfo: EmptyInitializable {}
extension Caption: EmptyInitializable {}

/// The metadata levels, in storage of their own: an element of an array held
/// in a struct is checked for uniqueness on every write, a pointee is not.
/// Owned by one ``MediaItemBuilder``, which is never copied (it lives in the
/// router, in the parser's pointer storage).
private final class MetadataLevelStorage {
    private(set) var base: UnsafeMutablePointer<MetadataLevel>
    private var capacity: Int

    init() {
        capacity = 2
        base = .allocate(capacity: capacity)
        base.initialize(repeating: MetadataLevel(), count: capacity)
    }

    /// Makes room for `count` levels, keeping those there.
    func reserve(_ count: Int) {
        guard count > capacity else { return }
        let grown = UnsafeMutablePointer<MetadataLevel>.allocate(capacity: count * 2)
        grown.moveInitialize(from: base, count: capacity)
        (grown + capacity).initialize(repeating: MetadataLevel(), count: count * 2 - capacity)
        base.deallocate()
        base = grown
        capacity = count * 2
    }

    deinit {
        for level in 0..<capacity { base[level].list.deallocate() }
        base.deinitialize(count: capacity)
        base.deallocate()
    }
}

/// The metadata items of an open list, in a buffer kept from item to item.
///
/// An array kept with its capacity cannot hand its elements over without
/// copying them (and retaining everything they hold); this buffer moves them
/// into an array of exactly their count when the list closes.
private struct MetadataListBuffer {
    private(set) var count = 0
    private var capacity = 0
    private var base: UnsafeMutablePointer<MetadataItem>?

    /// Adds an item at the end.
    mutating func append(_ item: consuming MetadataItem) {
        if count == capacity { grow() }
        (base.unsafelyUnwrapped + count).initialize(to: item)
        count += 1
    }

    /// Moves the items out, in order; the buffer is then empty.
    mutating func takeAll() -> [MetadataItem] {
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

    /// Destroys the items and frees the buffer; the owner calls this once, when it goes.
    mutating func deallocate() {
        removeAll()
        base?.deallocate()
        base = nil
        capacity = 0
    }

    private mutating func grow() {
        let grownCapacity = max(16, capacity * 2)
        let grown = UnsafeMutablePointer<MetadataItem>.allocate(capacity: grownCapacity)
        if let base {
            grown.moveInitialize(from: base, count: count)
            base.deallocate()
        }
        base = grown
        capacity = grownCapacity
    }
}

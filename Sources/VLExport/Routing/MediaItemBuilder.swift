/// Builds one typed ``MediaItem`` from the events inside it.
///
/// The shape the format fixes, an item object holding a `metadata_items`
/// array of objects that each hold a `properties` object, is walked by a
/// small state machine that keeps the direct members of each of those
/// objects as fields, with known keys matched from their bytes. Every other
/// value (a nested array, an unknown object, an object's own metadata) is
/// built as a ``JSONValue`` and handed to the level that owns it. The fields
/// become typed values when their object closes. Field buffers are reused
/// from item to item, so a steady walk allocates little beyond the strings it
/// keeps.
struct MediaItemBuilder {
    private enum Level {
        case item
        case metadataList
        case metadataItem
        case properties
    }

    private var levels: [Level] = []
    private var generic = ValueBuilder()
    /// The key of the member whose value comes next, at the innermost object level.
    private var pendingKey = FieldKey.known(.type)

    private var index = 0
    private var itemFields: [Field] = []
    private var metadataFields: [Field] = []
    private var propertyFields: [Field] = []
    private var metadata: [MetadataItem] = []
    private var sawMetadataList = false
    private var sawProperties = false

    /// Starts a new item; the caller has seen its opening brace.
    mutating func begin(index: Int) {
        self.index = index
        levels.removeAll(keepingCapacity: true)
        levels.append(.item)
        generic.reset()
        itemFields.removeAll(keepingCapacity: true)
        metadata.removeAll(keepingCapacity: true)
        sawMetadataList = false
    }

    mutating func key(_ bytes: UnsafeRawBufferPointer) {
        if generic.isBuilding {
            generic.key(bytes)
        } else {
            pendingKey = FieldKey(bytes: bytes)
        }
    }

    mutating func scalar(_ value: JSONValue) throws(VLExportError) {
        if generic.isBuilding {
            generic.add(value)
        } else {
            try deliver(value)
        }
    }

    mutating func startObject() {
        if !generic.isBuilding {
            switch levels.last! {
            case .metadataList:
                levels.append(.metadataItem)
                metadataFields.removeAll(keepingCapacity: true)
                propertyFields.removeAll(keepingCapacity: true)
                sawProperties = false
                return
            case .metadataItem where pendingKey == .known(.properties):
                levels.append(.properties)
                propertyFields.removeAll(keepingCapacity: true)
                sawProperties = true
                return
            default:
                break
            }
        }
        generic.startObject()
    }

    mutating func startArray() throws(VLExportError) {
        if !generic.isBuilding {
            switch levels.last! {
            case .item where pendingKey == .known(.metadataItems):
                levels.append(.metadataList)
                metadata.removeAll(keepingCapacity: true)
                sawMetadataList = true
                return
            case .metadataList:
                throw notAnObject("array")
            default:
                break
            }
        }
        generic.startArray()
    }

    /// Closes an object; returns the item when it was the item's own closing brace.
    mutating func endObject() throws(VLExportError) -> MediaItem? {
        if generic.isBuilding {
            if let value = generic.end() { try deliver(value) }
            return nil
        }
        switch levels.removeLast() {
        case .item:
            let item = try MediaItem(index: index, fields: itemFields, metadataItems: sawMetadataList ? metadata : nil)
            let count = metadata.count
            metadata = []
            metadata.reserveCapacity(count)
            return item
        case .metadataItem:
            do throws(VLExportError) {
                metadata.append(try MetadataItem(fields: metadataFields, properties: sawProperties ? propertyFields : nil))
            } catch {
                throw error.prefixingPath("metadata_items[\(metadata.count)]")
            }
        case .properties:
            break
        case .metadataList:
            preconditionFailure("yajl closed an array with a brace")
        }
        return nil
    }

    mutating func endArray() throws(VLExportError) {
        if generic.isBuilding {
            if let value = generic.end() { try deliver(value) }
            return
        }
        let level = levels.removeLast()
        precondition(level == .metadataList, "yajl closed an object with a bracket")
    }

    /// Hands a finished value to the innermost recognised level.
    private mutating func deliver(_ value: JSONValue) throws(VLExportError) {
        switch levels.last! {
        case .item: itemFields.append(Field(key: pendingKey, value: value))
        case .metadataItem: metadataFields.append(Field(key: pendingKey, value: value))
        case .properties: propertyFields.append(Field(key: pendingKey, value: value))
        case .metadataList: throw notAnObject(value.shortDescription)
        }
    }

    private func notAnObject(_ found: String) -> VLExportError {
        VLExportError(.schema, "expected a metadata item object, found \(found)", path: "metadata_items[\(metadata.count)]")
    }
}

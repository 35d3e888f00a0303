/// Builds one typed ``MediaItem`` from the events inside it.
///
/// The shape the format fixes, an item object holding a `metadata_items`
/// array of objects that each hold a `properties` object, is walked by a
/// small state machine that keeps the direct members of each of those
/// objects as fields, with known keys matched from their bytes. An object
/// label's own `metadata_items` (its issues and tags) is walked the same way,
/// one level deeper, when the label names its type before its properties, as
/// every real export does. Every other value (a box, an unknown object) is
/// built as a ``JSONValue`` and handed to the level that owns it. The fields
/// become typed values when their object closes. Field buffers are reused
/// from item to item, so a steady walk allocates little beyond the strings it
/// keeps.
struct MediaItemBuilder {
    private enum Level {
        case item
        /// A `metadata_items` array: the item's own at depth 0, an object's at depth 1, and so on.
        case metadataList(depth: Int)
        case metadataItem(depth: Int)
        case properties(depth: Int)
    }

    /// The buffers of one depth of metadata, reused from item to item.
    private struct MetadataLevel {
        var list: [MetadataItem] = []
        var fields: [Field] = []
        var properties: [Field] = []
        var sawProperties = false
        /// The item's type, when it came before `properties`.
        var kind: MetadataKind?
        /// The object's own metadata, read natively, for the item at this depth.
        var nested: [MetadataItem]?
    }

    private var levels: [Level] = []
    private var generic = ValueBuilder()
    /// The key of the member whose value comes next, at the innermost object level.
    private var pendingKey = FieldKey.known(.type)

    private var index = 0
    private var itemFields: [Field] = []
    private var metadata: [MetadataLevel] = []
    private var sawMetadataList = false

    /// Starts a new item; the caller has seen its opening brace.
    mutating func begin(index: Int) {
        self.index = index
        levels.removeAll(keepingCapacity: true)
        levels.append(.item)
        generic.reset()
        itemFields.removeAll(keepingCapacity: true)
        if metadata.isEmpty { metadata.append(MetadataLevel()) }
        metadata[0].list.removeAll(keepingCapacity: true)
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
            case .metadataList(let depth):
                levels.append(.metadataItem(depth: depth))
                metadata[depth].fields.removeAll(keepingCapacity: true)
                metadata[depth].sawProperties = false
                metadata[depth].kind = nil
                metadata[depth].nested = nil
                return
            case .metadataItem(let depth) where pendingKey == .known(.properties):
                levels.append(.properties(depth: depth))
                metadata[depth].properties.removeAll(keepingCapacity: true)
                metadata[depth].sawProperties = true
                metadata[depth].nested = nil
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
                levels.append(.metadataList(depth: 0))
                metadata[0].list.removeAll(keepingCapacity: true)
                sawMetadataList = true
                return
            case .properties(let depth) where pendingKey == .known(.metadataItems) && metadata[depth].kind == .objectLabel:
                let nestedDepth = depth + 1
                if metadata.count == nestedDepth { metadata.append(MetadataLevel()) }
                metadata[nestedDepth].list.removeAll(keepingCapacity: true)
                levels.append(.metadataList(depth: nestedDepth))
                return
            case .metadataList(let depth):
                throw notAnObject("array", depth: depth)
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
            let list = metadata[0].list
            let item = try MediaItem(index: index, fields: itemFields, metadataItems: sawMetadataList ? list : nil)
            metadata[0].list = []
            metadata[0].list.reserveCapacity(list.count)
            return item
        case .metadataItem(let depth):
            do throws(VLExportError) {
                let level = metadata[depth]
                let item: MetadataItem
                if let nested = level.nested {
                    item = try MetadataItem(fields: level.fields, properties: level.properties, nestedMetadata: nested)
                } else {
                    item = try MetadataItem(fields: level.fields, properties: level.sawProperties ? level.properties : nil)
                }
                metadata[depth].list.append(item)
            } catch {
                throw located(error, depth: depth)
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
        guard case .metadataList(let depth) = levels.removeLast() else {
            preconditionFailure("yajl closed an object with a bracket")
        }
        if depth > 0 {
            // An object's own metadata, closed: it belongs to the properties one level up.
            metadata[depth - 1].nested = metadata[depth].list
            metadata[depth].list = []
        }
    }

    /// Hands a finished value to the innermost recognised level.
    private mutating func deliver(_ value: JSONValue) throws(VLExportError) {
        switch levels.last! {
        case .item:
            itemFields.append(Field(key: pendingKey, value: value))
        case .metadataItem(let depth):
            if pendingKey == .known(.type) || pendingKey == .known(.metadataType), case .string(let type) = value {
                metadata[depth].kind = MetadataKind(type)
            }
            metadata[depth].fields.append(Field(key: pendingKey, value: value))
        case .properties(let depth):
            metadata[depth].properties.append(Field(key: pendingKey, value: value))
        case .metadataList(let depth):
            throw notAnObject(value.shortDescription, depth: depth)
        }
    }

    private func notAnObject(_ found: String, depth: Int) -> VLExportError {
        located(VLExportError(.schema, "expected a metadata item object, found \(found)"), depth: depth)
    }

    /// Puts the path of the metadata item being read at `depth` in front of an error's path:
    /// `metadata_items[2].properties.metadata_items[0]` for depth 1.
    private func located(_ error: VLExportError, depth: Int) -> VLExportError {
        var error = error.prefixingPath("metadata_items[\(metadata[depth].list.count)]")
        for outer in stride(from: depth - 1, through: 0, by: -1) {
            error = error.prefixingPath("properties").prefixingPath("metadata_items[\(metadata[outer].list.count)]")
        }
        return error
    }
}

/// The general path of ``MediaItemBuilder``: a value that becomes a ``Field`` (a value of an
/// unexpected kind, a container, properties before their type), the bounding box, a metadata
/// item finished, and the stack of contexts.
extension MediaItemBuilder {
    /// The key of the member whose value comes next.
    var pendingKey: FieldKey { pending.key }

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
            log.prefixPaths(from: start, with: KnownKey.properties.rawValue)
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
    mutating func settle(from start: Int, at tokenizer: Tokenizer?, pathPrefix: String) throws(VLExportError) {
        guard log.count > start else { return }
        log.prefixPaths(from: start, with: pathPrefix)
        if let tokenizer { log.locate(from: start, at: tokenizer.tokenStartLocation) }
        if isStrict {
            throw log.values[start].schemaError(pathPrefix: "", mediaItemIndex: nil)
        }
    }

    /// A `bbox` of four finite numbers becomes the box; anything else goes the general path.
    mutating func finishBoundingBox(_ tokenizer: Tokenizer) throws(VLExportError) {
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
    mutating func spillBoundingBox(_ tokenizer: Tokenizer) {
        pop()
        genericStartLocation = boxReading.startLocation(tokenizer)
        generic.startArray()
        for number in boxReading.numbers {
            generic.add(.number(number))
        }
    }

    /// Adds the metadata item that just closed to its list.
    mutating func finishMetadataItem() throws(VLExportError) {
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
                members.append(JSONMember(key: KnownKey.properties.rawValue, value: writer.withBytes { (try? JSONValue(parsing: $0)) ?? .object([:]) }))
            } else if level.pointee.sawPropertyFields {
                members.append(JSONMember(key: KnownKey.properties.rawValue, value: .object(JSONObject(level.pointee.propertyFields.map(\.member)))))
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
        log.prefixPaths(from: start, with: KnownKey.properties.rawValue)
        level.pointee.list.append(MetadataItem(type: typeName, typeKey: level.pointee.typeKey, content: consume content, otherFields: otherFields))
        try settle(from: start, at: nil, pathPrefix: metadataPath(position: position))
    }

    // MARK: - Helpers

    mutating func push(_ next: BuilderContext, depth nextDepth: Int) {
        stack.append(Frame(context: context, depth: depth, keyFilter: keyFilter))
        context = next
        depth = nextDepth
        keyFilter = 0
        // In a list no key comes before a value: an element takes the general path (and, being
        // no object, is reported there). A bounding box keeps the slot that opened it.
        if next == .metadataList { pending.slot = .other }
    }

    mutating func pop() {
        let frame = stack.removeLast()
        context = frame.context
        depth = frame.depth
        keyFilter = frame.keyFilter
        pending.slot = .other
    }

    /// The path of the metadata item at `position` in the list being read, from the item:
    /// `metadata_items[2].properties.metadata_items[0]` for an object's own metadata.
    func metadataPath(position: Int) -> String {
        var path = "metadata_items[\(position)]"
        for outer in stride(from: depth - 1, through: 0, by: -1) {
            path = "metadata_items[\(levels.base[outer].list.count)].properties." + path
        }
        return path
    }
}

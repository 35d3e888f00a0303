// JSON values to typed values. One code path serves the streaming typed
// reader, which hands over the fields it could not read straight from the
// tokenizer, and any JSON value read whole, which is split into fields first.
// The per-field switches are generated from the declaration
// (Generated/Format.swift); what is here is the structure around them.
// A value that cannot be read as its kind is recorded in a NonconformingLog,
// with a path relative to what is being converted (callers put their own
// part in front), and kept among the other fields as written.

extension MediaItem {
    /// Reads a media item from any JSON value, such as one line of NDJSON.
    ///
    /// A value that cannot be read as its field's kind is kept and listed in
    /// ``nonconforming``, as a typed walk does; a value that is not an object
    /// gives an item whose only nonconforming value is itself.
    ///
    /// - Throws: with `schema: .strict`, a schema error at the first value that cannot be read.
    public init(json: JSONValue, index: Int, schema: ReaderOptions.SchemaPolicy = .tolerant) throws(VLExportError) {
        var log = NonconformingLog()
        self.init(json: json, index: index, &log)
        nonconforming = log.take()
        if schema == .strict, let first = nonconforming.first {
            throw first.schemaError(pathPrefix: ItemPath.mediaItem(index), mediaItemIndex: index)
        }
    }

    /// Reads a media item from any JSON value, recording what cannot be read in `log`.
    init(json: JSONValue, index: Int, _ log: inout NonconformingLog) {
        self.init(index: index)
        guard case .object(let object) = json else {
            log.record(path: "", expected: ExpectedShape.mediaItem, value: json)
            return
        }
        for member in object.members {
            take(Field(key: FieldKey(member.key), value: member.value), &log)
        }
    }

    /// Reads one member: into its typed property when declared and readable, else kept in ``otherFields``.
    mutating func take(_ field: Field, _ log: inout NonconformingLog) {
        if !apply(field, &log) { otherFields.members.append(field.member) }
    }

    /// The item in its canonical form: every declared field under its canonical key in declaration
    /// order, `metadata_type` for every metadata item, numbers as numbers, `file_size_bytes` beside
    /// `file_size`, and the fields the format does not name (or could not be read) as they were.
    public var normalizedJSON: JSONValue {
        // What the writer wrote is JSON, so parsing it cannot fail.
        (try? JSONValue(parsing: normalizedJSONBytes)) ?? .null
    }

    /// ``normalizedJSON`` as compact JSON text (UTF-8), written straight from the typed values.
    public var normalizedJSONBytes: [UInt8] {
        var writer = JSONWriter()
        writeNormalized(to: &writer)
        return writer.takeBytes()
    }

    /// Writes the item in its canonical form.
    public func writeNormalized(to writer: inout JSONWriter) {
        if let whole = nonconforming.first(where: { $0.path.isEmpty }) {
            writer.write(whole.value)
            return
        }
        writer.beginObject()
        writeNormalizedMembers(to: &writer)
        writer.endObject()
    }
}

extension ExportInfo {
    /// Reads an `info` object: declared fields typed, the whole object kept in ``json``, values
    /// that cannot be read listed in ``nonconforming``.
    public init(json: JSONObject) {
        // The declared properties are optional stored properties: they start as nil.
        self.json = json
        nonconforming = []
        var log = NonconformingLog()
        for member in json.members {
            _ = apply(Field(key: FieldKey(member.key), value: member.value), &log)
        }
        nonconforming = log.take()
    }
}

extension MetadataItem {
    /// Reads a metadata item from any JSON object; values that cannot be read are kept and recorded in `log`.
    ///
    /// An object with no type (or a type that is not a string or number) becomes
    /// ``Content/unreadable(_:)``, kept whole.
    init(json: JSONObject, _ log: inout NonconformingLog) {
        var fields: [Field] = []
        var properties: [Field]?
        for member in json.members {
            let field = Field(key: FieldKey(member.key), value: member.value)
            if field.key == .known(.properties), case .object(let object) = field.value {
                properties = object.members.map { Field(key: FieldKey($0.key), value: $0.value) }
            } else {
                fields.append(field)
            }
        }
        self.init(fields: fields, properties: properties, whole: .object(json), &log)
    }

    /// Reads a metadata item from its direct members and, when it had an object there, its `properties` fields.
    ///
    /// - Parameter whole: the metadata item as written, kept when it has no type.
    init(fields: [Field], properties: [Field]?, whole: @autoclosure () -> JSONValue, _ log: inout NonconformingLog) {
        var typeName: String?
        var typeKey = TypeKey.type
        var others: [JSONMember] = []
        let start = log.count
        for field in fields {
            switch field.key {
            case .known(.type), .known(.metadataType):
                if let name = StringCodec.read(field.value) {
                    typeName = name
                    typeKey = field.key == .known(.type) ? .type : .metadataType
                } else {
                    typeName = nil
                }
            case .known(.properties):
                // Only a properties value that was not an object reaches here.
                Self.keepNonObjectProperties(field, in: &others, &log)
            default:
                others.append(field.member)
            }
        }
        guard let typeName else {
            log.truncate(to: start)
            log.record(path: "", expected: ExpectedShape.typedMetadataItem, value: whole())
            self.init(type: "", typeKey: .type, content: .unreadable(whole()))
            return
        }
        let propertiesStart = log.count
        let content = Content(type: typeName, properties: properties ?? [], &log)
        log.prefixPaths(from: propertiesStart, with: KnownKey.properties.rawValue)
        self.init(type: typeName, typeKey: typeKey, content: content, otherFields: JSONObject(others))
    }

    /// Keeps a `properties` member that is not an object with a metadata item's other fields, and
    /// reports it; null is no properties, and is dropped.
    static func keepNonObjectProperties(_ field: Field, in others: inout [JSONMember], _ log: inout NonconformingLog) {
        guard field.value != .null else { return }
        log.record(field, expected: ExpectedShape.object)
        others.append(field.member)
    }

    /// Reads the value of a `metadata_items` key into `list`; false when it is not an array (it is
    /// then recorded in `log` and the list is empty). Elements that are not metadata items are kept
    /// in place as ``Content/unreadable(_:)``.
    static func readList(_ field: Field, into list: inout [MetadataItem], _ log: inout NonconformingLog) -> Bool {
        switch field.value {
        case .null:
            list = []
            return true
        case .array(let elements):
            var items: [MetadataItem] = []
            items.reserveCapacity(elements.count)
            for (position, element) in elements.enumerated() {
                let start = log.count
                if case .object(let object) = element {
                    items.append(MetadataItem(json: object, &log))
                } else {
                    log.record(path: "", expected: ExpectedShape.metadataItem, value: element, location: field.location)
                    items.append(MetadataItem(type: "", typeKey: .type, content: .unreadable(element)))
                }
                log.prefixPaths(from: start, with: "\(field.key.name)[\(position)]")
            }
            list = items
            return true
        default:
            list = []
            log.record(field, expected: ExpectedShape.array)
            return false
        }
    }

    /// The metadata item in its canonical form: `{"metadata_type": …, "properties": {…}}`, or an
    /// unreadable element as written.
    public var normalizedJSON: JSONValue {
        var writer = JSONWriter()
        writeNormalized(to: &writer)
        // What the writer wrote is JSON, so parsing it cannot fail.
        return writer.withBytes { (try? JSONValue(parsing: $0)) ?? .null }
    }

    /// The key of the type in the normalized form, whichever key the export used.
    static let normalizedTypeKey = StructuralKey.metadataType
    /// The key of the properties object.
    static let propertiesKey = StructuralKey.properties

    /// Writes the metadata item in its canonical form.
    public func writeNormalized(to writer: inout JSONWriter) {
        if content.isUnreadable, case .unreadable(let value) = content {
            writer.write(value)
            return
        }
        writer.beginObject()
        writer.plainKey(Self.normalizedTypeKey)
        writer.string(type)
        // A properties value that is not an object stands as written, among the other fields.
        if !otherFields.members.contains(where: { $0.key == KnownKey.properties.rawValue }) {
            writer.plainKey(Self.propertiesKey)
            writer.beginObject()
            content.writeNormalizedProperties(to: &writer)
            writer.endObject()
        }
        for member in otherFields.members {
            writer.key(member.key)
            writer.write(member.value)
        }
        writer.endObject()
    }
}

extension MetadataItem.Content {
    /// Whether this is ``unreadable(_:)``, asked without binding (and so copying) any payload.
    var isUnreadable: Bool {
        if case .unreadable = self { true } else { false }
    }
}

extension MetadataItem {
    /// Writes the metadata item's properties in their canonical form, as one object: what
    /// ``writeNormalized(to:)`` writes under `"properties"`; `{}` for an element that is no
    /// metadata item.
    public func writeNormalizedProperties(to writer: inout JSONWriter) {
        writer.beginObject()
        content.writeNormalizedProperties(to: &writer)
        writer.endObject()
    }
}

/// Reads `field` with `codec` into `property`; false when the value cannot be read (it is then
/// recorded in `log`, and the property is nil). `null` is no value.
@inline(__always)
func readDeclared<Codec: FieldCodec>(_ field: Field, _ codec: Codec.Type, into property: inout Codec.Value?, _ log: inout NonconformingLog) -> Bool {
    if case .null = field.value {
        property = nil
        return true
    }
    if let value = Codec.read(field.value) {
        property = value
        return true
    }
    property = nil
    log.record(field, expected: Codec.expected)
    return false
}

/// The properties of a known metadata type, read one member at a time.
protocol DeclaredProperties {
    init()
    /// Properties the format does not name, and values that could not be read, in order.
    var otherProperties: JSONObject { get set }
    /// Reads a declared property; false when the key is not declared or the value could not be read.
    mutating func apply(_ field: Field, _ log: inout NonconformingLog) -> Bool
}

extension DeclaredProperties {
    /// Reads properties in order: declared ones into their properties, the rest kept in ``otherProperties``.
    init(properties: [Field], _ log: inout NonconformingLog) {
        self.init()
        for field in properties {
            take(field, &log)
        }
    }

    /// Reads one property: into its typed property when declared and readable, else kept in order with the others.
    mutating func take(_ field: Field, _ log: inout NonconformingLog) {
        if !apply(field, &log) {
            otherProperties.append(key: field.key.name, value: field.value)
        }
    }
}

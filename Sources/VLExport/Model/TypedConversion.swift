// Fields to typed values. One code path serves the streaming typed reader,
// which hands over the fields it collected, and any JSON value read whole,
// which is split into fields first. Errors carry a path relative to the value
// being converted; callers put their own part in front.

extension MediaItem {
    /// Reads a media item from any JSON value, such as one line of NDJSON.
    ///
    /// - Throws: a schema error with the path of the offending value.
    public init(json: JSONValue, index: Int) throws(VLExportError) {
        guard case .object(let object) = json else {
            throw VLExportError(.schema, "expected a media item object, found \(json.shortDescription)", path: "media_items[\(index)]")
        }
        do throws(VLExportError) {
            try self.init(index: index, fields: object.members.map { Field(key: FieldKey($0.key), value: $0.value) }, metadataItems: nil)
        } catch {
            throw error.prefixingPath("media_items[\(index)]")
        }
    }

    /// Reads a media item from its fields.
    ///
    /// - Parameter metadataItems: the `metadata_items` already read, when the
    ///   streaming reader built them; otherwise they are read from the fields.
    init(index: Int, fields: [Field], metadataItems prebuilt: [MetadataItem]?) throws(VLExportError) {
        self.init(index: index)
        if let prebuilt { metadataItems = prebuilt }
        for field in fields {
            try take(field)
        }
    }

    /// Reads one member: into its typed property when the format names it, else kept in ``otherFields``.
    mutating func take(_ field: Field) throws(VLExportError) {
        switch field.key {
        case .known(.mediaID): mediaID = try field.string()
        case .known(.mediaType): mediaType = try field.string().map(MediaType.init(rawValue:))
        case .known(.fileName): fileName = try field.string()
        case .known(.filePath): filePath = try field.string()
        case .known(.fileSize): fileSize = try field.string().map(FileSize.init(text:))
        case .known(.height): height = try field.int()
        case .known(.width): width = try field.int()
        case .known(.url): url = try field.string()
        case .known(.clusterID): clusterID = try field.string()
        case .known(.uniquenessScore): uniquenessScore = try field.double()
        case .known(.metadataItems): metadataItems = try MetadataItem.list(from: field)
        default: otherFields.members.append(field.member)
        }
    }
}

extension MetadataItem {
    /// Reads a metadata item from any JSON object.
    public init(json: JSONObject) throws(VLExportError) {
        var fields: [Field] = []
        var properties: [Field]?
        for member in json {
            let field = Field(key: FieldKey(member.key), value: member.value)
            if field.key == .known(.properties), case .object(let object) = field.value {
                properties = object.members.map { Field(key: FieldKey($0.key), value: $0.value) }
            } else {
                fields.append(field)
            }
        }
        try self.init(fields: fields, properties: properties)
    }

    /// Reads a metadata item from its fields and, when it had an object there, its `properties` fields.
    init(fields: [Field], properties: [Field]?) throws(VLExportError) {
        try self.init(fields: fields) { (type) throws(VLExportError) in
            try Content(type: type, properties: properties ?? [])
        }
    }

    private init(fields: [Field], content makeContent: (String) throws(VLExportError) -> Content) throws(VLExportError) {
        var typeName: String?
        var typeKey = TypeKey.type
        var others: [JSONMember] = []
        for field in fields {
            switch field.key {
            case .known(.type), .known(.metadataType):
                typeName = try field.string()
                typeKey = field.key == .known(.type) ? .type : .metadataType
            case .known(.properties):
                // Only a properties value that was not an object reaches here: null is no properties.
                _ = try field.object()
            default:
                others.append(field.member)
            }
        }
        guard let typeName else {
            throw VLExportError(.schema, "metadata item has neither \"type\" nor \"metadata_type\"")
        }
        do throws(VLExportError) {
            self.init(type: typeName, typeKey: typeKey, content: try makeContent(typeName), otherFields: JSONObject(others))
        } catch {
            throw error.prefixingPath("properties")
        }
    }

    /// Reads the array under a `metadata_items` key.
    static func list(from field: Field) throws(VLExportError) -> [MetadataItem] {
        guard let elements = try field.array() else { return [] }
        var items: [MetadataItem] = []
        items.reserveCapacity(elements.count)
        for (position, element) in elements.enumerated() {
            do throws(VLExportError) {
                guard case .object(let object) = element else {
                    throw VLExportError(.schema, "expected a metadata item object, found \(element.shortDescription)")
                }
                items.append(try MetadataItem(json: object))
            } catch {
                throw error.prefixingPath("metadata_items[\(position)]")
            }
        }
        return items
    }
}

/// A typed set of properties that takes its members one at a time.
protocol PropertyApplying {
    init()
    /// Properties the format does not name, in order.
    var otherProperties: JSONObject { get set }
    /// Reads a known property into its typed slot; false for a property this type does not name.
    mutating func apply(_ field: Field) throws(VLExportError) -> Bool
}

extension PropertyApplying {
    /// Reads properties in order: known ones into their slots, the rest kept in ``otherProperties``.
    init(properties: [Field]) throws(VLExportError) {
        self.init()
        for field in properties {
            try take(field)
        }
    }

    /// Reads one property: into its slot when known, else kept in order with the others.
    mutating func take(_ field: Field) throws(VLExportError) {
        if try !apply(field) {
            otherProperties.append(key: field.key.name, value: field.value)
        }
    }
}

/// The metadata types the typed model knows.
enum MetadataKind: String, CaseIterable {
    case issue
    case userTag = "user_tag"
    case imageLabel = "image_label"
    case objectLabel = "object_label"
    case videoInfo = "video_info"
    case caption
}

extension MetadataItem.Content {
    /// Reads properties by the metadata type.
    init(type: String, properties: [Field]) throws(VLExportError) {
        switch MetadataKind(rawValue: type) {
        case .issue?: self = .issue(try Issue(properties: properties))
        case .userTag?: self = .userTag(try UserTag(properties: properties))
        case .imageLabel?: self = .imageLabel(try ImageLabel(properties: properties))
        case .objectLabel?: self = .objectLabel(try ObjectLabel(properties: properties))
        case .videoInfo?: self = .videoInfo(try VideoInfo(properties: properties))
        case .caption?: self = .caption(try Caption(properties: properties))
        case nil: self = .unknown(JSONObject(properties.map(\.member)))
        }
    }
}

extension Issue: PropertyApplying {
    init() {
        self.init(otherProperties: JSONObject())
    }

    mutating func apply(_ field: Field) throws(VLExportError) -> Bool {
        switch field.key {
        case .known(.issueType): issueType = try field.string().map(IssueType.init(rawValue:))
        case .known(.confidence): confidence = try field.double()
        case .known(.duplicateGroupID): duplicateGroupID = try DuplicateGroupID(field)
        case .known(.duplicateThreshold): duplicateThreshold = try field.double()
        case .known(.similarityLevel): similarityLevel = try field.double()
        case .known(.actualLabel): actualLabel = try field.string()
        case .known(.suggestedLabel): suggestedLabel = try field.string()
        case .known(.suggestionConfidence): suggestionConfidence = try field.double()
        case .known(.issuesDescription): issuesDescription = try field.string()
        default: return false
        }
        return true
    }
}

extension DuplicateGroupID {
    init?(_ field: Field) throws(VLExportError) {
        switch field.value {
        case .null: return nil
        case .string(let text): self = .identifier(text)
        case .number: self = .integer(try field.int()!)
        default: throw field.mismatch(expected: "integer or string")
        }
    }
}

extension UserTag: PropertyApplying {
    init() {
        self.init(otherProperties: JSONObject())
    }

    mutating func apply(_ field: Field) throws(VLExportError) -> Bool {
        switch field.key {
        case .known(.tagName): tagName = try field.string()
        case .known(.assignedDate): assignedDate = try field.string()
        case .known(.assignedBy): assignedBy = try field.string()
        default: return false
        }
        return true
    }
}

extension ImageLabel: PropertyApplying {
    init() {
        self.init(otherProperties: JSONObject())
    }

    mutating func apply(_ field: Field) throws(VLExportError) -> Bool {
        switch field.key {
        case .known(.categoryID): categoryID = try field.int()
        case .known(.categoryName): categoryName = try field.string()
        case .known(.source): source = try field.string()
        case .known(.originalID): originalID = try field.int()
        default: return false
        }
        return true
    }
}

extension ObjectLabel: PropertyApplying {
    init() {
        self.init(otherProperties: JSONObject())
    }

    mutating func apply(_ field: Field) throws(VLExportError) -> Bool {
        switch field.key {
        case .known(.categoryID): categoryID = try field.int()
        case .known(.categoryName): categoryName = try field.string()
        case .known(.source): source = try field.string()
        case .known(.originalID): originalID = try field.int()
        case .known(.bbox): boundingBox = try BoundingBox(field)
        case .known(.url): url = try field.string()
        case .known(.clusterID): clusterID = try field.string()
        case .known(.uniquenessScore): uniquenessScore = try field.double()
        case .known(.metadataItems): metadataItems = try MetadataItem.list(from: field)
        default: return false
        }
        return true
    }
}

extension BoundingBox {
    init?(_ field: Field) throws(VLExportError) {
        guard let elements = try field.array() else { return nil }
        guard elements.count == 4 else {
            throw VLExportError(.schema, "expected [x, y, width, height], found an array of \(elements.count)", path: field.key.name)
        }
        var numbers: [Double] = []
        for (position, element) in elements.enumerated() {
            do throws(VLExportError) {
                numbers.append(try Field(key: .other(""), value: element).double() ?? .nan)
            } catch {
                throw VLExportError(.schema, "expected number, found \(element.shortDescription)", path: "\(field.key.name)[\(position)]")
            }
        }
        self.init(x: numbers[0], y: numbers[1], width: numbers[2], height: numbers[3])
    }
}

extension VideoInfo: PropertyApplying {
    init() {
        self.init(otherProperties: JSONObject())
    }

    mutating func apply(_ field: Field) throws(VLExportError) -> Bool {
        switch field.key {
        case .known(.videoName): videoName = try field.string()
        case .known(.frameTimestamp): frameTimestamp = try FrameTimestamp(field)
        case .known(.frameNumber): frameNumber = try field.int()
        case .known(.videoID): videoID = try field.string()
        case .known(.timestamp): timestamp = try FrameTimestamp(field)
        default: return false
        }
        return true
    }
}

extension FrameTimestamp {
    init?(_ field: Field) throws(VLExportError) {
        switch field.value {
        case .null:
            return nil
        case .string(let text):
            guard let parsed = FrameTimestamp(text: text) else { throw field.mismatch(expected: "seconds or \"HH:MM:SS\"") }
            self = parsed
        default:
            guard let seconds = try field.double() else { return nil }
            self.init(seconds: seconds)
        }
    }
}

extension Caption: PropertyApplying {
    init() {
        self.init(otherProperties: JSONObject())
    }

    mutating func apply(_ field: Field) throws(VLExportError) -> Bool {
        switch field.key {
        case .known(.text), .known(.caption): text = try field.string()
        case .known(.source): source = try field.string()
        default: return false
        }
        return true
    }
}

// Codable for the model. Encoding writes the canonical normalized form (what
// `vlx ndjson --normalize` writes), so `JSONEncoder` output and --normalize
// agree; decoding reads any JSON of an item's shape the way a typed walk does,
// odd values kept and listed. Encoding and then decoding gives the item that
// reading its normalized form gives (`metadata_type` for every metadata item,
// numbers as numbers), and encoding that again gives the same JSON.

extension JSONValue: Codable {
    /// Encodes the value: numbers as `Int` when written as one (`-0` is not), else as `Double`
    /// when finite, else (beyond a Double's range) as their text.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .number(let number):
            var container = encoder.singleValueContainer()
            if let integer = Int(number.text), String(integer) == number.text {
                try container.encode(integer)
            } else if number.doubleValue.isFinite {
                try container.encode(number.doubleValue)
            } else {
                try container.encode(number.text)
            }
        case .string(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(element) }
        case .object(let object):
            var container = encoder.container(keyedBy: MemberKey.self)
            for member in object.members { try container.encode(member.value, forKey: MemberKey(member.key)) }
        }
    }

    /// Decodes any JSON value. A decoder does not say in which order an object's keys came,
    /// so members are kept in the order the decoder lists them.
    public init(from decoder: any Decoder) throws {
        if let container = try? decoder.container(keyedBy: MemberKey.self) {
            var members: [JSONMember] = []
            for key in container.allKeys {
                members.append(JSONMember(key: key.stringValue, value: try container.decode(JSONValue.self, forKey: key)))
            }
            self = .object(JSONObject(members))
            return
        }
        if var container = try? decoder.unkeyedContainer() {
            var elements: [JSONValue] = []
            while !container.isAtEnd { elements.append(try container.decode(JSONValue.self)) }
            self = .array(elements)
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            // -0 reads as the integer 0; its sign survives as a Double.
            let negativeZero = value == 0 && (try? container.decode(Double.self))?.sign == .minus
            self = negativeZero ? .double(-0.0) : .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    /// An object key of any text.
    struct MemberKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ key: String) { stringValue = key }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

extension MediaItem: Codable {
    /// Encodes the item's normalized form.
    public func encode(to encoder: any Encoder) throws {
        try normalizedJSON.encode(to: encoder)
    }

    /// Decodes an item from any JSON of its shape, as a typed walk reads it; its index is its
    /// position when it is decoded from an array, else 0.
    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONValue(from: decoder), index: decoder.codingPath.last?.intValue ?? 0)
    }
}

extension MetadataItem: Encodable {
    /// Encodes the metadata item's normalized form.
    public func encode(to encoder: any Encoder) throws {
        try normalizedJSON.encode(to: encoder)
    }
}

extension ExportInfo: Codable {
    /// Encodes `info` as it stood in the export.
    public func encode(to encoder: any Encoder) throws {
        try JSONValue.object(json).encode(to: encoder)
    }

    /// Decodes an `info` object, as a walk reads it.
    public init(from decoder: any Decoder) throws {
        guard case .object(let object) = try JSONValue(from: decoder) else {
            throw DecodingError.typeMismatch(
                JSONObject.self, DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "info is an object")
            )
        }
        self.init(json: object)
    }
}

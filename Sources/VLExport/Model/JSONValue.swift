/// Any JSON value, kept as it was written: object keys in order, numbers as their text.
///
/// VLExport uses it for the parts of an export that the schema does not name
/// (unknown fields, unknown metadata types, unknown properties), so that no
/// data is ever dropped, and for `info` as it stands in the file.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number, as the text that was in the input (`0.50`, `1e400` and
    /// `123456789012345678901234567890` survive as written).
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// A short name for the kind of value, for messages: `string`, `number`, `object`…
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// A JSON number kept as its text, so that writing it back changes nothing.
///
/// Text of up to 15 bytes, which is nearly every number in an export, is
/// stored inline in two words; longer text in a `String`. Reading a number
/// so makes no string and allocates nothing.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    private enum Storage: Hashable {
        /// Up to 15 bytes of text in `low` and `high`, the count in the top byte of `high`.
        case inline(low: UInt64, high: UInt64)
        case text(String)
    }

    private let storage: Storage

    /// Wraps number text. The text is expected to be a valid JSON number.
    public init(text: String) {
        var utf8 = text
        self = utf8.withUTF8 { JSONNumber(bytes: UnsafeRawBufferPointer($0), fallback: text) }
    }

    /// Wraps number text given as UTF-8 bytes.
    init(bytes: UnsafeRawBufferPointer) {
        self.init(bytes: bytes, fallback: nil)
    }

    private init(bytes: UnsafeRawBufferPointer, fallback: String?) {
        guard bytes.count <= 15 else {
            storage = .text(fallback ?? String(decoding: bytes, as: UTF8.self))
            return
        }
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: bytes) }
        storage = .inline(low: words.0, high: words.1 | UInt64(bytes.count) << 56)
    }

    /// Calls `body` with the text's UTF-8 bytes.
    func withUTF8<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        switch storage {
        case .inline(let low, let high):
            let count = Int(high >> 56)
            let words = (low, high & 0x00FF_FFFF_FFFF_FFFF)
            return withUnsafeBytes(of: words) { body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        case .text(var text):
            return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        }
    }

    /// The number as it was written.
    public var text: String {
        switch storage {
        case .inline: withUTF8 { String(decoding: $0, as: UTF8.self) }
        case .text(let text): text
        }
    }

    /// The nearest `Double`; infinite for numbers beyond its range (`1e400`).
    public var doubleValue: Double {
        withUTF8 { NumberParsing.double(fromJSONNumber: $0) } ?? .nan
    }

    /// The value as an `Int`, when it is a whole number that fits (`3`, `3.0`, `3e2`).
    public var intValue: Int? {
        withUTF8 { NumberParsing.int(fromJSONNumber: $0) }
    }

    /// The text.
    public var description: String { text }
}

/// One key and value of a JSON object.
public struct JSONMember: Sendable, Hashable {
    /// The key, unescaped.
    public var key: String
    /// The value.
    public var value: JSONValue

    /// Creates a member.
    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// A JSON object that keeps its members in input order, duplicates included.
///
/// Lookups by key scan the members and return the last match, the way most
/// JSON readers resolve a duplicated key.
public struct JSONObject: Sendable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    /// The members, in input order.
    public var members: [JSONMember]

    /// Creates an object from members in order.
    public init(_ members: [JSONMember] = []) {
        self.members = members
    }

    /// Creates an object from a literal, in the literal's order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = elements.map { JSONMember(key: $0.0, value: $0.1) }
    }

    public var startIndex: Int { members.startIndex }
    public var endIndex: Int { members.endIndex }
    public subscript(position: Int) -> JSONMember { members[position] }

    /// The value of the last member named `key`, if any.
    public subscript(key: String) -> JSONValue? {
        members.last(where: { $0.key == key })?.value
    }

    /// Adds a member at the end.
    public mutating func append(key: String, value: JSONValue) {
        members.append(JSONMember(key: key, value: value))
    }
}

extension JSONValue {
    /// The paths of object keys that appear more than once in the same object, in document order.
    ///
    /// JSON allows duplicate keys but readers disagree about them: the raw walk
    /// keeps every member, the typed model takes the last. `vlx validate` warns.
    public func duplicateKeyPaths(under prefix: String = "$") -> [String] {
        var found: [String] = []
        var path: [PathStep] = []
        collectDuplicateKeys(at: &path, prefix: prefix, into: &found)
        return found
    }

    /// One step of a path, kept as it is; the path is made into text only for a duplicate found.
    private enum PathStep {
        case key(String)
        case index(Int)
    }

    private func collectDuplicateKeys(at path: inout [PathStep], prefix: String, into found: inout [String]) {
        switch self {
        case .object(let object):
            let members = object.members
            var reported: [String] = []
            // Objects in exports are small: comparing with the keys before is cheaper than hashing.
            // A large object is checked with a set, so that its cost stays linear.
            var seen: Set<String>? = members.count > 16 ? Set(minimumCapacity: members.count) : nil
            for (position, member) in members.enumerated() {
                let repeated = seen.map { _ in !seen!.insert(member.key).inserted } ?? members[..<position].contains { $0.key == member.key }
                if repeated, !reported.contains(member.key) {
                    reported.append(member.key)
                    path.append(.key(member.key))
                    found.append(Self.text(of: path, prefix: prefix))
                    path.removeLast()
                }
                if case .object = member.value {} else if case .array = member.value {} else { continue }
                path.append(.key(member.key))
                member.value.collectDuplicateKeys(at: &path, prefix: prefix, into: &found)
                path.removeLast()
            }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                if case .object = element {} else if case .array = element {} else { continue }
                path.append(.index(index))
                element.collectDuplicateKeys(at: &path, prefix: prefix, into: &found)
                path.removeLast()
            }
        default:
            break
        }
    }

    private static func text(of path: [PathStep], prefix: String) -> String {
        var text = prefix
        for step in path {
            switch step {
            case .key(let key): text += "." + key
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }
}

/// An object key, known or not.
enum FieldKey: Hashable {
    case known(KnownKey)
    case other(String)

    /// Classifies a key given as a string.
    init(_ name: String) {
        var utf8 = name
        let known = utf8.withUTF8 { KnownKey.match(UnsafeRawBufferPointer($0)) }
        self = known.map(FieldKey.known) ?? .other(name)
    }

    /// The key as written.
    var name: String {
        switch self {
        case .known(let key): key.rawValue
        case .other(let name): name
        }
    }
}

/// One member of an object on its way to a typed value.
struct Field {
    var key: FieldKey
    var value: JSONValue
    /// Where the value starts in the input, when the walk knows it.
    var location: SourceLocation?

    init(key: FieldKey, value: JSONValue, location: SourceLocation? = nil) {
        self.key = key
        self.value = value
        self.location = location
    }

    /// The member as it would stand in a ``JSONObject``.
    var member: JSONMember { JSONMember(key: key.name, value: value) }
}

extension JSONValue {
    /// The kind of value with a glimpse of it: `string "abc"`, `number 1.5`, `object`.
    var shortDescription: String {
        switch self {
        case .string(let text):
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            return "string \"\(shown)\""
        case .number(let number):
            return "number \(number.text.count > 40 ? String(number.text.prefix(40)) + "…" : number.text)"
        case .bool(let value):
            return "boolean \(value)"
        default:
            return kindName
        }
    }
}

extension VLExportError {
    /// The error with `prefix` put in front of its path (`metadata_items[2]` + `properties.bbox`).
    func prefixingPath(_ prefix: String) -> VLExportError {
        var error = self
        if let path, !path.isEmpty {
            error.path = path.hasPrefix("[") ? prefix + path : prefix + "." + path
        } else {
            error.path = prefix
        }
        return error
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A scalar as the tokenizer reports it. The bytes are valid during the callback only.
enum ScalarToken {
    case null
    case bool(Bool)
    /// Number text.
    case number(UnsafeRawBufferPointer)
    /// A string's UTF-8 bytes, unescaped.
    case string(UnsafeRawBufferPointer)

    /// The scalar as a value to keep.
    var value: JSONValue {
        switch self {
        case .null: .null
        case .bool(let value): .bool(value)
        case .number(let text): .number(text: text)
        case .string(let bytes): .string(bytes: bytes)
        }
    }

    /// The kind's name, for messages.
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        }
    }
}

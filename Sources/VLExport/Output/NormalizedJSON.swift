// The canonical, typed form of a media item (`vlx ndjson --normalize`) is
// generated from the declaration: each field under its canonical key, written
// by its kind's codec (FieldCodecs.swift). These are the number helpers the
// codecs and the CLI share.

extension JSONValue {
    /// A whole number.
    public static func integer(_ value: Int) -> JSONValue {
        .number(JSONNumber(text: String(value)))
    }

    /// A finite number in its shortest form that reads back the same (`0.88`, `6120.0`).
    public static func double(_ value: Double) -> JSONValue {
        .number(JSONNumber(text: value.description))
    }
}

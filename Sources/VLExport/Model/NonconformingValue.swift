/// A value a typed walk could not read as its field's kind, kept as written.
///
/// Real exports drift from the documented types: a number where the format
/// has a string, an object where it has a number. A typed walk does not stop
/// there. The typed property is nil, the value is kept exactly as written
/// among the other fields of the object that holds it (``MediaItem/otherFields``,
/// ``Issue/otherProperties``…, so `--normalize` writes it as it stands), and
/// the item lists it here, with where it is and what was expected. The walk
/// also reports it as an ``ExportWarning``. With ``ReaderOptions/SchemaPolicy/strict``
/// the first one ends the walk with a schema error instead.
///
/// The same holds for shape: a `metadata_items` that is not an array, a
/// `properties` that is not an object, an element of `metadata_items` that is
/// not a metadata item (``MetadataItem/Content/unreadable(_:)``), and a media
/// item that is not an object (its ``path`` is empty).
public struct NonconformingValue: Sendable, Hashable, CustomStringConvertible {
    /// The value's JSON path inside its media item (`metadata_items[2].properties.confidence`),
    /// or inside `info`; empty for the media item itself.
    public var path: String
    /// What the format has there: `number`, `string`, `[x, y, width, height]`…
    public var expected: String
    /// The value as written.
    public var value: JSONValue
    /// Where the value starts in the input, when the walk saw it there; otherwise the
    /// start of what holds it (its media item, or `info`), when known.
    public var location: SourceLocation?

    /// Creates a record of a value that could not be read.
    public init(path: String, expected: String, value: JSONValue, location: SourceLocation? = nil) {
        self.path = path
        self.expected = expected
        self.value = value
        self.location = location
    }

    /// `expected number, found string "high"`.
    public var message: String {
        if expected == DoubleCodec.expected, case .number(let number) = value {
            return "number \(number.text) is out of range for a 64-bit float"
        }
        return "expected \(expected), found \(value.shortDescription)"
    }

    /// `path: expected …, found …`.
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// What the format has where a part of an export has another shape, as warnings say it.
enum ExpectedShape {
    static let mediaItem = "a media item object"
    static let metadataItem = "a metadata item object"
    static let typedMetadataItem = "a metadata item with a \"type\""
    static let object = "object"
    static let array = "array"
}

extension MediaItem {
    /// An element of `media_items` that is not an object, as an item of its own whose only
    /// nonconforming value is itself.
    static func unreadable(index: Int, value: JSONValue, location: SourceLocation?) -> MediaItem {
        MediaItem(index: index, nonconforming: [
            NonconformingValue(path: "", expected: ExpectedShape.mediaItem, value: value, location: location),
        ])
    }
}

/// The values a conversion could not read, as it finds them.
///
/// Conversions record a value with its path relative to what they convert;
/// the caller puts its own part of the path in front of the values recorded
/// during its call (``prefixPaths(from:with:)``). Nothing is allocated until a
/// value is recorded.
struct NonconformingLog {
    private(set) var values: [NonconformingValue] = []

    var count: Int { values.count }

    /// Keeps `field` as a value that is not `expected`; its path is its key.
    mutating func record(_ field: Field, expected: String) {
        values.append(NonconformingValue(path: field.key.name, expected: expected, value: field.value, location: field.location))
    }

    /// Keeps a value at `path`.
    mutating func record(path: String, expected: String, value: JSONValue, location: SourceLocation? = nil) {
        values.append(NonconformingValue(path: path, expected: expected, value: value, location: location))
    }

    /// Forgets the values recorded since `start`.
    mutating func truncate(to start: Int) {
        if start < values.count { values.removeSubrange(start...) }
    }

    /// Puts `prefix` in front of the paths of the values recorded since `start`.
    mutating func prefixPaths(from start: Int, with prefix: String) {
        guard start < values.count else { return }
        for index in start..<values.count {
            values[index].path = NonconformingLog.join(prefix, values[index].path)
        }
    }

    /// Gives every value recorded since `start` that has no location this one.
    mutating func locate(from start: Int, at location: SourceLocation?) {
        guard let location, start < values.count else { return }
        for index in start..<values.count where values[index].location == nil {
            values[index].location = location
        }
    }

    /// Moves the values out; the log is then empty.
    mutating func take() -> [NonconformingValue] {
        guard !values.isEmpty else { return [] }
        defer { values = [] }
        return values
    }

    /// `prefix.path`, or `prefix[2]` for an index path, or either alone when the other is empty.
    static func join(_ prefix: String, _ path: String) -> String {
        if path.isEmpty { return prefix }
        if prefix.isEmpty { return path }
        return path.hasPrefix("[") ? prefix + path : prefix + "." + path
    }
}

extension NonconformingValue {
    /// The schema error a strict walk throws for this value, with `pathPrefix` (such as
    /// `media_items[3]`) in front of its path.
    public func schemaError(pathPrefix: String, mediaItemIndex: Int?) -> VLExportError {
        VLExportError(.schema, message, location: location, path: NonconformingLog.join(pathPrefix, path), mediaItemIndex: mediaItemIndex)
    }
}

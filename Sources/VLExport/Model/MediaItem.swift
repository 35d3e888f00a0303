extension MediaItem {
    /// Every issue of the item: its own, then those of its objects, in input order.
    public var allIssues: [Issue] {
        var issues: [Issue] = []
        for metadata in metadataItems {
            switch metadata.content {
            case .issue(let issue):
                issues.append(issue)
            case .objectLabel(let object):
                for nested in object.metadataItems {
                    if case .issue(let issue) = nested.content { issues.append(issue) }
                }
            default:
                break
            }
        }
        return issues
    }

    /// Whether the element of `media_items` was no object at all; it is kept, as written, in
    /// ``nonconforming`` (with an empty path), and every property is nil.
    public var isUnreadable: Bool {
        nonconforming.contains { $0.path.isEmpty }
    }

    /// The item's object labels, in input order.
    public var objectLabels: [ObjectLabel] {
        metadataItems.compactMap { metadata in
            if case .objectLabel(let object) = metadata.content { return object }
            return nil
        }
    }
}

/// What a media item is.
public enum MediaType: Sendable, Hashable, CustomStringConvertible {
    /// `"image"`.
    case image
    /// `"video_frame"`.
    case videoFrame
    /// A type this version does not know, kept as written.
    case other(String)

    /// Reads the value of `media_type`.
    public init(rawValue: String) {
        switch rawValue {
        case "image": self = .image
        case "video_frame": self = .videoFrame
        default: self = .other(rawValue)
        }
    }

    /// The types this version knows.
    static let known: [MediaType] = [.image, .videoFrame]

    /// Reads the value of `media_type` from its UTF-8 bytes, matched in `vocabulary` without comparing strings.
    init(utf8 bytes: UnsafeRawBufferPointer, vocabulary: Vocabulary) {
        let index = vocabulary.mediaTypes.index(of: bytes)
        self = index >= 0 ? vocabulary.mediaTypeValues[index] : .other(String(decoding: bytes, as: UTF8.self))
    }

    /// The value as it is written in an export.
    public var rawValue: String {
        switch self {
        case .image: "image"
        case .videoFrame: "video_frame"
        case .other(let value): value
        }
    }

    /// The raw value.
    public var description: String { rawValue }
}

/// A media item's compact JSON, exactly as the export holds it but for white space.
///
/// The bytes are one JSON object with no insignificant white space: keys in
/// their order, strings with their escapes, numbers with their text. Written
/// one per line, they make lossless NDJSON.
public struct RawMediaItem: Sendable, Hashable {
    /// The item's position in `media_items`, from 0.
    public var index: Int
    /// The item as compact JSON (UTF-8).
    public var json: [UInt8] {
        // Bytes changed after the walk are no longer the bytes it vouched for.
        didSet { keysAreKnownDistinct = false }
    }
    /// Where the item's opening brace stands in the input.
    public var location: SourceLocation?
    /// True when the typed walk that read these bytes saw every key of the item and no object
    /// held one twice, so ``duplicateKeyPaths()`` need not scan them. False (scan) otherwise,
    /// and again once ``json`` is changed. Not part of the item's value: equality and hashing
    /// leave it out.
    var keysAreKnownDistinct = false

    /// Wraps an item's compact JSON.
    public init(index: Int, json: [UInt8], location: SourceLocation? = nil) {
        self.index = index
        self.json = json
        self.location = location
    }

    public static func == (left: RawMediaItem, right: RawMediaItem) -> Bool {
        left.index == right.index && left.json == right.json && left.location == right.location
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(index)
        hasher.combine(json)
        hasher.combine(location)
    }
}

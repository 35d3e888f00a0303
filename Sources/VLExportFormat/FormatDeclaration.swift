/// The Visual Layer export format, declared once.
///
/// Every field the format documents, or that real exports carry, is one
/// ``FieldDeclaration`` here: its key in the export (and any other spelling),
/// which object holds it, its Swift property, the kind of value it holds and
/// the encodings that kind accepts, and its table columns. `vlx-codegen`
/// turns this into `Sources/VLExport/Generated/Format.swift`: the model's
/// stored properties, key matching and property slots, the typed walk's fast
/// path, conversion from JSON, the normalized form, table columns and the
/// typed keys of `PropertySelection`. A test regenerates that file and fails
/// when it differs from the one committed, so nothing here can drift from
/// what the library does.
public enum FormatDeclaration {
    /// The objects of the format that hold declared fields, in the order they are emitted.
    public static let owners: [OwnerDeclaration] = [info, mediaItem] + metadataContents

    /// The metadata types the typed model knows, each with the object its `properties` become.
    public static let metadataContents: [OwnerDeclaration] = [issue, userTag, imageLabel, objectLabel, videoInfo, caption]

    /// Keys that give an export its outline rather than naming a property.
    public static let structuralKeys: [(caseName: String, key: String)] = [
        ("info", "info"), ("mediaItems", "media_items"), ("type", "type"), ("metadataType", "metadata_type"),
        ("properties", "properties"),
    ]

    public static let info = OwnerDeclaration(
        typeName: "ExportInfo", caseName: "info", metadataType: nil,
        summary: "The export's `info` object: which dataset, when, by whom, and how many items.",
        fields: [
            .init("schema_version", "schemaVersion", .text, "`schema_version`, `\"1.1\"` so far."),
            .init("dataset", "dataset", .text, "`dataset`: the dataset's name."),
            .init("description", "description", .text, "`description`."),
            .init("dataset_url", "datasetURL", .text, "`dataset_url`."),
            .init("dataset_creation_time", "datasetCreationTime", .text,
                  "`dataset_creation_time`, as written (`\"2023-01-01 12:34:56\"` or ISO 8601 with microseconds)."),
            .init("export_time", "exportTime", .text, "`export_time`, as written."),
            .init("exported_by", "exportedBy", .text, "`exported_by`."),
            .init("total_media_items", "totalMediaItems", .integer, "`total_media_items`, as declared; it can differ from the real count."),
        ]
    )

    public static let mediaItem = OwnerDeclaration(
        typeName: "MediaItem", caseName: "item", metadataType: nil,
        summary: "One record of `media_items`: an image or a video frame with its metadata.",
        fields: [
            .init("media_id", "mediaID", .text, "`media_id`: a UUID string."),
            .init("media_type", "mediaType", .mediaType, "`media_type`: image, video frame, or a type this version does not know."),
            .init("file_name", "fileName", .text, "`file_name`."),
            .init("file_path", "filePath", .text, "`file_path`."),
            .init("file_size", "fileSize", .fileSize, "`file_size`: the human-readable size (`\"3.38MB\"`) with a derived byte count."),
            .init("height", "height", .integer, "`height` in pixels."),
            .init("width", "width", .integer, "`width` in pixels."),
            .init("url", "url", .text, "`url`: the item's page in Visual Layer."),
            .init("cluster_id", "clusterID", .text, "`cluster_id`: a UUID string."),
            .init("uniqueness_score", "uniquenessScore", .number, "`uniqueness_score`, from 0 to 1, in real exports."),
            .init("metadata_items", "metadataItems", .metadataItems, "`metadata_items`, in order: issues, tags, labels, objects, video info…"),
        ]
    )

    public static let issue = OwnerDeclaration(
        typeName: "Issue", caseName: "issue", metadataType: "issue",
        summary: "A problem Visual Layer found: duplicates, mislabels, outliers, blur…",
        fields: [
            .init("issue_type", "issueType", .issueType, "`issue_type`, as written, with its normalised kind."),
            .init("confidence", "confidence", .number, "`confidence`, from 0 to 1 (a string in the documentation, a number in real exports)."),
            .init("duplicate_group_id", "duplicateGroupID", .duplicateGroupID,
                  "`duplicate_group_id`: an integer in the documentation, a UUID string in real exports."),
            .init("duplicate_threshold", "duplicateThreshold", .number, "`duplicate_threshold`: the similarity tier of this duplicates issue (0.96 … 1.0)."),
            .init("similarity_level", "similarityLevel", .number, "`similarity_level`."),
            .init("actual_label", "actualLabel", .text, "`actual_label`, for mislabels."),
            .init("suggested_label", "suggestedLabel", .text, "`suggested_label`, for mislabels."),
            .init("suggestion_confidence", "suggestionConfidence", .number, "`suggestion_confidence`, for mislabels."),
            .init("issues_description", "issuesDescription", .text, "`issues_description`, for mislabels in real exports."),
        ]
    )

    public static let userTag = OwnerDeclaration(
        typeName: "UserTag", caseName: "userTag", metadataType: "user_tag",
        summary: "A tag a user put on the media item or object.",
        fields: [
            .init("tag_name", "tagName", .text, "`tag_name`."),
            .init("assigned_date", "assignedDate", .text, "`assigned_date`, as written."),
            .init("assigned_by", "assignedBy", .text, "`assigned_by`, in the documentation."),
        ]
    )

    public static let imageLabel = OwnerDeclaration(
        typeName: "ImageLabel", caseName: "imageLabel", metadataType: "image_label",
        summary: "A label for the whole image.",
        fields: [
            .init("category_id", "categoryID", .integer, "`category_id`, in the documentation."),
            .init("category_name", "categoryName", .text, "`category_name`."),
            .init("source", "source", .text,
                  "`source`: `\"user\"`, `\"vl_enrichment\"` (documented); `\"Visual Layer\"`, `\"User\"`, `\"Model\"` (seen)."),
            .init("original_id", "originalID", .integer, "`original_id`: the label's id in the source dataset, -1 when Visual Layer generated it."),
        ]
    )

    public static let objectLabel = OwnerDeclaration(
        typeName: "ObjectLabel", caseName: "objectLabel", metadataType: "object_label",
        summary: "A labelled object in the image, with a box and metadata of its own.",
        fields: [
            .init("category_id", "categoryID", .integer, "`category_id`, in the documentation."),
            .init("category_name", "categoryName", .text, "`category_name`."),
            .init("source", "source", .text, "`source`."),
            .init("original_id", "originalID", .integer, "`original_id`, -1 when Visual Layer generated the object."),
            .init("bbox", "boundingBox", .boundingBox, "`bbox`: where the object is, in pixels."),
            .init("uniqueness_score", "uniquenessScore", .number, "`uniqueness_score`, in real exports."),
            .init("url", "url", .text, "`url`: the object's page in Visual Layer."),
            .init("cluster_id", "clusterID", .text, "`cluster_id`, in the documentation."),
            .init("metadata_items", "metadataItems", .metadataItems, "The object's own `metadata_items`: issues and tags of this object."),
        ]
    )

    public static let videoInfo = OwnerDeclaration(
        typeName: "VideoInfo", caseName: "videoInfo", metadataType: "video_info",
        summary: "Where a video frame comes from.",
        fields: [
            .init("video_name", "videoName", .text, "`video_name`."),
            .init("frame_timestamp", "frameTimestamp", .timestamp,
                  "`frame_timestamp`: `\"01:42:00\"` in the documentation, seconds (`0.0`) in real exports."),
            .init("frame_number", "frameNumber", .integer, "`frame_number`, in other documentation."),
            .init("video_id", "videoID", .text, "`video_id`, in other documentation."),
            .init("timestamp", "timestamp", .timestamp, "`timestamp` (`\"00:00:00.567\"`), in other documentation."),
        ]
    )

    public static let caption = OwnerDeclaration(
        typeName: "Caption", caseName: "caption", metadataType: "caption",
        summary: "A caption of the image.",
        fields: [
            .init(["text", "caption"], "text", .text, "The caption: `text` in some documentation, `caption` in other."),
            .init("source", "source", .text, "`source`."),
        ]
    )
}

/// An object of the format whose members are declared fields.
public struct OwnerDeclaration: Sendable {
    /// The Swift type that holds the fields (`Issue`).
    public let typeName: String
    /// A lower-camel-case name for the owner, for enum cases and slot names (`issue`).
    public let caseName: String
    /// The metadata type whose `properties` this owner is (`"issue"`); nil for the item and `info`.
    public let metadataType: String?
    /// The type's doc comment summary.
    public let summary: String
    /// The declared fields, in the order the format documents them.
    public let fields: [FieldDeclaration]
}

/// One field of the format.
public struct FieldDeclaration: Sendable {
    /// The keys that name the field in an export; the first is the canonical one, used in normalized output.
    public let keys: [String]
    /// The Swift property that holds the typed value.
    public let property: String
    /// What the value is, and so how it is read, written and flattened.
    public let kind: ValueKind
    /// The property's doc comment: what the field is.
    public let summary: String

    public init(_ key: String, _ property: String, _ kind: ValueKind, _ summary: String) {
        self.init([key], property, kind, summary)
    }

    public init(_ keys: [String], _ property: String, _ kind: ValueKind, _ summary: String) {
        self.keys = keys
        self.property = property
        self.kind = kind
        self.summary = summary
    }

    /// The canonical key.
    public var key: String { keys[0] }
}

/// The kinds of value a declared field holds. Each kind has one codec in
/// VLExport (`Sources/VLExport/Model/FieldCodecs.swift`) that reads it from
/// the tokenizer and from a JSON value, writes its normalized form and its
/// table cells; ``accepts`` documents what that codec reads.
public enum ValueKind: String, Sendable, CaseIterable {
    case text, integer, number, mediaType, issueType, fileSize, duplicateGroupID, timestamp, boundingBox, metadataItems

    /// The Swift type of the property (optional but for ``metadataItems``).
    public var swiftType: String {
        switch self {
        case .text: "String"
        case .integer: "Int"
        case .number: "Double"
        case .mediaType: "MediaType"
        case .issueType: "IssueType"
        case .fileSize: "FileSize"
        case .duplicateGroupID: "DuplicateGroupID"
        case .timestamp: "FrameTimestamp"
        case .boundingBox: "BoundingBox"
        case .metadataItems: "[MetadataItem]"
        }
    }

    /// The codec type in VLExport; nil for ``metadataItems``, which the walk reads as structure.
    public var codec: String? {
        switch self {
        case .metadataItems: nil
        default: swiftType + "Codec"
        }
    }

    /// Whether the typed walk reads the value straight from one token (a scalar).
    public var isScalar: Bool {
        switch self {
        case .boundingBox, .metadataItems: false
        default: true
        }
    }

    /// The encodings the kind reads without a warning, for the property's doc comment.
    /// `null` is always read as no value.
    public var accepts: String {
        switch self {
        case .text: "a string; a number, kept as its text"
        case .integer: "a whole number, also written with a fraction of zero or an exponent (`3.0`, `3e2`); a string holding one (`\"42\"`)"
        case .number: "a number; a string holding one (`\"0.88\"`, white space around it allowed)"
        case .mediaType: "a string (any, kept as written); a number, kept as its text"
        case .issueType: "a string in either spelling (`\"duplicate\"`, `\"duplicates\"`) or any other, kept as written; a number, kept as its text"
        case .fileSize: "a string such as `\"3.38MB\"`; a number of bytes"
        case .duplicateGroupID: "a string (a UUID in real exports); a whole number"
        case .timestamp: "a number of seconds; a string `\"HH:MM:SS\"`, `\"MM:SS\"` or `\"SS\"`, each with optional decimals"
        case .boundingBox: "an array of four numbers, each also as a numeric string"
        case .metadataItems: "an array of metadata item objects; an element that is not one is kept as written"
        }
    }

    /// Whether the property is optional (every kind but a list, which is empty when absent).
    public var isOptional: Bool { self != .metadataItems }

    /// The members the normalized form adds beside a field of this kind whose key is `key`
    /// (`file_size_bytes` beside `file_size`).
    public func derivedKeys(key: String) -> [String] {
        self == .fileSize ? [key + "_bytes"] : []
    }

    /// The table columns of a field of this kind whose key is `key`.
    public func columns(key: String) -> [String] {
        switch self {
        case .fileSize: [key, key + "_bytes"]
        case .timestamp: [key + "_seconds", key]
        case .boundingBox: [key + "_x", key + "_y", key + "_width", key + "_height"]
        default: [key]
        }
    }
}

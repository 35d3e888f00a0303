/// One entry of `metadata_items`: an issue, a tag, a label, an object, video information…
///
/// The documentation names the type with `metadata_type`; real exports use
/// `type`. Both are read; ``typeKey`` says which the input used.
public struct MetadataItem: Sendable, Hashable {
    /// The key that named the type in the input.
    public enum TypeKey: String, Sendable, Hashable {
        /// `"metadata_type"`, as the format documentation writes it.
        case metadataType = "metadata_type"
        /// `"type"`, as real exports write it.
        case type = "type"
    }

    /// The typed content of a metadata item, one case per known type.
    public enum Content: Sendable, Hashable {
        case issue(Issue)
        case userTag(UserTag)
        case imageLabel(ImageLabel)
        case objectLabel(ObjectLabel)
        case videoInfo(VideoInfo)
        case caption(Caption)
        /// A type this version does not know: its properties, as written.
        case unknown(JSONObject)
    }

    /// The type, as written (`"issue"`, `"object_label"`…).
    public var type: String
    /// Which key named the type.
    public var typeKey: TypeKey
    /// The properties, typed by ``type``.
    public var content: Content
    /// Members of the metadata item other than its type and `properties`, in order.
    public var otherFields: JSONObject

    /// Creates a metadata item.
    public init(type: String, typeKey: TypeKey = .type, content: Content, otherFields: JSONObject = JSONObject()) {
        self.type = type
        self.typeKey = typeKey
        self.content = content
        self.otherFields = otherFields
    }
}

/// A problem Visual Layer found: duplicates, mislabels, outliers, blur…
public struct Issue: Sendable, Hashable {
    /// `issue_type`, as written, with its normalised kind.
    public var issueType: IssueType?
    /// `confidence`, from 0 to 1 (a string in the documentation, a number in real exports).
    public var confidence: Double?
    /// `duplicate_group_id`: an integer in the documentation, a UUID string in real exports.
    public var duplicateGroupID: DuplicateGroupID?
    /// `duplicate_threshold`: the similarity tier of this duplicates issue (0.96 … 1.0).
    public var duplicateThreshold: Double?
    /// `similarity_level`.
    public var similarityLevel: Double?
    /// `actual_label`, for mislabels.
    public var actualLabel: String?
    /// `suggested_label`, for mislabels.
    public var suggestedLabel: String?
    /// `suggestion_confidence`, for mislabels.
    public var suggestionConfidence: Double?
    /// `issues_description`, for mislabels in real exports.
    public var issuesDescription: String?
    /// Properties the format does not name, in order.
    public var otherProperties: JSONObject

    /// Creates an issue.
    public init(
        issueType: IssueType? = nil, confidence: Double? = nil, duplicateGroupID: DuplicateGroupID? = nil,
        duplicateThreshold: Double? = nil, similarityLevel: Double? = nil, actualLabel: String? = nil,
        suggestedLabel: String? = nil, suggestionConfidence: Double? = nil, issuesDescription: String? = nil,
        otherProperties: JSONObject = JSONObject()
    ) {
        self.issueType = issueType
        self.confidence = confidence
        self.duplicateGroupID = duplicateGroupID
        self.duplicateThreshold = duplicateThreshold
        self.similarityLevel = similarityLevel
        self.actualLabel = actualLabel
        self.suggestedLabel = suggestedLabel
        self.suggestionConfidence = suggestionConfidence
        self.issuesDescription = issuesDescription
        self.otherProperties = otherProperties
    }
}

/// An issue's type as written, and what it means whatever the spelling.
///
/// The documentation writes `"duplicate"` and `"mislabel"`; real exports write
/// `"duplicates"` and `"mislabels"`. Both map to the same ``Kind``.
public struct IssueType: Sendable, Hashable, CustomStringConvertible {
    /// The kinds of issue Visual Layer reports.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case duplicates, mislabels, outliers, blur, dark, bright, normal
        case labelOutlier = "label_outlier"
        /// A type this version does not know; ``IssueType/rawValue`` says which.
        case other
    }

    /// The type as written.
    public var rawValue: String
    /// The normalised kind.
    public var kind: Kind

    /// Every spelling this version knows, with its kind.
    static let spellings: [(spelling: String, kind: Kind)] = [
        ("duplicate", .duplicates), ("duplicates", .duplicates),
        ("mislabel", .mislabels), ("mislabels", .mislabels),
        ("outlier", .outliers), ("outliers", .outliers),
        ("blur", .blur), ("blurry", .blur),
        ("dark", .dark), ("bright", .bright), ("normal", .normal),
        ("label_outlier", .labelOutlier), ("label_outliers", .labelOutlier),
    ]

    /// Reads an `issue_type` value.
    public init(rawValue: String) {
        self.rawValue = rawValue
        kind = Self.spellings.first { $0.spelling == rawValue }?.kind ?? .other
    }

    /// Reads an `issue_type` value from its UTF-8 bytes, matched in `vocabulary` without comparing strings.
    init(utf8 bytes: UnsafeRawBufferPointer, vocabulary: Vocabulary) {
        let index = vocabulary.issueTypes.index(of: bytes)
        self = index >= 0 ? vocabulary.issueTypeValues[index] : IssueType(rawValue: String(decoding: bytes, as: UTF8.self))
    }

    /// The raw value.
    public var description: String { rawValue }
}

/// The group a duplicates issue belongs to: an integer in the documentation, a UUID string in real exports.
public enum DuplicateGroupID: Sendable, Hashable, CustomStringConvertible {
    case integer(Int)
    case identifier(String)

    /// The identifier as text.
    public var description: String {
        switch self {
        case .integer(let value): String(value)
        case .identifier(let value): value
        }
    }
}

/// A tag a user put on the media item or object.
public struct UserTag: Sendable, Hashable {
    /// `tag_name`.
    public var tagName: String?
    /// `assigned_date`, as written.
    public var assignedDate: String?
    /// `assigned_by`, in the documentation.
    public var assignedBy: String?
    /// Properties the format does not name, in order.
    public var otherProperties: JSONObject

    /// Creates a user tag.
    public init(tagName: String? = nil, assignedDate: String? = nil, assignedBy: String? = nil, otherProperties: JSONObject = JSONObject()) {
        self.tagName = tagName
        self.assignedDate = assignedDate
        self.assignedBy = assignedBy
        self.otherProperties = otherProperties
    }
}

/// A label for the whole image.
public struct ImageLabel: Sendable, Hashable {
    /// `category_id`, in the documentation.
    public var categoryID: Int?
    /// `category_name`.
    public var categoryName: String?
    /// `source`: `"user"`, `"vl_enrichment"` (documented); `"Visual Layer"`, `"User"`, `"Model"` (seen).
    public var source: String?
    /// `original_id`: the label's id in the source dataset, -1 when Visual Layer generated it.
    public var originalID: Int?
    /// Properties the format does not name, in order.
    public var otherProperties: JSONObject

    /// Creates an image label.
    public init(categoryID: Int? = nil, categoryName: String? = nil, source: String? = nil, originalID: Int? = nil, otherProperties: JSONObject = JSONObject()) {
        self.categoryID = categoryID
        self.categoryName = categoryName
        self.source = source
        self.originalID = originalID
        self.otherProperties = otherProperties
    }
}

/// A labelled object in the image, with a box and metadata of its own.
public struct ObjectLabel: Sendable, Hashable {
    /// `category_id`, in the documentation.
    public var categoryID: Int?
    /// `category_name`.
    public var categoryName: String?
    /// `source`.
    public var source: String?
    /// `original_id`, -1 when Visual Layer generated the object.
    public var originalID: Int?
    /// `bbox`: where the object is, in pixels.
    public var boundingBox: BoundingBox?
    /// `url`: the object's page in Visual Layer.
    public var url: String?
    /// `cluster_id`, in the documentation.
    public var clusterID: String?
    /// `uniqueness_score`, in real exports.
    public var uniquenessScore: Double?
    /// The object's own `metadata_items`: issues and tags of this object.
    public var metadataItems: [MetadataItem]
    /// Properties the format does not name, in order.
    public var otherProperties: JSONObject

    /// Creates an object label.
    public init(
        categoryID: Int? = nil, categoryName: String? = nil, source: String? = nil, originalID: Int? = nil,
        boundingBox: BoundingBox? = nil, url: String? = nil, clusterID: String? = nil, uniquenessScore: Double? = nil,
        metadataItems: [MetadataItem] = [], otherProperties: JSONObject = JSONObject()
    ) {
        self.categoryID = categoryID
        self.categoryName = categoryName
        self.source = source
        self.originalID = originalID
        self.boundingBox = boundingBox
        self.url = url
        self.clusterID = clusterID
        self.uniquenessScore = uniquenessScore
        self.metadataItems = metadataItems
        self.otherProperties = otherProperties
    }
}

/// Where a video frame comes from.
public struct VideoInfo: Sendable, Hashable {
    /// `video_name`.
    public var videoName: String?
    /// `frame_timestamp`: `"01:42:00"` in the documentation, seconds (`0.0`) in real exports.
    public var frameTimestamp: FrameTimestamp?
    /// `frame_number`, in other documentation.
    public var frameNumber: Int?
    /// `video_id`, in other documentation.
    public var videoID: String?
    /// `timestamp` (`"00:00:00.567"`), in other documentation.
    public var timestamp: FrameTimestamp?
    /// Properties the format does not name, in order.
    public var otherProperties: JSONObject

    /// Creates video information.
    public init(
        videoName: String? = nil, frameTimestamp: FrameTimestamp? = nil, frameNumber: Int? = nil,
        videoID: String? = nil, timestamp: FrameTimestamp? = nil, otherProperties: JSONObject = JSONObject()
    ) {
        self.videoName = videoName
        self.frameTimestamp = frameTimestamp
        self.frameNumber = frameNumber
        self.videoID = videoID
        self.timestamp = timestamp
        self.otherProperties = otherProperties
    }
}

/// A caption of the image.
public struct Caption: Sendable, Hashable {
    /// The caption: `text` in some documentation, `caption` in other.
    public var text: String?
    /// `source`.
    public var source: String?
    /// Properties the format does not name, in order.
    public var otherProperties: JSONObject

    /// Creates a caption.
    public init(text: String? = nil, source: String? = nil, otherProperties: JSONObject = JSONObject()) {
        self.text = text
        self.source = source
        self.otherProperties = otherProperties
    }
}

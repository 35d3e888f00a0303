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

    /// The type, as written (`"issue"`, `"object_label"`…); empty for ``Content/unreadable(_:)``.
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

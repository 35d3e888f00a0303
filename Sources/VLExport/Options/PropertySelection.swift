/// Which properties a typed walk reads into each ``MediaItem``.
///
/// A typed walk reads every property by default. A job that needs a few of
/// them (counting issue types, listing labels) can name them; every other
/// value is then passed over as the parser reads it, with no string made and
/// no number converted, and is `nil` (or absent from the other fields) in the
/// items. This is what `vlx stats` does.
///
/// ```swift
/// let options = ReaderOptions(properties: .only([.issueType, .confidence]))
/// ```
///
/// Each key the format declares is a static member of ``Key``, so a misspelt
/// one does not compile; ``Key/other(_:)`` names a key the format does not.
/// A key selects its property wherever it stands: ``Key/categoryName``
/// selects the category of image labels and of object labels alike. The keys
/// that give an item its shape are always read: `metadata_items`, `type`,
/// `metadata_type` and `properties`. A value passed over is not checked
/// against the format either, so a walk with a selection reports the odd
/// values in what it reads, not in everything; `vlx validate` reads
/// everything. The selection may read more than it names, never less: the
/// properties of a metadata type this version does not know, and properties
/// written before their metadata item's type, are read whole.
public struct PropertySelection: Sendable, Hashable {
    /// A key of the export, as a selection names it.
    public struct Key: Sendable, Hashable {
        /// The key as written in an export (`"issue_type"`).
        public let name: String

        init(name: String) {
            self.name = name
        }

        /// A key the format does not declare (`"review_status"`): selecting it keeps that field
        /// in the other fields of whatever holds it.
        public static func other(_ name: String) -> Key {
            Key(name: name)
        }
    }

    /// The selected keys; nil for every key.
    let keys: Set<String>?
    /// Whether fields the format does not name are kept, in ``MediaItem/otherFields`` and the like.
    let keepsOtherFields: Bool

    /// Every property and every other field: the default.
    public static let all = PropertySelection(keys: nil, keepsOtherFields: true)

    /// Only the properties with these keys, and the fields the format does not name when
    /// `keepingOtherFields` is true.
    public static func only(_ keys: Set<Key>, keepingOtherFields: Bool = false) -> PropertySelection {
        PropertySelection(keys: Set(keys.map(\.name)), keepsOtherFields: keepingOtherFields)
    }

    /// Whether every property is read.
    public var isAll: Bool { keys == nil && keepsOtherFields }

    /// Whether a field with this key is read where the format does not name it.
    func keepsOtherField(named key: String) -> Bool {
        keepsOtherFields || keys?.contains(key) ?? true
    }

    /// Whether a known key's value is read.
    func reads(_ key: KnownKey) -> Bool {
        keys?.contains(key.rawValue) ?? true
    }
}

/// The kind of object (or list) the typed builder is in.
enum BuilderContext: Int, CaseIterable {
    /// The media item object.
    case item
    /// A `metadata_items` array.
    case metadataList
    /// A metadata item object: its type, its properties, other fields.
    case metadataItem
    // The properties of a metadata item whose known type came before them.
    case issue, userTag, imageLabel, objectLabel, videoInfo, caption
    /// The properties of a metadata item whose type was not known when they began: kept as fields.
    case fieldProperties
    /// An object label's `bbox` array, while it holds nothing but numbers.
    case boundingBox

    /// The context of the properties of a metadata item of `kind`.
    init(properties kind: MetadataKind) {
        switch kind {
        case .issue: self = .issue
        case .userTag: self = .userTag
        case .imageLabel: self = .imageLabel
        case .objectLabel: self = .objectLabel
        case .videoInfo: self = .videoInfo
        case .caption: self = .caption
        }
    }
}

/// The typed property a member's value goes to, decided once, when its key is read.
///
/// The key and the context together name one property of one type (`confidence`
/// in an issue's properties is ``confidence``), so a scalar value takes a
/// single switch to reach its place. ``other`` covers everything that is not a
/// typed property in that context; such values take the general path, which
/// keeps them in order with the other fields.
enum PropertySlot: UInt8 {
    case other
    /// A value the walk's ``PropertySelection`` leaves out: passed over, containers and all.
    case skipped
    // media item
    case mediaID, mediaType, fileName, filePath, fileSize, height, width, itemURL, itemClusterID, itemUniquenessScore
    case itemMetadataItems
    // metadata item
    case type, metadataType, properties
    // issue
    case issueType, confidence, duplicateGroupID, duplicateThreshold, similarityLevel
    case actualLabel, suggestedLabel, suggestionConfidence, issuesDescription
    // user tag
    case tagName, assignedDate, assignedBy
    // image label
    case imageCategoryID, imageCategoryName, imageSource, imageOriginalID
    // object label
    case objectCategoryID, objectCategoryName, objectSource, objectOriginalID, objectBoundingBox
    case objectURL, objectClusterID, objectUniquenessScore, objectMetadataItems
    // video info
    case videoName, frameTimestamp, frameNumber, videoID, timestamp
    // caption
    case captionText, captionSource

    /// Where the value of `key` goes in `context`.
    ///
    /// This is the same mapping the typed conversions of ``Field`` make (an
    /// `apply` per type); a key missing here would still be read correctly, on
    /// the general path.
    static func of(_ key: KnownKey, in context: BuilderContext) -> PropertySlot {
        switch (context, key) {
        case (.item, .mediaID): .mediaID
        case (.item, .mediaType): .mediaType
        case (.item, .fileName): .fileName
        case (.item, .filePath): .filePath
        case (.item, .fileSize): .fileSize
        case (.item, .height): .height
        case (.item, .width): .width
        case (.item, .url): .itemURL
        case (.item, .clusterID): .itemClusterID
        case (.item, .uniquenessScore): .itemUniquenessScore
        case (.item, .metadataItems): .itemMetadataItems

        case (.metadataItem, .type): .type
        case (.metadataItem, .metadataType): .metadataType
        case (.metadataItem, .properties): .properties

        case (.issue, .issueType): .issueType
        case (.issue, .confidence): .confidence
        case (.issue, .duplicateGroupID): .duplicateGroupID
        case (.issue, .duplicateThreshold): .duplicateThreshold
        case (.issue, .similarityLevel): .similarityLevel
        case (.issue, .actualLabel): .actualLabel
        case (.issue, .suggestedLabel): .suggestedLabel
        case (.issue, .suggestionConfidence): .suggestionConfidence
        case (.issue, .issuesDescription): .issuesDescription

        case (.userTag, .tagName): .tagName
        case (.userTag, .assignedDate): .assignedDate
        case (.userTag, .assignedBy): .assignedBy

        case (.imageLabel, .categoryID): .imageCategoryID
        case (.imageLabel, .categoryName): .imageCategoryName
        case (.imageLabel, .source): .imageSource
        case (.imageLabel, .originalID): .imageOriginalID

        case (.objectLabel, .categoryID): .objectCategoryID
        case (.objectLabel, .categoryName): .objectCategoryName
        case (.objectLabel, .source): .objectSource
        case (.objectLabel, .originalID): .objectOriginalID
        case (.objectLabel, .bbox): .objectBoundingBox
        case (.objectLabel, .url): .objectURL
        case (.objectLabel, .clusterID): .objectClusterID
        case (.objectLabel, .uniquenessScore): .objectUniquenessScore
        case (.objectLabel, .metadataItems): .objectMetadataItems

        case (.videoInfo, .videoName): .videoName
        case (.videoInfo, .frameTimestamp): .frameTimestamp
        case (.videoInfo, .frameNumber): .frameNumber
        case (.videoInfo, .videoID): .videoID
        case (.videoInfo, .timestamp): .timestamp

        case (.caption, .text), (.caption, .caption): .captionText
        case (.caption, .source): .captionSource

        default: .other
        }
    }
}

/// ``PropertySlot/of(_:in:)`` for every context and key, precomputed for one ``PropertySelection``.
///
/// A lookup is one load, where the switch would be a jump the processor
/// mispredicts whenever the keys change kind.
struct SlotTable: @unchecked Sendable {
    /// The table for ``PropertySelection/all``, made once.
    static let shared = SlotTable(selection: .all)

    /// Owns the table's memory; ``slots`` points into it, so a lookup does not touch the owner.
    private final class Storage {
        let slots: UnsafeMutablePointer<PropertySlot>
        init(count: Int) { slots = .allocate(capacity: count) }
        deinit { slots.deallocate() }
    }

    private let storage: Storage
    /// One row per context: the slot for an unknown key, then one per ``KnownKey/ordered`` key.
    private let slots: UnsafeMutablePointer<PropertySlot>
    private let rowLength: Int

    /// The table that reads what `selection` selects and skips the rest.
    init(selection: PropertySelection) {
        let keys = KnownKey.ordered
        rowLength = keys.count + 1
        storage = Storage(count: BuilderContext.allCases.count * rowLength)
        slots = storage.slots
        for context in BuilderContext.allCases {
            let row = slots + context.rawValue * rowLength
            row.initialize(to: Self.selected(.other, key: nil, in: context, selection))
            for (index, key) in keys.enumerated() {
                (row + 1 + index).initialize(to: Self.selected(PropertySlot.of(key, in: context), key: key, in: context, selection))
            }
        }
    }

    /// `slot`, or ``PropertySlot/skipped`` when the selection leaves it out.
    private static func selected(_ slot: PropertySlot, key: KnownKey?, in context: BuilderContext, _ selection: PropertySelection) -> PropertySlot {
        switch slot {
        case .itemMetadataItems, .objectMetadataItems, .type, .metadataType, .properties:
            return slot  // the item's shape: always read
        case .other:
            // Properties before their type are read whole, to be typed when the type is known.
            if context == .fieldProperties { return slot }
            // A key the format does not name: skipped unless other fields are kept; the
            // builder still keeps one the selection names (``MediaItemBuilder/key(_:)``).
            guard let key else { return selection.keepsOtherFields ? slot : .skipped }
            return selection.keepsOtherField(named: key.rawValue) ? slot : .skipped
        default:
            return key.map(selection.reads) ?? true ? slot : .skipped
        }
    }

    /// The slot of the key at `keyIndex` in ``KnownKey/ordered`` (-1 for an unknown key) in `context`.
    @inline(__always)
    func slot(_ keyIndex: Int, in context: BuilderContext) -> PropertySlot {
        slots[context.rawValue * rowLength + keyIndex + 1]
    }
}

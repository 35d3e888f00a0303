/// Every field name the format documents or real exports use, at any level.
///
/// The typed reader recognises these from the key's bytes, without making a
/// `String`, and switches on the case; other keys become ``FieldKey/other(_:)``.
enum KnownKey: String, CaseIterable {
    // the export object
    case info, mediaItems = "media_items"
    // info
    case schemaVersion = "schema_version", dataset, description, datasetURL = "dataset_url"
    case datasetCreationTime = "dataset_creation_time", exportTime = "export_time"
    case exportedBy = "exported_by", totalMediaItems = "total_media_items"
    // media item
    case mediaID = "media_id", mediaType = "media_type", fileName = "file_name", filePath = "file_path"
    case fileSize = "file_size", height, width, url, clusterID = "cluster_id"
    case uniquenessScore = "uniqueness_score", metadataItems = "metadata_items"
    // metadata item
    case type, metadataType = "metadata_type", properties
    // properties
    case issueType = "issue_type", confidence, duplicateGroupID = "duplicate_group_id"
    case duplicateThreshold = "duplicate_threshold", similarityLevel = "similarity_level"
    case actualLabel = "actual_label", suggestedLabel = "suggested_label"
    case suggestionConfidence = "suggestion_confidence", issuesDescription = "issues_description"
    case tagName = "tag_name", assignedDate = "assigned_date", assignedBy = "assigned_by"
    case categoryID = "category_id", categoryName = "category_name", source, originalID = "original_id"
    case bbox, videoName = "video_name", frameTimestamp = "frame_timestamp", frameNumber = "frame_number"
    case videoID = "video_id", timestamp, text, caption

    /// The known key spelled by `bytes`, if any.
    @inline(__always)
    static func match(_ bytes: UnsafeRawBufferPointer) -> KnownKey? {
        KnownKeyTable.shared.match(bytes)
    }
}

/// The known names in an open-addressing hash table in memory that is never freed.
///
/// Matching runs once per key in the input. A table of Swift arrays would be
/// retained and released on every lookup; raw pointers are not counted. The
/// hash reads the length and three bytes, and nearly every lookup ends at its
/// first slot: one length check and one comparison.
private struct KnownKeyTable: @unchecked Sendable {
    private struct Slot {
        /// The name's offset in `names`, or -1 for an empty slot.
        var nameOffset: Int
        var length: Int
        var key: KnownKey
    }

    static let shared = KnownKeyTable()
    private static let slotCount = 256

    private let names: UnsafeMutablePointer<UInt8>
    private let slots: UnsafeMutablePointer<Slot>

    private init() {
        let keys = KnownKey.allCases
        let totalBytes = keys.reduce(0) { $0 + $1.rawValue.utf8.count }
        names = .allocate(capacity: totalBytes)
        slots = .allocate(capacity: Self.slotCount)
        slots.initialize(repeating: Slot(nameOffset: -1, length: 0, key: .type), count: Self.slotCount)
        var offset = 0
        for key in keys {
            let utf8 = Array(key.rawValue.utf8)
            (names + offset).initialize(from: utf8, count: utf8.count)
            var slot = utf8.withUnsafeBytes { Self.hash($0.baseAddress!, utf8.count) }
            while slots[slot].nameOffset >= 0 { slot = (slot + 1) & (Self.slotCount - 1) }
            slots[slot] = Slot(nameOffset: offset, length: utf8.count, key: key)
            offset += utf8.count
        }
    }

    @inline(__always)
    private static func hash(_ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        let first = Int(bytes.load(as: UInt8.self))
        let middle = Int(bytes.load(fromByteOffset: count >> 1, as: UInt8.self))
        let last = Int(bytes.load(fromByteOffset: count - 1, as: UInt8.self))
        return (count &* 29 &+ first &* 7 &+ middle &* 13 &+ last &* 3) & (slotCount - 1)
    }

    /// Compares short byte strings a word at a time, without a call to memcmp.
    @inline(__always)
    private static func equal(_ lhs: UnsafePointer<UInt8>, _ rhs: UnsafeRawPointer, _ count: Int) -> Bool {
        let left = UnsafeRawPointer(lhs)
        var offset = 0
        while offset + 8 <= count {
            if left.loadUnaligned(fromByteOffset: offset, as: UInt64.self) != rhs.loadUnaligned(fromByteOffset: offset, as: UInt64.self) {
                return false
            }
            offset += 8
        }
        while offset < count {
            if left.load(fromByteOffset: offset, as: UInt8.self) != rhs.load(fromByteOffset: offset, as: UInt8.self) { return false }
            offset += 1
        }
        return true
    }

    @inline(__always)
    func match(_ bytes: UnsafeRawBufferPointer) -> KnownKey? {
        let count = bytes.count
        guard count > 0, let base = bytes.baseAddress else { return nil }
        var slot = Self.hash(base, count)
        while true {
            let entry = slots[slot]
            if entry.nameOffset < 0 { return nil }
            if entry.length == count, Self.equal(names + entry.nameOffset, base, count) { return entry.key }
            slot = (slot + 1) & (Self.slotCount - 1)
        }
    }
}

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

    /// Classifies a key given as UTF-8 bytes.
    init(bytes: UnsafeRawBufferPointer) {
        self = KnownKey.match(bytes).map(FieldKey.known) ?? .other(String(decoding: bytes, as: UTF8.self))
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

    /// The member as it would stand in a ``JSONObject``.
    var member: JSONMember { JSONMember(key: key.name, value: value) }

    /// A string; nil for null.
    func string() throws(VLExportError) -> String? {
        switch value {
        case .string(let text): return text
        case .null: return nil
        default: throw mismatch(expected: "string")
        }
    }

    /// A whole number, from a number or a numeric string; nil for null.
    func int() throws(VLExportError) -> Int? {
        switch value {
        case .number(let number):
            if let value = number.intValue { return value }
            throw mismatch(expected: "integer")
        case .string(let text):
            if let value = NumberParsing.int(fromJSONNumber: text) { return value }
            throw mismatch(expected: "integer")
        case .null:
            return nil
        default:
            throw mismatch(expected: "integer")
        }
    }

    /// A finite number, from a number or a numeric string; nil for null.
    func double() throws(VLExportError) -> Double? {
        switch value {
        case .number(let number):
            let value = number.doubleValue
            if value.isFinite { return value }
            throw VLExportError(.schema, "number \(number.text) is out of range for a 64-bit float", path: key.name)
        case .string(let text):
            if let value = NumberParsing.double(fromJSONNumber: text.trimmingWhitespace()), value.isFinite { return value }
            throw mismatch(expected: "number")
        case .null:
            return nil
        default:
            throw mismatch(expected: "number")
        }
    }

    /// An object; nil for null.
    func object() throws(VLExportError) -> JSONObject? {
        switch value {
        case .object(let object): return object
        case .null: return nil
        default: throw mismatch(expected: "object")
        }
    }

    /// An array; nil for null.
    func array() throws(VLExportError) -> [JSONValue]? {
        switch value {
        case .array(let elements): return elements
        case .null: return nil
        default: throw mismatch(expected: "array")
        }
    }

    /// A schema error for this field: what was expected and what was found.
    func mismatch(expected: String) -> VLExportError {
        VLExportError(.schema, "expected \(expected), found \(value.shortDescription)", path: key.name)
    }
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

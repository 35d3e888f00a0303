import Foundation
import Testing
import TestSupport
@testable import VLExport

/// The model's Codable conformance: JSONEncoder writes what --normalize writes,
/// and decoding gives back the item its normalized form reads as.
@Suite(.hangLimit) struct CodableTests {
    static func items() async throws -> [MediaItem] {
        var items: [MediaItem] = []
        for name in ["real-export-extreme.json", "edge-cases.json"] {
            let walk = await typedWalk(try Fixture.bytes(name))
            #expect(walk.error == nil)
            items += walk.items
        }
        let odd = await typedWalk(Array(#"{"media_items": [{"media_id": "o", "height": "tall", "metadata_items": [7, {"type": "issue", "properties": {"confidence": {"x": 1}}}]}]}"#.utf8))
        items += odd.items
        return items
    }

    @Test func jsonEncoderWritesTheNormalizedForm() async throws {
        let items = try await Self.items()
        #expect(items.count > 50)
        for item in items {
            let encoded = try JSONEncoder().encode(item)
            // Equal as JSON: the same members with the same values (JSONEncoder may spell numbers differently).
            let written = try Self.canonical(JSONValue(parsing: Array(encoded))), normalized = Self.canonical(item.normalizedJSON)
            #expect(Self.firstDifference(written, normalized) == nil, "media_items[\(item.index)]")
        }
    }

    @Test func decodingTheEncodingGivesTheNormalizedItem() async throws {
        let items = try await Self.items()
        let encoded = try JSONEncoder().encode(items)
        let decoded = try JSONDecoder().decode([MediaItem].self, from: encoded)
        #expect(decoded.count == items.count)
        for (original, copy) in zip(items, decoded) {
            // The item its normalized form reads as, keys aside: a decoder does not keep their order.
            let normalized = try MediaItem(json: original.normalizedJSON, index: copy.index)
            let written = try Self.canonical(JSONValue(parsing: Array(JSONEncoder().encode(copy))))
            #expect(Self.firstDifference(written, Self.canonical(normalized.normalizedJSON)) == nil, "media_items[\(original.index)]")
            #expect(copy.mediaID == original.mediaID && copy.metadataItems.count == original.metadataItems.count)
            #expect(copy.nonconforming.map(\.path).sorted() == original.nonconforming.map(\.path).sorted())
        }
    }

    @Test func infoEncodesAsWritten() throws {
        let info = ExportInfo(json: ["dataset": .string("d"), "total_media_items": .integer(3)])
        let decoded = try JSONDecoder().decode(ExportInfo.self, from: JSONEncoder().encode(info))
        #expect(decoded.dataset == "d")
        #expect(decoded.totalMediaItems == 3)
    }

    /// A value with object members sorted by key and numbers as Doubles (text beyond a Double's
    /// range), for comparing JSON written two ways.
    static func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            return .object(JSONObject(object.members.map { JSONMember(key: $0.key, value: canonical($0.value)) }.sorted { $0.key < $1.key }))
        case .array(let elements):
            return .array(elements.map(canonical))
        case .number(let number):
            // A number beyond a Double's range is encoded as its text (as JSONValue's encode says).
            return number.doubleValue.isFinite ? .double(number.doubleValue) : .string(number.text)
        default:
            return value
        }
    }

    /// Where two values first differ, as a path and the two values there; nil when they are equal.
    static func firstDifference(_ first: JSONValue, _ second: JSONValue, at path: String = "$") -> String? {
        switch (first, second) {
        case (.object(let a), .object(let b)) where a.members.map(\.key) == b.members.map(\.key):
            for (x, y) in zip(a.members, b.members) {
                if let found = firstDifference(x.value, y.value, at: path + "." + x.key) { return found }
            }
            return nil
        case (.array(let a), .array(let b)) where a.count == b.count:
            for (position, (x, y)) in zip(a, b).enumerated() {
                if let found = firstDifference(x, y, at: path + "[\(position)]") { return found }
            }
            return nil
        case (.object(let a), .object(let b)):
            return "\(path): keys \(a.members.map(\.key)) vs \(b.members.map(\.key))"
        default:
            return first == second ? nil : "\(path): \(String(decoding: first.compactJSON.prefix(200), as: UTF8.self)) vs \(String(decoding: second.compactJSON.prefix(200), as: UTF8.self))"
        }
    }
}

import Testing
import TestSupport
@testable import VLExport

/// `vlx validate` finds repeated keys by scanning an item's compact bytes. The
/// scan must give what a parse into `JSONValue` gives, on every shape.
@Suite(.hangLimit) struct DuplicateKeyTests {
    static let items = [
        #"{"a": 1, "b": 2}"#,
        #"{"a": 1, "a": 2, "a": 3, "b": {"c": 1, "c": [1, {"d": 1, "d": 2}]}}"#,
        #"{"m": [{"x": 1}, {"x": 1, "x": 2}, [], [{"y": 0, "y": 0}]], "m": null}"#,
        #"{"q\"uote": "v\"al,ue:{", "q\"uote": "}", "k\\": [",", "]"], "k\\": 1}"#,
        #"{"metadata_items": [{"type": "issue", "properties": {"confidence": 0.5, "confidence": "0.6"}, "type": "issue"}]}"#,
        #"{"é": 1, "e": 2, "é": 3}"#,
        #"{}"#,
        // Runs of backslashes before quotes, in keys and values: odd runs escape the quote.
        #"{"a\\": "\\\"}", "a\\": {"\"": "\\", "\"": "x\\\\\"y"}, "z": "\\\\", "z": 0}"#,
        #"{"long": ""# + String(repeating: #"ab\\\"cd,\\"#, count: 40) + #"", "long": 1}"#,
        #"{"big": {"# + (0..<40).map { "\"k\($0 % 30)\": \($0)" }.joined(separator: ", ") + "}}",
    ]

    @Test(arguments: 0..<items.count)
    func theByteScanFindsWhatAParseFinds(_ index: Int) throws {
        let bytes = Array(Self.items[index].utf8)
        let raw = RawMediaItem(index: 7, json: JSONCompactor.compacted(bytes.withUnsafeBytes { $0 }))
        let parsed = try JSONValue(parsing: bytes)
        #expect(raw.duplicateKeyPaths() == parsed.duplicateKeyPaths(under: "media_items[7]"))
    }

    @Test func theyAreReportedWithTheirPaths() throws {
        let bytes = Array(Self.items[1].utf8)
        let raw = RawMediaItem(index: 0, json: JSONCompactor.compacted(bytes.withUnsafeBytes { $0 }))
        #expect(raw.duplicateKeyPaths() == ["media_items[0].a", "media_items[0].b.c", "media_items[0].b.c[1].d"])
    }

    /// A random value: objects whose keys come from a few (so that some repeat), long and
    /// short, with escaped quotes and backslashes; strings full of brackets, commas and quotes;
    /// arrays of strings after commas, as keys stand after commas in objects.
    static func randomValue(depth: Int, _ generator: inout SeededGenerator) -> String {
        let keys = [#""a""#, #""b""#, #""type""#, #""confidence_long_key""#, #""confidence_long_kez""#, #""q\"""#, #""q\\""#, #""\\\"""#, #""é""#]
        let strings = [#""{""#, #""}],\"""#, #"",:[""#, #""\\""#, #""""#, #""media_items""#, #""x\"y\\z""#]
        switch depth > 3 ? 3 : Int.random(in: 0...4, using: &generator) {
        case 0, 1:
            let members = (0..<Int.random(in: 0...5, using: &generator)).map { _ in
                keys.randomElement(using: &generator)! + ":" + randomValue(depth: depth + 1, &generator)
            }
            return "{" + members.joined(separator: ",") + "}"
        case 2:
            return "[" + (0..<Int.random(in: 0...4, using: &generator)).map { _ in randomValue(depth: depth + 1, &generator) }.joined(separator: ",") + "]"
        default:
            return Bool.random(using: &generator) ? strings.randomElement(using: &generator)! : String(Int.random(in: -9...99999, using: &generator))
        }
    }

    /// The block scan that says whether any key repeats agrees with a parse, on thousands of
    /// random items at every alignment on its 64-byte blocks.
    @Test func theBlockScanSaysWhatAParseSays() throws {
        var generator = SeededGenerator(state: 0xD0B1E)
        var repeated = 0
        for round in 0..<3000 {
            let padding = String(repeating: " ", count: round % 64)
            let text = #"{"pad":""# + padding + #"","m":["# + Self.randomValue(depth: 0, &generator) + "]," + #""v":"# + Self.randomValue(depth: 0, &generator) + "}"
            let bytes = Array(text.utf8)
            let compact = JSONCompactor.compacted(bytes.withUnsafeBytes { $0 })
            let expected = try !JSONValue(parsing: bytes).duplicateKeyPaths(under: "x").isEmpty
            let found = compact.withUnsafeBytes { DuplicateKeyScanner.hasRepeatedKey(in: $0) }
            #expect(found == expected, "\(text)")
            if expected { repeated += 1 }
        }
        // Both answers occur often.
        #expect(repeated > 300 && repeated < 2700)
    }

    /// An object with more distinct keys than its 64-bit filter has bits: keys must share
    /// bits, so the scan compares them, and finds only a real repeat. Each key is also
    /// tried at the object's end, after an inner object with the same keys.
    @Test func manyKeysShareTheFilterAndOnlyARepeatCounts() throws {
        let names = (0..<150).map { #""key_\#($0)""# } + (0..<50).map { #""k\#($0)""# }
        let members = names.map { $0 + ":0" }.joined(separator: ",")
        let inner = "{" + members + "}"
        let distinct = Array(("{" + members + #","inner":"# + inner + "}").utf8)
        #expect(!distinct.withUnsafeBytes { DuplicateKeyScanner.hasRepeatedKey(in: $0) })
        for name in names {
            let repeatedAtEnd = Array(("{" + members + #","inner":"# + inner + "," + name + ":1}").utf8)
            #expect(repeatedAtEnd.withUnsafeBytes { DuplicateKeyScanner.hasRepeatedKey(in: $0) }, "\(name)")
        }
    }

    /// Items with a key repeated at every kind of place the typed walk reads keys: the item,
    /// a metadata item, typed properties, properties before their type, an object label's own
    /// metadata, values kept as JSON (small and large objects), unknown keys.
    static let walkedItems: [String] = [
        #"{"media_id":"a","media_id":"b"}"#,
        #"{"media_id":"a","x":1,"y":2,"x":3}"#,
        #"{"media_id":"a","metadata_items":[{"type":"issue","type":"issue","properties":{}}]}"#,
        #"{"metadata_items":[{"type":"issue","properties":{"confidence":0.5,"confidence":0.6}}]}"#,
        #"{"metadata_items":[{"type":"issue","properties":{"odd":1,"odd":2}}]}"#,
        #"{"metadata_items":[{"properties":{"confidence":0.5,"confidence":0.6},"type":"issue"}]}"#,
        #"{"metadata_items":[{"type":"object_label","properties":{"bbox":[1,2,3,4],"metadata_items":[{"type":"issue","properties":{"confidence":1,"confidence":2}}]}}]}"#,
        #"{"extra":{"a":1,"b":{"c":[{"d":1,"d":2}]}}}"#,
        #"{"extra":{"# + (0..<20).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + #","k3":0}}"#,
        #"{"metadata_items":[{"type":"object_label","properties":{"bbox":[1,{"e":1,"e":2},3,4]}}]}"#,
        #"{"a\"b":1,"a\"b":2}"#,
    ]

    /// Items with no key twice, in the same places; the walk must say so itself (no scan).
    static let distinctItems: [String] = [
        #"{"media_id":"a","x":1,"y":2,"metadata_items":[{"type":"issue","properties":{"confidence":0.5,"odd":1,"odder":2}}]}"#,
        #"{"metadata_items":[{"properties":{"confidence":0.5},"type":"issue"},{"type":"object_label","properties":{"bbox":[1,2,3,4],"metadata_items":[{"type":"issue","properties":{"confidence":1}}]}}]}"#,
        #"{"extra":{"a":1,"b":{"c":[{"d":1,"e":2}]}},"media_id":"m","metadata_items":[{"type":"issue","properties":{"media_id":"same key, other object"}}]}"#,
    ]

    /// The typed walk notes whether an item's keys are all distinct, and `duplicateKeyPaths()`
    /// then skips its scan: the answer must still be the parse's, wherever the repeat is, and
    /// the walk must know ordinary items without the scan.
    @Test func theTypedWalkSaysWhatAParseSays() async throws {
        var generator = SeededGenerator(state: 0xBEEF)
        let random = (0..<400).map { _ in #"{"media_id":"r","v":"# + Self.randomValue(depth: 0, &generator) + #","metadata_items":[{"type":"issue","properties":{"w":"# + Self.randomValue(depth: 0, &generator) + "}}]}" }
        let items = Self.walkedItems + Self.distinctItems + random
        let bytes = Array((#"{"media_items":["# + items.joined(separator: ",") + "]}").utf8)
        var index = 0
        var knownDistinct = 0
        for try await both in ExportReader(chunks: ChunkedBytes(bytes, sizes: [37, 4096])).mediaItemsWithJSON {
            let expected = try JSONValue(parsing: both.raw.json).duplicateKeyPaths(under: "media_items[\(index)]")
            #expect(both.raw.duplicateKeyPaths() == expected, "\(items[index])")
            if index < Self.walkedItems.count { #expect(!expected.isEmpty, "\(items[index])") }
            if index >= Self.walkedItems.count && index < Self.walkedItems.count + Self.distinctItems.count {
                #expect(both.raw.keysAreKnownDistinct, "\(items[index])")
            }
            if both.raw.keysAreKnownDistinct { knownDistinct += 1 }
            index += 1
        }
        #expect(index == items.count)
        // Bytes changed after the walk are scanned again: the walk's word was about its bytes.
        let plain = Array((#"{"media_items":["# + Self.distinctItems[0] + "]}").utf8)
        for try await both in ExportReader(chunks: ChunkedBytes(plain, sizes: [4096])).mediaItemsWithJSON {
            var raw = both.raw
            #expect(raw.keysAreKnownDistinct)
            raw.json = Array(#"{"media_id":"a","media_id":"b"}"#.utf8)
            #expect(raw.duplicateKeyPaths() == ["media_items[0].media_id"])
        }
        // Most random items have no repeat, and the walk knows it for many of them.
        #expect(knownDistinct > 100)
        // The known keys have a bit each in the walk's 64-bit filter, with room for the others.
        #expect(KnownKey.ordered.count < 60)
    }
}

import Testing
@testable import VLExport

/// `vlx validate` finds repeated keys by scanning an item's compact bytes. The
/// scan must give what a parse into `JSONValue` gives, on every shape.
@Suite struct DuplicateKeyTests {
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
}

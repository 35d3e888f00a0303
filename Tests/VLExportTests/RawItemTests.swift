import Testing
import TestSupport
import VLExport

/// The raw walk: lossless, compact JSON for each item.
@Suite(.hangLimit) struct RawItemTests {
    /// The `media_items` elements of a document, parsed whole.
    func sourceItems(_ bytes: [UInt8], options: ReaderOptions = ReaderOptions()) throws -> [JSONValue] {
        guard case .object(let root) = try JSONValue(parsing: bytes, options: options),
              case .array(let items)? = root["media_items"] else {
            throw FixtureError.cannotOpen("no media_items")
        }
        return items
    }

    @Test(arguments: ["real-export-extreme.json", "edge-cases.json", "seed-example.json"])
    func eachRawItemParsesToTheItemAsItStandsInTheSource(_ fixture: String) async throws {
        let options = ReaderOptions(syntax: fixture == "seed-example.json" ? .lenient : .strict)
        let bytes = try Fixture.bytes(fixture)
        let expected = try sourceItems(bytes, options: options)
        let result = await rawWalk(bytes, options: options)
        #expect(result.error == nil)
        #expect(result.items.count == expected.count)
        for (raw, source) in zip(result.items, expected) {
            // Strict parsing: the raw bytes are plain JSON, whatever dialect the source used.
            #expect(try JSONValue(parsing: raw.json) == source, "media_items[\(raw.index)]")
        }
    }

    @Test func rawItemsAreOneLineWithTheSourcesNumberTextAndEscapes() async throws {
        let result = await rawWalk(try Fixture.bytes("edge-cases.json"))
        let first = String(decoding: try #require(result.items.first).json, as: UTF8.self)
        #expect(!first.contains("\n"))
        #expect(first.hasPrefix("{\"media_id\":\"00000000-0000-4000-8000-000000000001\",\"media_type\":\"image\","))
        #expect(first.contains("\"uniqueness_score\":0.50,"))
        #expect(first.contains("\"custom_score\":1e400,"))
        #expect(first.contains("\"big_number\":123456789012345678901234567890,"))
        #expect(first.contains("\"negative_zero\":-0,"))
        #expect(first.contains("\"width\":640.0,"))
        // Escapes are kept exactly as written, spaces inside strings too.
        #expect(first.contains(#""file_path":"photos/caf\u00e9 \"quoted\" \\ back\/slash.jpg""#))
        #expect(first.contains("\"caption\":\"a cat on a mat\""))
    }

    @Test func realExportRawItemsAreTheSourceBytes() async throws {
        // The real export is compact: each raw item is exactly its byte range in the file.
        let bytes = try Fixture.bytes("real-export-extreme.json")
        let text = String(decoding: bytes, as: UTF8.self)
        let result = await rawWalk(bytes)
        #expect(result.items.count == 56)
        for item in result.items {
            #expect(text.contains(String(decoding: item.json, as: UTF8.self)))
        }
        #expect(result.items.reduce(0) { $0 + $1.json.count } == 194_139)
    }

    @Test func rawItemTurnsIntoTheSameTypedItem() async throws {
        let bytes = try Fixture.bytes("edge-cases.json")
        let typed = await typedWalk(bytes)
        let raw = await rawWalk(bytes)
        #expect(try raw.items.map { try $0.typedItem() } == typed.items)
    }
}

/// Where things are in the export object, and what is missing.
@Suite(.hangLimit) struct LayoutTests {
    @Test func infoAfterMediaItemsIsKnownAtTheEnd() async throws {
        // Small reads, so that items are handed out before the parse reaches info.
        let reader = try ExportReader(path: Fixture.path("edge-cases.json"), options: ReaderOptions(chunkSize: 64))
        var infoSeenDuringWalk: [Bool] = []
        for try await _ in reader.mediaItems {
            infoSeenDuringWalk.append(reader.info != nil)
        }
        #expect(infoSeenDuringWalk == [false, false, false])
        #expect(reader.info?.totalMediaItems == 3)
        #expect(reader.warnings.isEmpty)
    }

    @Test func infoBeforeMediaItemsIsKnownBeforeTheFirstItem() async throws {
        let reader = try ExportReader(path: Fixture.path("real-export-extreme.json"), options: ReaderOptions(chunkSize: 512))
        var infoAtFirstItem: ExportInfo?
        for try await _ in reader.mediaItems {
            infoAtFirstItem = reader.info
            break
        }
        #expect(infoAtFirstItem?.dataset == "Extreme")
    }

    @Test func unknownTopLevelKeysAreSkipped() async throws {
        let json = #"{"before": {"a": [1, {"b": null}]}, "info": {"dataset": "x"}, "between": "text", "media_items": [{"media_id": "m1"}], "after": [[[]]]}"#
        let reader = ExportReader(chunks: ChunkedBytes(json.bytes, sizes: [3]))
        let result = await typedWalk(reader)
        #expect(result.error == nil)
        #expect(result.items.map(\.mediaID) == ["m1"])
        #expect(reader.info?.dataset == "x")
    }

    @Test func emptyMediaItemsYieldsNothing() async throws {
        let reader = ExportReader(chunks: ChunkedBytes(#"{"info": {"total_media_items": 0}, "media_items": []}"#.bytes, sizes: [64]))
        let result = await typedWalk(reader)
        #expect(result.error == nil)
        #expect(result.items.isEmpty)
        #expect(reader.warnings.isEmpty)
    }

    @Test func exportWithoutInfoHasNilInfo() async throws {
        let reader = ExportReader(chunks: ChunkedBytes(#"{"media_items": [{"media_id": "a"}, {"media_id": "b"}]}"#.bytes, sizes: [64]))
        let result = await typedWalk(reader)
        #expect(result.error == nil)
        #expect(result.items.count == 2)
        #expect(reader.info == nil)
        #expect(reader.warnings.isEmpty)
    }

    @Test func declaredTotalThatDiffersIsAWarningNotAnError() async throws {
        let reader = ExportReader(chunks: ChunkedBytes(#"{"info": {"total_media_items": 5}, "media_items": [{}, {}]}"#.bytes, sizes: [64]))
        let result = await typedWalk(reader)
        #expect(result.error == nil)
        #expect(result.items.count == 2)
        #expect(reader.warnings.map(\.kind) == [.totalMediaItemsMismatch])
        #expect(reader.warnings.first?.message == "info.total_media_items says 5 but media_items holds 2")
    }

    @Test func aDocumentWithoutMediaItemsIsNotAnExport() async throws {
        let reader = ExportReader(chunks: ChunkedBytes(#"{"info": {}, "images": [], "annotations": []}"#.bytes, sizes: [7, 64]))
        let result = await typedWalk(reader)
        let error = try #require(result.vlError)
        #expect(error.kind == .schema)
        #expect(error.path == "$")
        #expect(error.location?.column == 45)
        #expect(error.message == "not a Visual Layer export: the root object has no media_items array (its keys: info, images, annotations); it looks like a COCO dataset")
    }
}

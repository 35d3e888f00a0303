import Testing
import TestSupport
import VLExport

/// The lenient dialect: comments and trailing commas, at any chunk boundary.
@Suite(.hangLimit) struct LenientSyntaxTests {
    static let lenient = ReaderOptions(syntax: .lenient)

    static let document = """
    // an export with everything the lenient dialect allows
    {
      /* info first */ "info": {"dataset": "a // not a comment", "total_media_items": 2,},
      "media_items": [
        {"media_id": "one", "file_name": "x /* not a comment */ y", "metadata_items": [],}, // trailing
        {"media_id": "two", "metadata_items": [{"type": "user_tag", "properties": {"tag_name": "t",},},],},
      ],
    }
    """

    @Test func commentsAndTrailingCommasAreAcceptedAtEveryChunkSize() async throws {
        let bytes = Self.document.bytes
        for size in [1, 2, 3, 5, 64, bytes.count] {
            let reader = ExportReader(chunks: ChunkedBytes(bytes, sizes: [size]), options: Self.lenient)
            let result = await typedWalk(reader)
            #expect(result.error == nil, "chunk size \(size)")
            #expect(result.items.compactMap(\.mediaID) == ["one", "two"], "chunk size \(size)")
            #expect(result.items.first?.fileName == "x /* not a comment */ y")
            #expect(reader.info?.dataset == "a // not a comment")
            #expect(reader.warnings.isEmpty)
        }
    }

    @Test func rawItemsFromLenientInputAreStrictJSON() async throws {
        let result = await rawWalk(Self.document.bytes, chunkSizes: [7], options: Self.lenient)
        #expect(result.items.map { String(decoding: $0.json, as: UTF8.self) } == [
            #"{"media_id":"one","file_name":"x /* not a comment */ y","metadata_items":[]}"#,
            #"{"media_id":"two","metadata_items":[{"type":"user_tag","properties":{"tag_name":"t"}}]}"#,
        ])
    }

    @Test func strictModeRejectsComments() async throws {
        let error = try #require(await rawWalk(Self.document.bytes).vlError)
        #expect(error.kind == .syntax)
        #expect(error.location == SourceLocation(offset: 0, line: 1, column: 1))
    }

    @Test func lenientLineNumbersStillCountFromTheSource() async throws {
        let json = "{\n/* one\ntwo */\n\"media_items\": [1,]}"
        var options = Self.lenient
        options.schema = .strict
        let error = try #require(await rawWalk(json.bytes, options: options).vlError)
        #expect(error.kind == .schema)
        #expect(error.location == SourceLocation(offset: offset(of: "1", in: json)!, line: 4, column: 17))
    }

    @Test func aDoubleCommaIsStillAnError() async throws {
        let error = try #require(await rawWalk(#"{"media_items": [{},,]}"#.bytes, options: Self.lenient).vlError)
        #expect(error.kind == .syntax)
    }

    @Test func aLoneSlashIsStillAnError() async throws {
        let error = try #require(await rawWalk(#"{"media_items": [] / }"#.bytes, options: Self.lenient).vlError)
        #expect(error.kind == .syntax)
    }
}

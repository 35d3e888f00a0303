import Testing
import TestSupport
import VLExport

/// Input that is broken in the ways downloads and hand edits break it: never a crash,
/// a hang or unbounded memory, always a located error, and nothing complete lost.
@Suite(.hangLimit) struct BadInputTests {
    @Test func anExportCutAtEveryByteDeliversEveryCompleteItemThenSaysWhere() async throws {
        let bytes = try Fixture.bytes("edge-cases.json")
        let whole = await rawWalk(bytes)
        #expect(whole.error == nil)
        // Where each item ends in the input: an item is complete once its closing brace is in.
        let text = String(decoding: bytes, as: UTF8.self)
        let itemEnds = [
            try #require(offset(of: "\"notes\": {\"α\": [\"β\", 2.50]}\n    }", in: text)) + "\"notes\": {\"α\": [\"β\", 2.50]}\n    }".utf8.count,
            try #require(offset(of: "\"assigned_date\": \"2025-01-02\"}}]}}\n      ]\n    }", in: text)) + "\"assigned_date\": \"2025-01-02\"}}]}}\n      ]\n    }".utf8.count,
            try #require(offset(of: "\"metadata_items\": []\n    }", in: text)) + "\"metadata_items\": []\n    }".utf8.count,
        ]
        // Every cut that loses the export's closing brace: 0 bytes kept up to all but that brace.
        let closingBrace = try #require(bytes.lastIndex(of: UInt8(ascii: "}")))
        for cut in 0...closingBrace {
            let result = await rawWalk(Array(bytes[..<cut]), chunkSizes: [97])
            let error = try #require(result.vlError, "cut at \(cut)")
            #expect(error.kind == .truncated, "cut at \(cut): \(error)")
            #expect(error.location?.offset == cut, "cut at \(cut)")
            let complete = itemEnds.filter { $0 <= cut }.count
            #expect(result.items == Array(whole.items.prefix(complete)), "cut at \(cut)")
        }
    }

    @Test func aMillionOpenBracketsIsADepthErrorNotACrash() async throws {
        let json = Array(#"{"media_items": [{"deep": "#.utf8) + [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        for result in [await typedWalk(json).vlError, await rawWalk(json).vlError] {
            let error = try #require(result)
            #expect(error.kind == .depthLimit)
            #expect(error.mediaItemIndex == 0)
        }
        #expect(throws: VLExportError.self) { try JSONValue(parsing: [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)) }
    }

    @Test func invalidUTF8AndNULBytesAreLocatedSyntaxErrors() async throws {
        let prefix = Array(#"{"media_items": [{"media_id": "a"}, {"file_name": "bad"#.utf8)
        for (name, bad) in [("invalid UTF-8", [UInt8(0xC3), 0x28]), ("NUL", [0x00]), ("lone continuation", [0x80])] {
            let json = prefix + bad + Array(#""}]}"#.utf8)
            let result = await typedWalk(json)
            let error = try #require(result.vlError, "\(name)")
            #expect(error.kind == .syntax, "\(name)")
            #expect(error.location?.line == 1, "\(name)")
            #expect(result.items.compactMap(\.mediaID) == ["a"], "\(name)")
        }
    }

    @Test func aHugeStringStopsAtTheItemSizeLimit() async throws {
        // 200 MB of string inside an item, fed in 1 MiB chunks: the limit stops it long before the end.
        let limit = 8 << 20
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        let counter = ChunkCounter()
        let head = Array(#"{"media_items": [{"media_id": "a"}, {"blob": ""#.utf8)
        let chunks = HugeStringChunks(head: head, body: chunk, repeats: 200, counter: counter)
        let reader = ExportReader(chunks: chunks, options: ReaderOptions(maxItemBytes: limit))
        let result = await rawWalk(reader)
        let error = try #require(result.vlError)
        #expect(error.kind == .sizeLimit)
        #expect(error.path == "media_items[1]")
        #expect(result.items.count == 1)
        // It read a little past the limit, not the 200 MB.
        #expect(counter.count <= 12)
    }
}

/// A head, then the same body chunk many times: a long input that costs no memory to make.
struct HugeStringChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let head: [UInt8]
    let body: [UInt8]
    let repeats: Int
    let counter: ChunkCounter

    struct AsyncIterator: AsyncIteratorProtocol {
        let source: HugeStringChunks
        var sent = 0

        mutating func next() async -> [UInt8]? {
            defer { sent += 1 }
            source.counter.increment()
            if sent == 0 { return source.head }
            return sent <= source.repeats ? source.body : nil
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: self) }
}

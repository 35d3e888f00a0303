import Testing
import TestSupport
import VLExport

/// However the input is cut into chunks, the walk gives the same items and the same raw bytes.
@Suite(.hangLimit) struct ChunkBoundaryTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let fixture: String
        let syntax: ReaderOptions.Syntax
        var testDescription: String { "\(fixture) (\(syntax))" }
    }

    static let cases = [
        Case(fixture: "real-export-extreme.json", syntax: .strict),
        Case(fixture: "seed-example.json", syntax: .lenient),
        Case(fixture: "edge-cases.json", syntax: .strict),
        Case(fixture: "odd-values.json", syntax: .strict),
    ]

    /// Chunk size lists to cut the input with: one byte, seeded random sizes, and whole.
    static func chunkings(for bytes: [UInt8]) -> [(name: String, sizes: [Int])] {
        var generator = SeededGenerator(state: 0x5EED)
        let random = (0..<4096).map { _ in Int.random(in: 1...4096, using: &generator) }
        return [("1 byte", [1]), ("random 1...4096, seed 0x5EED", random), ("whole", [bytes.count])]
    }

    @Test(arguments: cases)
    func typedItemsDoNotDependOnChunking(_ testCase: Case) async throws {
        let bytes = try Fixture.bytes(testCase.fixture)
        let options = ReaderOptions(syntax: testCase.syntax)
        let whole = await typedWalk(bytes, chunkSizes: [bytes.count], options: options)
        #expect(whole.error == nil)
        #expect(!whole.items.isEmpty)
        for chunking in Self.chunkings(for: bytes) {
            let chunked = await typedWalk(bytes, chunkSizes: chunking.sizes, options: options)
            #expect(chunked.error == nil, "\(chunking.name)")
            #expect(chunked.items == whole.items, "\(chunking.name)")
        }
    }

    /// Values that cannot be read are located where they start, whatever chunk their first byte came in.
    @Test func oddValuesAreLocatedTheSameInEveryChunking() async throws {
        let bytes = try Fixture.bytes("odd-values.json")
        let whole = ExportReader(chunks: ChunkedBytes(bytes, sizes: [bytes.count]))
        let wholeItems = await typedWalk(whole).items
        #expect(whole.warningCount > 20)
        for chunking in Self.chunkings(for: bytes) + [("2 bytes", [2]), ("3 bytes", [3])] {
            let chunked = ExportReader(chunks: ChunkedBytes(bytes, sizes: chunking.sizes))
            let items = await typedWalk(chunked).items
            #expect(items.flatMap(\.nonconforming) == wholeItems.flatMap(\.nonconforming), "\(chunking.name)")
            #expect(chunked.warnings == whole.warnings, "\(chunking.name)")
        }
    }

    @Test(arguments: cases)
    func rawItemsDoNotDependOnChunking(_ testCase: Case) async throws {
        let bytes = try Fixture.bytes(testCase.fixture)
        let options = ReaderOptions(syntax: testCase.syntax)
        let whole = await rawWalk(bytes, chunkSizes: [bytes.count], options: options)
        #expect(whole.error == nil)
        #expect(!whole.items.isEmpty)
        for chunking in Self.chunkings(for: bytes) {
            let chunked = await rawWalk(bytes, chunkSizes: chunking.sizes, options: options)
            #expect(chunked.error == nil, "\(chunking.name)")
            #expect(chunked.items == whole.items, "\(chunking.name)")
        }
    }

    @Test func splitsInsideEveryMultiByteCharacterGiveTheSameItems() async throws {
        let bytes = try Fixture.bytes("edge-cases.json")
        let whole = await typedWalk(bytes)
        let wholeRaw = await rawWalk(bytes)
        // Every byte that continues a UTF-8 sequence (10xxxxxx) is a place to cut inside a character.
        let cuts = bytes.indices.filter { bytes[$0] & 0xC0 == 0x80 }
        #expect(cuts.count >= 10)
        for cut in cuts {
            let sizes = [cut, bytes.count - cut]
            let typed = await typedWalk(bytes, chunkSizes: sizes)
            let raw = await rawWalk(bytes, chunkSizes: sizes)
            #expect(typed.items == whole.items, "cut at byte \(cut)")
            #expect(raw.items == wholeRaw.items, "cut at byte \(cut)")
        }
    }

    @Test func fileChunkSizeDoesNotChangeTheItems() async throws {
        let path = Fixture.path("real-export-extreme.json")
        let reference = await typedWalk(try ExportReader(path: path))
        for chunkSize in [1, 7, 4096, 1 << 20] {
            let reader = try ExportReader(path: path, options: ReaderOptions(chunkSize: chunkSize))
            let result = await typedWalk(reader)
            #expect(result.items == reference.items, "chunk size \(chunkSize)")
        }
    }
}

import Testing
import TestSupport
@testable import VLExport

/// The normalized walk (``ExportReader/normalizedItems``) writes each item as the typed walk's
/// item writes itself (``MediaItem/writeNormalized(to:)``), whether it writes the item from the
/// events or gives up and reads it again typed; the fixtures and every shape of export are
/// compared in ``ParallelWalkTests``, the ways out one by one here.
@Suite(.hangLimit) struct NormalizedWalkTests {
    /// An item with every kind the writer writes straight: keys out of declaration order in
    /// every object, numbers to copy and to read, strings with and without escapes, a numeric
    /// string, a null, a nested object label, and `type` for `metadata_type`.
    static let plainItem = #"""
    {"cluster_id":"c1","media_type":"image","media_id":"m\"1\u00e9","file_size":"3.38MB","height":480,"width":640.0,
     "uniqueness_score":0.5230671798509814,"url":null,"file_path":"dir\\sub \"q\"\tend\u0001","file_name":"caf\u00e9 \\ \"q\".jpg","metadata_items":[
      {"type":"issue","properties":{"confidence":"0.90","issue_type":"duplicates","duplicate_group_id":"g-1","duplicate_threshold":0.960,"similarity_level":1e-2}},
      {"metadata_type":"object_label","properties":{"url":"u","bbox":[291,17,18.5,2.55e2],"category_name":"tree","category_id":7,
       "metadata_items":[{"metadata_type":"issue","properties":{"issue_type":"mislabel","confidence":0.001,"actual_label":"a"}},
                         {"metadata_type":"object_label","properties":{"category_id":-3,"bbox":[0.5,0.25,1,2]}}]}},
      {"metadata_type":"video_info","properties":{"frame_timestamp":"00:00:01.500","video_name":"v.mp4","frame_number":36}},
      {"metadata_type":"user_tag","properties":{"tag_name":"t","assigned_date":"2023-01-01 12:34:56"}},
      {"metadata_type":"image_label","properties":{"category_id":212,"category_name":"sky","source":"user"}},
      {"metadata_type":"caption","properties":{"text":"a cat","source":"model"}}]}
    """#

    /// Items the writer gives up on, one way out each; each is read again typed from its bytes.
    static let oddItems: [(String, String)] = [
        ("an unknown item field", #"{"media_id":"a","vendor":{"x":[1,2]}}"#),
        ("an unknown property", #"{"metadata_items":[{"metadata_type":"issue","properties":{"issue_type":"x","reviewer":"ana"}}]}"#),
        ("an unknown metadata field", #"{"metadata_items":[{"metadata_type":"issue","properties":{},"note":1}]}"#),
        ("a repeated key", #"{"media_id":"a","height":1,"height":2}"#),
        ("type and metadata_type both", #"{"metadata_items":[{"type":"issue","metadata_type":"issue","properties":{"confidence":0.5}}]}"#),
        ("properties before the type", #"{"metadata_items":[{"properties":{"confidence":0.5},"metadata_type":"issue"}]}"#),
        ("no type", #"{"metadata_items":[{"properties":{"confidence":0.5}}]}"#),
        ("no properties", #"{"metadata_items":[{"metadata_type":"issue"}]}"#),
        ("properties null", #"{"metadata_items":[{"metadata_type":"issue","properties":null}]}"#),
        ("an unknown metadata type", #"{"metadata_items":[{"metadata_type":"future","properties":{"a":1}}]}"#),
        ("a type that is no string", #"{"metadata_items":[{"metadata_type":3,"properties":{}}]}"#),
        ("metadata_items null", #"{"media_id":"a","metadata_items":null}"#),
        ("metadata_items an object", #"{"metadata_items":{"a":1}}"#),
        ("an element that is no object", #"{"metadata_items":[1,{"metadata_type":"caption","properties":{"text":"t"}}]}"#),
        ("a number that is no integer", #"{"height":1.5}"#),
        ("a string for an integer", #"{"width":"640"}"#),
        ("a confidence with spaces", #"{"metadata_items":[{"metadata_type":"issue","properties":{"confidence":" 0.5 "}}]}"#),
        ("a confidence out of range", #"{"metadata_items":[{"metadata_type":"issue","properties":{"confidence":1e400}}]}"#),
        ("a boolean for a string", #"{"media_id":true}"#),
        ("a number for a media type", #"{"media_type":7}"#),
        ("a box of three", #"{"metadata_items":[{"metadata_type":"object_label","properties":{"bbox":[1,2,3]}}]}"#),
        ("a box of strings", #"{"metadata_items":[{"metadata_type":"object_label","properties":{"bbox":["1",2,3,4]}}]}"#),
        ("a box in a box", #"{"metadata_items":[{"metadata_type":"object_label","properties":{"bbox":[[1],2,3,4]}}]}"#),
        ("a box that is an object", #"{"metadata_items":[{"metadata_type":"object_label","properties":{"bbox":{"x":1}}}]}"#),
        ("a timestamp that is no time", #"{"metadata_items":[{"metadata_type":"video_info","properties":{"frame_timestamp":"soon"}}]}"#),
    ]

    /// Items the writer writes straight, for all their oddness: null for any declared value, a
    /// box that is null, an empty item, raw UTF-8, a lone surrogate, a number as a media id.
    static let plainOddities: [(String, String)] = [
        ("null everywhere", #"{"media_id":null,"height":null,"metadata_items":[{"metadata_type":"object_label","properties":{"bbox":null,"category_id":null}}]}"#),
        ("an empty item", "{}"),
        ("raw UTF-8", "{\"media_id\":\"日本-😀\",\"file_name\":\"é\"}"),
        // yajl hands a lone surrogate over as bytes that are not UTF-8; both walks write U+FFFD.
        ("a lone surrogate", #"{"media_id":"\ud800x","file_name":"\udc00"}"#),
        ("a number as text", #"{"media_id":12.50,"cluster_id":-0}"#),
        ("empty objects and lists", #"{"metadata_items":[{"metadata_type":"object_label","properties":{"metadata_items":[]}}]}"#),
    ]

    static func export(_ items: [String]) -> [UInt8] {
        Array((#"{"info":{"dataset":"n"},"media_items":["# + items.joined(separator: ",\n") + "]}").utf8)
    }

    /// The serial normalized walk of `bytes`, through the parser: each line, and how many
    /// items were read again typed.
    static func normalizedWalk(
        _ bytes: [UInt8], chunkSize: Int, options: ReaderOptions = ReaderOptions()
    ) -> (lines: [[UInt8]], readAgain: Int, warnings: [ExportWarning]) {
        let parser = ExportParser(options: options, itemMode: .normalized)
        var lines: [[UInt8]] = []
        var offset = 0
        bytes.withUnsafeBytes { buffer in
            while offset < buffer.count {
                let end = min(buffer.count, offset + chunkSize)
                parser.feed(UnsafeRawBufferPointer(rebasing: buffer[offset..<end]))
                while case .normalized(let line)? = parser.nextReady() { lines.append(line) }
                offset = end
            }
        }
        parser.finish()
        while case .normalized(let line)? = parser.nextReady() { lines.append(line) }
        #expect(parser.failure == nil)
        return (lines, parser.normalizedItemsReadAgain, parser.warnings)
    }

    /// The typed walk's items, each written normalized, and its warnings: the oracle.
    static func typedWalk(_ bytes: [UInt8], options: ReaderOptions = ReaderOptions()) throws -> (lines: [[UInt8]], warnings: [ExportWarning]) {
        let parser = ExportParser(options: options, itemMode: .typed)
        var lines: [[UInt8]] = []
        bytes.withUnsafeBytes { parser.feed($0) }
        parser.finish()
        while case .typed(let item)? = parser.nextReady() { lines.append(item.normalizedJSONBytes) }
        if let failure = parser.failure { throw failure }
        return (lines, parser.warnings)
    }

    @Test func thePlainItemIsWrittenFromItsEvents() throws {
        let bytes = Self.export([Self.plainItem] + Self.plainOddities.map(\.1))
        let expected = try Self.typedWalk(bytes)
        for chunkSize in [1, 7, 64, 4096] {
            let walk = Self.normalizedWalk(bytes, chunkSize: chunkSize)
            #expect(walk.readAgain == 0, "chunks of \(chunkSize): every item written from its events")
            #expect(walk.lines == expected.lines, "chunks of \(chunkSize)")
            #expect(walk.warnings == expected.warnings)
        }
        // What the first line holds, spelled out: members in declaration order, `metadata_type`,
        // numbers converted and copied, strings escaped as the writer escapes them.
        let first = String(decoding: Self.normalizedWalk(bytes, chunkSize: 4096).lines[0], as: UTF8.self)
        #expect(first.hasPrefix(#"{"media_id":"m\"1é","media_type":"image","file_name":"café \\ \"q\".jpg","file_path":"dir\\sub \"q\"\tend\u0001","file_size":"3.38MB","file_size_bytes":3544187,"height":480,"width":640,"cluster_id":"c1","uniqueness_score":0.5230671798509814,"metadata_items":[{"metadata_type":"issue","properties":{"issue_type":"duplicates","confidence":0.9,"duplicate_group_id":"g-1","duplicate_threshold":0.96,"similarity_level":0.01}}"#))
        #expect(first.contains(#""bbox":[291.0,17.0,18.5,255.0]"#))
        #expect(first.contains(#"{"metadata_type":"object_label","properties":{"category_id":-3,"bbox":[0.5,0.25,1.0,2.0],"metadata_items":[]}}"#))
    }

    /// The real export and the documentation's example take the common way for every item;
    /// the generated export with odd values reads its odd items again, and only those.
    @Test func realExportsAreWrittenFromTheirEvents() throws {
        // The documentation's example has comments and trailing commas: read leniently.
        for (name, options) in [("real-export-extreme.json", ReaderOptions()), ("seed-example.json", ReaderOptions(syntax: .lenient)), ("odd-values.json", ReaderOptions())] {
            let bytes = try Fixture.bytes(name)
            let walk = Self.normalizedWalk(bytes, chunkSize: 65536, options: options)
            let typed = try Self.typedWalk(bytes, options: options)
            #expect(walk.lines == typed.lines, "\(name)")
            // The objects with a value the typed walk warns about (not the elements that are no
            // object, warned about at media_items[i] itself) are exactly those read again.
            let oddObjects = Set(typed.warnings.compactMap { warning in
                warning.mediaItemIndex.flatMap { warning.path == "media_items[\($0)]" ? nil : $0 }
            })
            #expect(walk.readAgain == oddObjects.count, "\(name): \(oddObjects.count) objects with odd values")
            #expect(name != "odd-values.json" || oddObjects.count > 20, "odd-values.json has odd objects")
        }
    }

    @Test func everyWayOutGivesTheTypedWalksLineAndWarnings() throws {
        for (name, item) in Self.oddItems {
            // The odd item between two plain ones: only it is read again.
            let bytes = Self.export([Self.plainItem, item, Self.plainItem])
            let expected = try Self.typedWalk(bytes)
            for chunkSize in [3, 4096] {
                let walk = Self.normalizedWalk(bytes, chunkSize: chunkSize)
                #expect(walk.readAgain == 1, "\(name), chunks of \(chunkSize): read again typed")
                #expect(walk.lines == expected.lines, "\(name), chunks of \(chunkSize)")
                #expect(walk.warnings == expected.warnings, "\(name), chunks of \(chunkSize)")
            }
        }
    }

    @Test func oddItemsGiveTheSerialWalkInEveryWalk() async throws {
        let bytes = Self.export([Self.plainItem] + Self.oddItems.map(\.1) + Self.plainOddities.map(\.1) + ["[1]", "\"x\"", "null"])
        try await ParallelWalkTests.expectSameWalks(bytes, "odd items", threads: [1, 2], batchBytes: [1, 300], readSizes: [5, 4096])
    }

    /// The writer keeps the slots met in an object as bits of one `UInt64`: every slot fits.
    @Test func everySlotHasABitOfItsOwn() {
        let slots = (0...255).compactMap { PropertySlot(rawValue: UInt8($0)) }
        #expect(slots.count > 40)
        #expect(slots.map(\.rawValue).max()! < 64)
    }

    /// Number text that ``ShortestDecimal`` writes as itself, and text that it does not, against
    /// what reading the text and writing the `Double` gives.
    @Test func numberTextCopiedIsTheTextWritten() {
        var generator = SeededGenerator(state: 11)
        var texts = ["0.001", "0.0001", "0.00123", "1", "10", "-7", "0", "-0", "0.0", "1.0", "1.50", "0.5", "-0.5",
                     "999999999999999", "1000000000000000", "123456.789012345", "123456.7890123456", "0.1234567891",
                     "00.5", "1e2", "1E2", "1.", ".5", "12.3400", "0.30000000000000004", "9007199254740993"]
        for _ in 0..<20_000 {
            let integerDigits = Int.random(in: 0...16, using: &generator)
            let decimals = Int.random(in: 0...11, using: &generator)
            var text = Bool.random(using: &generator) ? "-" : ""
            text += integerDigits == 0 ? "0" : String((0..<integerDigits).map { index in
                Character(String(index == 0 ? Int.random(in: 1...9, using: &generator) : Int.random(in: 0...9, using: &generator)))
            })
            if decimals > 0 {
                text += "." + String((0..<decimals).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
            }
            texts.append(text)
        }
        var copied = 0
        for text in texts {
            let spelled: [UInt8]? = Array(text.utf8).withUnsafeBytes { bytes in
                ShortestDecimal.spelling(ofNumberText: bytes).map { Array($0.text) + ($0.appendsPointZero ? Array(".0".utf8) : []) }
            }
            guard let spelled else { continue }
            copied += 1
            var written: [UInt8] = []
            ShortestDecimal.append(Double(text)!, to: &written)
            #expect(spelled == written, "\(text)")
        }
        #expect(copied > 5_000, "most generated decimals are copied")
        // Whole numbers for integer fields.
        for text in ["0", "-0", "7", "-7", "007", "123456789012345678", "1234567890123456789", "1.0", "1e2", "-"] {
            let isCopied = Array(text.utf8).withUnsafeBytes { IntCodec.isWrittenAsItself($0) }
            if isCopied {
                var written: [UInt8] = []
                JSONWriter.appendDecimal(Int(text)!, to: &written)
                #expect(written == Array(text.utf8), "\(text)")
            }
            #expect(isCopied == ["0", "7", "-7", "123456789012345678"].contains(text), "\(text)")
        }
    }

    /// Loops over normalized items go on from each other, async or blocking; a loop in another
    /// form after them throws a usage error, and so does a normalized loop after typed items.
    /// Their lines joined in batches on the workers hold the same bytes as the items one by one.
    @Test func theNormalizedFormFollowsTheReadersRules() async throws {
        let bytes = Self.export([Self.plainItem, Self.plainItem, Self.oddItems[0].1, Self.plainItem])
        let expected = try Self.typedWalk(bytes).lines
        try await ParallelWalkTests.withFile(bytes) { path in
            for parallelism in [ReaderOptions.Parallelism.serial, .threads(2)] {
                var options = ReaderOptions(parallelism: parallelism)
                options.parallelBatchBytes = 1
                let reader = try ExportReader(path: path, options: options)
                var lines: [[UInt8]] = []
                for try await line in reader.normalizedItems {
                    lines.append(line)
                    if lines.count == 2 { break }
                }
                var blocking = reader.normalizedItems.makeBlockingIterator()
                while let line = try blocking.nextBlocking() {
                    lines.append(line)
                    if lines.count == 3 { break }
                }
                for try await line in reader.normalizedItems { lines.append(line) }
                #expect(lines == expected, "\(parallelism)")

                let mixed = try ExportReader(path: path, options: options)
                for try await _ in mixed.normalizedItems { break }
                await expectUsageError("\(parallelism): typed items after normalized ones") {
                    for try await _ in mixed.mediaItems {}
                }
                let typedFirst = try ExportReader(path: path, options: options)
                for try await _ in typedFirst.mediaItems { break }
                await expectUsageError("\(parallelism): normalized items after typed ones") {
                    for try await _ in typedFirst.normalizedItems {}
                }

                let joined = try ExportReader(path: path, options: options)
                var ndjson: [UInt8] = []
                var count = 0
                for try await run in joined.normalizedItems.joinedLines {
                    ndjson += run.bytes
                    count += run.count
                }
                #expect(ndjson == expected.flatMap { $0 + [0x0A] }, "\(parallelism)")
                #expect(count == expected.count, "\(parallelism)")

                // A function that keeps the arrays it is given gets each item's own, though a
                // worker refills one array for every item of its batch.
                options.parallelBatchBytes = 1 << 20
                let kept = try ExportReader(path: path, options: options)
                var keptLines: [[UInt8]] = []
                for try await run in kept.normalizedItems.batches(into: { [[UInt8]]() }, adding: { $0.append($1) }) {
                    keptLines += run
                }
                #expect(keptLines == expected, "\(parallelism)")
            }
        }
    }

    /// Items parsed before the first loop (by `readInfo()`, in the chunk that held `info`) are
    /// written normalized from their typed form when that loop comes, one by one or in batches.
    @Test func itemsReadBeforeTheFirstLoopAreWrittenNormalized() async throws {
        let bytes = Self.export([Self.plainItem, Self.oddItems[0].1, Self.plainItem])
        let expected = try Self.typedWalk(bytes).lines
        let oneByOne = ExportReader(chunks: ChunkedBytes(bytes, sizes: [bytes.count]))
        #expect(try await oneByOne.readInfo()?.dataset == "n")
        var lines: [[UInt8]] = []
        for try await line in oneByOne.normalizedItems { lines.append(line) }
        #expect(lines == expected)

        let joined = ExportReader(chunks: ChunkedBytes(bytes, sizes: [bytes.count]))
        #expect(try await joined.readInfo()?.dataset == "n")
        var ndjson: [UInt8] = []
        for try await run in joined.normalizedItems.joinedLines { ndjson += run.bytes }
        #expect(ndjson == expected.flatMap { $0 + [0x0A] })
    }
}

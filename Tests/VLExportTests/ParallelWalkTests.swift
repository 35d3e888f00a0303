import Synchronization
import Testing
import TestSupport
@testable import VLExport

#if canImport(Glibc)
import Glibc
#endif

/// The parallel walk is the serial walk: the same items, byte for byte and value for value,
/// the same warnings, and the same error after the same items, whatever the threads, the
/// batch size and the read size.
@Suite(.hangLimit) struct ParallelWalkTests {
    /// Everything a walk gives, to compare one walk with another.
    struct Outcome: Equatable {
        var raw: [RawMediaItem] = []
        var typed: [MediaItem] = []
        /// Each item's normalized JSON.
        var normalized: [[UInt8]] = []
        var warnings: [ExportWarning] = []
        var warningCount = 0
        var info: ExportInfo?
        var error: VLExportError?
    }

    enum Form: CaseIterable {
        /// `rawItems`, `mediaItems`, `mediaItemsWithJSON`.
        case raw, typed, both
        /// `mediaItemsWithJSON(mappedBy:)`, whose function runs on the workers, keeping both forms.
        case mapped
        /// `mediaItemsWithJSON(into:adding:)`: the items a worker reads together added to one
        /// array there.
        case partials
        /// `normalizedItems`, written from the events on the workers.
        case normalized
        /// `normalizedLines`: the same JSON as lines of NDJSON, those of the items a worker
        /// reads together joined there.
        case normalizedLines
    }

    static func walk(_ path: String, _ options: ReaderOptions, _ form: Form, plan: ReaderOptions.WalkPlan? = nil) async -> Outcome {
        var outcome = Outcome()
        do {
            let reader = try ExportReader(path: path, options: options, plan: plan ?? options.walkPlan)
            defer {
                outcome.warnings = reader.warnings
                outcome.warningCount = reader.warningCount
                outcome.info = reader.info
            }
            switch form {
            case .raw:
                for try await item in reader.rawItems { outcome.raw.append(item) }
            case .typed:
                for try await item in reader.mediaItems { outcome.typed.append(item) }
            case .both:
                for try await both in reader.mediaItemsWithJSON {
                    outcome.raw.append(both.raw)
                    outcome.typed.append(both.item)
                }
            case .mapped:
                for try await both in reader.mediaItemsWithJSON(mappedBy: { $0 }) {
                    outcome.raw.append(both.raw)
                    outcome.typed.append(both.item)
                }
            case .partials:
                for try await run in reader.mediaItemsWithJSON(into: { [MediaItemWithJSON]() }, adding: { $0.append($1) }) {
                    outcome.raw += run.map(\.raw)
                    outcome.typed += run.map(\.item)
                }
            case .normalized:
                for try await line in reader.normalizedItems { outcome.normalized.append(line) }
            case .normalizedLines:
                for try await lines in reader.normalizedLines {
                    // Normalized JSON holds no line feed: each one ends an item's line.
                    let items = lines.bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
                    #expect(items.count == lines.itemCount && lines.bytes.last == 0x0A)
                    outcome.normalized += items.map { Array($0) }
                }
            }
        } catch var error as VLExportError {
            // The excerpt shows the bytes around the fault that the parser had at hand, which
            // depends on where reads and batches end, in the serial walk too.
            error.excerpt = nil
            outcome.error = error
        } catch {
            Issue.record("unexpected \(error)")
        }
        return outcome
    }

    /// A file holding `bytes`, removed by `body`'s end.
    static func withFile<T>(_ bytes: [UInt8], _ body: (String) async throws -> T) async throws -> T {
        let path = "/tmp/vlexport-parallel-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).json"
        let file = try #require(fopen(path, "wb"))
        #expect(fwrite(bytes, 1, bytes.count, file) == bytes.count)
        fclose(file)
        defer { unlink(path) }
        return try await body(path)
    }

    /// Compares the parallel walk with the serial one on `bytes`, in every form, for each setting.
    static func expectSameWalks(
        _ bytes: [UInt8], _ name: String, threads: [Int] = [1, 2, 3, 8], batchBytes: [Int] = [1, 300, 1 << 20],
        readSizes: [Int] = [61, 4096, 256 << 10], options: ReaderOptions = ReaderOptions()
    ) async throws {
        try await withFile(bytes) { path in
            for form in Form.allCases {
                var serialOptions = options
                serialOptions.parallelism = .serial
                let serial = await walk(path, serialOptions, form)
                if form == .mapped || form == .partials {
                    let both = await walk(path, serialOptions, .both)
                    #expect(serial == both, "\(name): mapping each item to itself gives the walk of both forms")
                }
                if form == .normalized || form == .normalizedLines {
                    // The oracle: the typed walk's items, each written by `writeNormalized`.
                    var typed = await walk(path, serialOptions, .typed)
                    typed.normalized = typed.typed.map(\.normalizedJSONBytes)
                    typed.typed = []
                    let sameLines = serial.normalized == typed.normalized
                    #expect(sameLines, "\(name): the normalized walk writes the typed walk's items normalized")
                    #expect(serial.warnings == typed.warnings, "\(name)")
                    #expect(serial.warningCount == typed.warningCount, "\(name)")
                    #expect(serial.info == typed.info, "\(name)")
                    #expect(serial.error == typed.error, "\(name): \(String(describing: serial.error)) vs \(String(describing: typed.error))")
                    if !sameLines {
                        for (written, expected) in zip(serial.normalized, typed.normalized) where written != expected {
                            Issue.record("\(name): \(String(decoding: written, as: UTF8.self)) vs \(String(decoding: expected, as: UTF8.self))")
                            break
                        }
                    }
                }
                // One core, whatever this machine has: one worker for raw items, the serial walk for the rest.
                for readSize in readSizes {
                    var oneCoreOptions = options
                    oneCoreOptions.chunkSize = readSize
                    let oneCore = await walk(path, oneCoreOptions, form, plan: .oneCore)
                    #expect(oneCore == serial, "\(name), \(form), one core, reads of \(readSize)")
                }
                for count in threads {
                    for batch in batchBytes {
                        for readSize in readSizes {
                            var parallelOptions = options
                            parallelOptions.parallelism = .threads(count)
                            parallelOptions.parallelBatchBytes = batch
                            parallelOptions.chunkSize = readSize
                            let parallel = await walk(path, parallelOptions, form)
                            let setting = "\(name), \(form), \(count) threads, batches of \(batch), reads of \(readSize)"
                            #expect(parallel.raw == serial.raw, "\(setting)")
                            #expect(parallel.typed == serial.typed, "\(setting)")
                            let sameLines = parallel.normalized == serial.normalized
                            #expect(sameLines, "\(setting)")
                            #expect(parallel.warnings == serial.warnings, "\(setting)")
                            #expect(parallel.warningCount == serial.warningCount, "\(setting)")
                            #expect(parallel.info == serial.info, "\(setting)")
                            #expect(parallel.error == serial.error, "\(setting): \(String(describing: parallel.error)) vs \(String(describing: serial.error))")
                        }
                    }
                }
            }
        }
    }

    /// The real export's items, as compact JSON.
    static func realItems() throws -> [String] {
        let reader = try BlockingExportReader(path: Fixture.path("real-export-extreme.json"))
        var items: [String] = []
        while let item = try reader.nextRawItem() { items.append(String(decoding: item.json, as: UTF8.self)) }
        return items
    }

    @Test func fixturesGiveTheSerialWalk() async throws {
        for name in ["real-export-extreme.json", "edge-cases.json", "odd-values.json", "seed-example.json"] {
            try await Self.expectSameWalks(try Fixture.bytes(name), name)
        }
        // A strict schema stops at the first odd value, in every form (the normalized form then
        // builds typed items), after the same items.
        try await Self.expectSameWalks(
            try Fixture.bytes("odd-values.json"), "odd-values.json, strict", threads: [2], batchBytes: [300], readSizes: [4096],
            options: ReaderOptions(schema: .strict)
        )
    }

    @Test func exportsOfEveryShapeGiveTheSerialWalk() async throws {
        let items = try Self.realItems()
        let shapes: [(String, String)] = [
            ("info last, items repeated", #"{"media_items":["# + (items + items).joined(separator: ",") + #"],"info":{"dataset":"x","total_media_items":3}}"#),
            ("pretty", "{\n  \"info\": {\"dataset\": \"p\"},\n  \"media_items\": [\n    " + items.prefix(9).joined(separator: ",\n    ") + "\n  ]\n}\n"),
            ("items that are no objects", #"{"media_items":["a","b,c\"]",1,-2.5e3,true,null,[1,{"x":[]}],"#
                + items[0] + #","","\\",{"media_id":"last"},7]}"#),
            ("empty media_items", #"{"info":{},"media_items":[]}"#),
            ("no media_items", #"{"info":{"dataset":"none"}}"#),
            ("media_items twice", #"{"media_items":["# + items[1] + "," + items[2] + #"],"media_items":["# + items[3] + "]}"),
            ("media_items inside info", #"{"info":{"media_items":[{"a":1}]},"media_items":["# + items[4] + "]}"),
            ("a key that ends like media_items", #"{"x_media_items":[{"a":1}],"media_items":["# + items[5] + "]}"),
        ]
        for (name, text) in shapes {
            try await Self.expectSameWalks(Array(text.utf8), name, threads: [1, 2, 8], readSizes: [7, 4096])
        }
    }

    @Test func brokenExportsEndInTheSerialWalksError() async throws {
        let items = try Self.realItems()
        let first = items[0]
        let cases: [(String, String)] = [
            ("trailing comma in media_items", #"{"media_items":["# + first + "," + first + ",]}"),
            ("missing comma between items", #"{"media_items":["# + first + " " + first + "]}"),
            ("a bad token inside an item", #"{"media_items":["# + first + #",{"media_id":"x","height":nope}]}"#),
            ("an unclosed string", #"{"media_items":["# + first + #",{"media_id":"x}]}"#),
            ("a bracket that does not match", #"{"media_items":["# + first + #",{"media_id":[1,2}]}"#),
            ("garbage after the document", #"{"media_items":["# + first + "]} x"),
            ("a control character in a string", #"{"media_items":["# + first + ",{\"media_id\":\"a\u{01}b\"}]}"),
            ("a comma where an item begins", #"{"media_items":["# + first + ",,]}"),
            ("media_items not closed", #"{"media_items":["# + first + "," + first),
            // Found by the fuzzer: a comment right after the bracket, where the first batch begins.
            ("a comment where the items begin", #"{"media_items":[// note"# + "\n" + first + "]}"),
            ("a comment after an item", #"{"media_items":["# + first + "/* note */]}"),
            // Found by the fuzzer: a number run into a quote, and a raw line feed in the string it opens.
            ("a number run into a string", "{\"media_items\": [\n 6\",\n  \"description\": \"x\n  : \"17\",\n \"b\"]}"),
        ]
        for (name, text) in cases {
            try await Self.expectSameWalks(Array(text.utf8), name, threads: [1, 2], batchBytes: [1, 1 << 20], readSizes: [13, 4096])
        }
        // Limits: the depth, and the size of an item.
        let deep = #"{"media_items":["# + first + #",{"a":"# + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "}]}"
        try await Self.expectSameWalks(Array(deep.utf8), "too deep", threads: [2], batchBytes: [1], readSizes: [4096])
        let large = #"{"media_items":["# + first + #",{"blob":""# + String(repeating: "x", count: 20_000) + #""}]}"#
        try await Self.expectSameWalks(
            Array(large.utf8), "an item over the size limit", threads: [2], batchBytes: [1, 1 << 20], readSizes: [512, 4096],
            options: ReaderOptions(maxItemBytes: 10_000)
        )
    }

    /// A pipe whose writer is slow: the walk gets what is whole at each pause, and the same
    /// items in the end, whichever bytes the pauses fall between.
    @Test func aSlowPipeGivesTheSerialWalk() async throws {
        let bytes = try Fixture.bytes("odd-values.json")
        let serial = try await Self.withFile(bytes) { path in await Self.walk(path, ReaderOptions(parallelism: .serial), .both) }
        for seed in 1...8 as ClosedRange<UInt64> {
            var ends: [Int32] = [0, 0]
            #expect(pipe(&ends) == 0)
            let writeEnd = ends[1]
            _ = Thread.detach {
                var generator = SeededGenerator(state: seed)
                var offset = 0
                while offset < bytes.count {
                    let size = min(bytes.count - offset, Int.random(in: 1...(seed % 2 == 0 ? 300 : 3000), using: &generator))
                    let written = bytes[offset..<(offset + size)].withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
                    if written <= 0 { break }
                    offset += written
                    usleep(UInt32.random(in: 0...300, using: &generator))
                }
                close(writeEnd)
            }
            var options = ReaderOptions(parallelism: .threads(2))
            options.parallelBatchBytes = 4096
            let reader = ExportReader(fileDescriptor: ends[0], closeWhenDone: true, options: options)
            var items: [MediaItem] = []
            var raw: [RawMediaItem] = []
            for try await both in reader.mediaItemsWithJSON {
                items.append(both.item)
                raw.append(both.raw)
            }
            #expect(items == serial.typed, "seed \(seed)")
            #expect(raw == serial.raw, "seed \(seed)")
            #expect(reader.warnings == serial.warnings, "seed \(seed)")
        }
    }

    @Test func everyTruncationPointEndsInTheSerialWalksError() async throws {
        let items = try Self.realItems()
        let text = #"{"info":{"dataset":"cut"},"media_items":["# + items.prefix(3).joined(separator: ",\n") + #","a",2]}"#
        let bytes = Array(text.utf8)
        // Every cut in the last 600 bytes, and every 97th before.
        let cuts = Array(stride(from: 0, to: bytes.count - 600, by: 97)) + Array((bytes.count - 600)..<bytes.count)
        for cut in cuts {
            try await Self.expectSameWalks(Array(bytes[..<cut]), "cut at \(cut)", threads: [2], batchBytes: [1], readSizes: [4096])
        }
    }

    /// Media ids of the real export's items, through `mediaItems(mappedBy:)` with the reading
    /// given: a loop left after 3 items is continued by a loop over the same sequence; a loop
    /// of any other kind after it throws a usage error, and so does a loop over raw bytes after
    /// typed items, whatever the walk.
    @Test func mappedItemsAreContinuedOnlyByTheirOwnSequence() async throws {
        try await Self.withFile(try Fixture.bytes("real-export-extreme.json")) { path in
            let expected = await Self.walk(path, ReaderOptions(parallelism: .serial), .typed).typed.map(\.mediaID)
            #expect(expected.count == 56)
            for parallelism in [ReaderOptions.Parallelism.serial, .threads(1), .threads(2)] {
                var options = ReaderOptions(parallelism: parallelism)
                options.parallelBatchBytes = 300
                let reader = try ExportReader(path: path, options: options)
                let ids = reader.mediaItems(mappedBy: { $0.mediaID })
                var found: [String?] = []
                for try await id in ids {
                    found.append(id)
                    if found.count == 3 { break }
                }
                for try await id in ids { found.append(id) }
                #expect(found == expected, "\(parallelism)")

                let other = try ExportReader(path: path, options: options)
                for try await _ in other.mediaItemsWithJSON(mappedBy: { $0.raw.index }) { break }
                await #expect(throws: VLExportError.self, "\(parallelism): typed items after mapped ones") {
                    for try await _ in other.mediaItems {}
                }
                await #expect(throws: VLExportError.self, "\(parallelism): another function") {
                    for try await _ in other.mediaItemsWithJSON(mappedBy: { $0.raw.index }) {}
                }
                await #expect(throws: VLExportError.self, "\(parallelism): raw items after mapped ones") {
                    for try await _ in other.rawItems {}
                }

                // Raw and typed items first: the function takes the walk over where they stopped.
                let mixed = try ExportReader(path: path, options: options)
                var mixedIDs: [String?] = []
                for try await raw in mixed.rawItems {
                    mixedIDs.append(try raw.typedItem().mediaID)
                    if mixedIDs.count == 2 { break }
                }
                for try await item in mixed.mediaItems {
                    mixedIDs.append(item.mediaID)
                    if mixedIDs.count == 5 { break }
                }
                for try await id in mixed.mediaItems(mappedBy: { $0.mediaID }) { mixedIDs.append(id) }
                #expect(mixedIDs == expected, "\(parallelism)")
                let typedFirst = try ExportReader(path: path, options: options)
                for try await _ in typedFirst.mediaItems { break }
                await #expect(throws: VLExportError.self, "\(parallelism): bytes after typed items") {
                    for try await _ in typedFirst.mediaItemsWithJSON(mappedBy: { $0.raw.index }) {}
                }
            }
        }
    }

    /// Partial results, through `mediaItems(into:adding:)`: in the parallel walk one value
    /// stands for the items a worker read together, in order, and in the serial walk for one
    /// item. A loop left after its first value is continued by a loop over the same sequence;
    /// `readInfo()` part way through an export whose `info` comes last passes over the rest,
    /// which the next loop reads again from the start, with nothing twice and nothing lost.
    /// `normalizedLines` joins the lines of a worker's items in the same way.
    @Test func partialResultsStandForConsecutiveItemsInOrder() async throws {
        let bytes = try Fixture.bytes("real-export-extreme.json")
        let expected = try await Self.withFile(bytes) { path in
            await Self.walk(path, ReaderOptions(parallelism: .serial), .typed).typed.map(\.mediaID)
        }
        #expect(expected.count == 56)
        // The same export with `info` after `media_items`.
        let split = try #require(bytes.firstRange(of: Array(#","media_items":"#.utf8))).lowerBound
        let items: ArraySlice<UInt8> = bytes[(split + 1)..<(bytes.count - 1)]
        let info: ArraySlice<UInt8> = bytes[8..<split]
        var infoLast: [UInt8] = [UInt8(ascii: "{")]
        infoLast += items
        infoLast += Array(#","info":"#.utf8)
        infoLast += info
        infoLast.append(UInt8(ascii: "}"))
        for (export, name) in [(bytes, "info first"), (infoLast, "info last")] {
            try await Self.withFile(export) { path in
                for parallelism in [ReaderOptions.Parallelism.serial, .threads(1), .threads(2), .threads(3)] {
                    var options = ReaderOptions(parallelism: parallelism)
                    // Batches of about five items, so that the first value leaves others to read.
                    options.parallelBatchBytes = 16 << 10
                    let reader = try ExportReader(path: path, options: options)
                    let runs = reader.mediaItems(into: { [String?]() }, adding: { $0.append($1.mediaID) })
                    var values = 0
                    var found: [String?] = []
                    for try await run in runs {
                        values += 1
                        found += run
                        break
                    }
                    if name == "info last" {
                        #expect(try await reader.readInfo()?.dataset == "Extreme", "\(name), \(parallelism)")
                    }
                    for try await run in runs {
                        values += 1
                        found += run
                    }
                    #expect(found == expected, "\(name), \(parallelism)")
                    if parallelism == .serial {
                        #expect(values == expected.count, "\(name): one value per item in the serial walk")
                    } else {
                        #expect(values < expected.count / 2, "\(name), \(parallelism): \(values) values for \(expected.count) items")
                    }

                    // The lines of normalized items are joined on the workers in the same way.
                    let linesReader = try ExportReader(path: path, options: options)
                    var lineValues = 0
                    var lineCount = 0
                    for try await lines in linesReader.normalizedLines {
                        lineValues += 1
                        lineCount += lines.itemCount
                    }
                    #expect(lineCount == expected.count, "\(name), \(parallelism)")
                    #expect(parallelism == .serial ? lineValues == lineCount : lineValues < lineCount / 2, "\(name), \(parallelism)")
                }
            }
        }
    }

    /// In the parallel walk the function runs on the workers, never on the loop's thread.
    /// On one core the source is picked by the first loop's form: a walk begun over raw items
    /// (one worker) goes on over typed items, and one begun by `readInfo()` (the serial walk)
    /// over raw items, each giving the serial walk's items.
    @Test func oneCoreGoesOnInAnotherForm() async throws {
        try await Self.withFile(try Fixture.bytes("real-export-extreme.json")) { path in
            let serial = await Self.walk(path, ReaderOptions(parallelism: .serial), .both)
            #expect(serial.typed.count == 56)

            let rawFirst = try ExportReader(path: path, options: ReaderOptions(), plan: .oneCore)
            var raw: [RawMediaItem] = []
            for try await item in rawFirst.rawItems {
                raw.append(item)
                if raw.count == 3 { break }
            }
            var typed: [MediaItem] = []
            for try await item in rawFirst.mediaItems { typed.append(item) }
            #expect(raw == Array(serial.raw.prefix(3)))
            #expect(typed == Array(serial.typed.dropFirst(3)))
            #expect(rawFirst.warnings == serial.warnings)

            let infoFirst = try ExportReader(path: path, options: ReaderOptions(), plan: .oneCore)
            #expect(try await infoFirst.readInfo() == serial.info)
            var rawAfterInfo: [RawMediaItem] = []
            for try await item in infoFirst.rawItems { rawAfterInfo.append(item) }
            #expect(rawAfterInfo == serial.raw)
        }
    }

    @Test func theParallelWalkMapsItemsOnItsWorkers() async throws {
        try await Self.withFile(try Fixture.bytes("real-export-extreme.json")) { path in
            var options = ReaderOptions(parallelism: .threads(2))
            options.parallelBatchBytes = 300
            let reader = try ExportReader(path: path, options: options)
            let mappingThreads = Mutex<Set<UInt>>([])
            var loopThreads: Set<UInt> = []
            var count = 0
            for try await _ in reader.mediaItems(mappedBy: { _ in mappingThreads.withLock { _ = $0.insert(pthread_self()) } }) {
                loopThreads.insert(pthread_self())
                count += 1
            }
            #expect(count == 56)
            let mapped = mappingThreads.withLock { $0 }
            #expect(!mapped.isEmpty)
            #expect(mapped.isDisjoint(with: loopThreads))
        }
    }
}

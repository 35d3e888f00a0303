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
        /// `batches(into:adding:)` over each of those: arrays of the items a worker reads
        /// together, built there (one item per array in the serial walk).
        case rawBatches, typedBatches, bothBatches
        /// `normalizedItems`, written from the events on the workers.
        case normalized
        /// `normalizedItems.batches(into:adding:)`: the same JSON as lines of NDJSON, those of
        /// the items a worker reads together joined there.
        case normalizedLines

        /// The form whose items one by one a form of batches holds; the form itself otherwise.
        var itemForm: Form {
            switch self {
            case .rawBatches: .raw
            case .typedBatches: .typed
            case .bothBatches: .both
            case .normalizedLines: .normalized
            case .raw, .typed, .both, .normalized: self
            }
        }
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
            case .rawBatches:
                for try await run in reader.rawItems.inArrays { outcome.raw += run }
            case .typedBatches:
                for try await run in reader.mediaItems.inArrays { outcome.typed += run }
            case .bothBatches:
                for try await run in reader.mediaItemsWithJSON.inArrays {
                    outcome.raw += run.map(\.raw)
                    outcome.typed += run.map(\.item)
                }
            case .normalized:
                for try await line in reader.normalizedItems { outcome.normalized.append(line) }
            case .normalizedLines:
                for try await lines in reader.normalizedItems.joinedLines {
                    let items = lines.lines
                    #expect(items.count == lines.count && lines.bytes.last == 0x0A)
                    outcome.normalized += items
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
                if form.itemForm != form {
                    let items = await walk(path, serialOptions, form.itemForm)
                    #expect(serial == items, "\(name), \(form): the batches hold the items one by one, in order")
                }
                if form.itemForm == .normalized {
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
        var iterator = try ExportReader(path: Fixture.path("real-export-extreme.json")).rawItems.makeBlockingIterator()
        var items: [String] = []
        while let item = try iterator.nextBlocking() { items.append(String(decoding: item.json, as: UTF8.self)) }
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
            Thread.detach {
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

    /// Media ids of the real export's items, through `mediaItems.batches(into:adding:)`, with
    /// the walk given: a loop left after its first values is continued by a loop over the same
    /// sequence; a loop of any other form after it (the items one by one, another sequence of
    /// batches, even of the same functions, raw items) throws a usage error and leaves the walk
    /// where it was; and batches cannot continue a loop over the items one by one.
    @Test func batchesAreContinuedOnlyByTheirOwnSequence() async throws {
        try await Self.withFile(try Fixture.bytes("real-export-extreme.json")) { path in
            let expected = await Self.walk(path, ReaderOptions(parallelism: .serial), .typed).typed.map(\.mediaID)
            #expect(expected.count == 56)
            for parallelism in [ReaderOptions.Parallelism.serial, .threads(1), .threads(2)] {
                var options = ReaderOptions(parallelism: parallelism)
                options.parallelBatchBytes = 300
                let reader = try ExportReader(path: path, options: options)
                let ids = reader.mediaItems.batches(into: { [String?]() }, adding: { $0.append($1.mediaID) })
                var found: [String?] = []
                for try await run in ids {
                    found += run
                    if found.count >= 3 { break }
                }
                #expect(found.count < expected.count, "\(parallelism): the first loop leaves items to read")
                await expectUsageError("\(parallelism): typed items after batches of them") {
                    for try await _ in reader.mediaItems {}
                }
                await expectUsageError("\(parallelism): another sequence of batches of the same functions") {
                    for try await _ in reader.mediaItems.batches(into: { [String?]() }, adding: { $0.append($1.mediaID) }) {}
                }
                await expectUsageError("\(parallelism): raw items after batches") {
                    for try await _ in reader.rawItems {}
                }
                await expectUsageError("\(parallelism): batches of raw items after batches of typed ones") {
                    for try await _ in reader.rawItems.inArrays {}
                }
                for try await run in ids { found += run }
                #expect(found == expected, "\(parallelism)")

                // Items one by one first: no sequence of batches continues them, of their form or another.
                let itemsFirst = try ExportReader(path: path, options: options)
                var itemIDs: [String?] = []
                for try await item in itemsFirst.mediaItems {
                    itemIDs.append(item.mediaID)
                    if itemIDs.count == 2 { break }
                }
                await expectUsageError("\(parallelism): batches after typed items") {
                    for try await _ in itemsFirst.mediaItems.inArrays {}
                }
                await expectUsageError("\(parallelism): batches of both forms after typed items") {
                    for try await _ in itemsFirst.mediaItemsWithJSON.inArrays {}
                }
                for try await item in itemsFirst.mediaItems { itemIDs.append(item.mediaID) }
                #expect(itemIDs == expected, "\(parallelism)")
            }
        }
    }

    /// Partial results, through `mediaItems.batches(into:adding:)`: in the parallel walk one value
    /// stands for the items a worker read together, in order, and in the serial walk for one
    /// item. A loop left after its first value is continued by a loop over the same sequence;
    /// `readInfo()` part way through an export whose `info` comes last passes over the rest,
    /// which the next loop reads again from the start, with nothing twice and nothing lost.
    /// `normalizedItems.batches(into:adding:)` joins the lines of a worker's items in the same way.
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
                    // Batches of about five items, so that the first value leaves others to read,
                    // and reads smaller than the export, so that readInfo() has items to pass over.
                    options.parallelBatchBytes = 16 << 10
                    options.chunkSize = 16 << 10
                    let reader = try ExportReader(path: path, options: options)
                    let runs = reader.mediaItems.batches(into: { [String?]() }, adding: { $0.append($1.mediaID) })
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
                    for try await lines in linesReader.normalizedItems.joinedLines {
                        lineValues += 1
                        lineCount += lines.count
                    }
                    #expect(lineCount == expected.count, "\(name), \(parallelism)")
                    #expect(parallelism == .serial ? lineValues == lineCount : lineValues < lineCount / 2, "\(name), \(parallelism)")
                }
            }
        }
    }

    /// On one core the source is picked by the first loop's form: a walk begun over raw items
    /// goes through one worker, and goes on over raw items only (a typed loop after it throws
    /// a usage error); one begun by `readInfo()` (the serial walk) may go on in any form. Each
    /// gives the serial walk's items.
    @Test func oneCorePicksItsSourceByTheFirstLoop() async throws {
        try await Self.withFile(try Fixture.bytes("real-export-extreme.json")) { path in
            let serial = await Self.walk(path, ReaderOptions(parallelism: .serial), .both)
            #expect(serial.typed.count == 56)

            let rawFirst = try ExportReader(path: path, options: ReaderOptions(), plan: .oneCore)
            var raw: [RawMediaItem] = []
            for try await item in rawFirst.rawItems {
                raw.append(item)
                if raw.count == 3 { break }
            }
            await expectUsageError("typed items after raw ones") {
                for try await _ in rawFirst.mediaItems {}
            }
            for try await item in rawFirst.rawItems { raw.append(item) }
            #expect(raw == serial.raw)
            #expect(rawFirst.warnings == serial.warnings)

            let infoFirst = try ExportReader(path: path, options: ReaderOptions(), plan: .oneCore)
            #expect(try await infoFirst.readInfo() == serial.info)
            var rawAfterInfo: [RawMediaItem] = []
            for try await item in infoFirst.rawItems { rawAfterInfo.append(item) }
            #expect(rawAfterInfo == serial.raw)

            let infoThenTyped = try ExportReader(path: path, options: ReaderOptions(), plan: .oneCore)
            #expect(try await infoThenTyped.readInfo() == serial.info)
            var typedAfterInfo: [MediaItem] = []
            for try await item in infoThenTyped.mediaItems { typedAfterInfo.append(item) }
            #expect(typedAfterInfo == serial.typed)
        }
    }

    /// `readInfo()` before a first loop over batches, when `info` comes first: whatever the
    /// walk, and whatever the reading thread has cut while `info` was read, the batches hold
    /// every item. (Items one by one after `readInfo()`: ``ReadInfoFirstTests``.)
    @Test func readInfoThenBatchesGiveEveryItemOnEveryWalk() async throws {
        try await Self.withFile(try Fixture.bytes("real-export-extreme.json")) { path in
            let serial = await Self.walk(path, ReaderOptions(parallelism: .serial), .both)
            for plan in [ReaderOptions.WalkPlan.serial, .parallel(workers: 2), .oneCore] {
                var options = ReaderOptions()
                // Small reads and batches: the reading thread cuts many batches ahead of the walk.
                options.chunkSize = 4096
                options.parallelBatchBytes = 8 << 10
                let typedReader = try ExportReader(path: path, options: options, plan: plan)
                #expect(try await typedReader.readInfo() == serial.info, "\(plan)")
                var typed: [MediaItem] = []
                for try await run in typedReader.mediaItems.inArrays { typed += run }
                #expect(typed == serial.typed, "\(plan): \(typed.count) items")

                let rawReader = try ExportReader(path: path, options: options, plan: plan)
                #expect(try await rawReader.readInfo() == serial.info, "\(plan)")
                var raw: [RawMediaItem] = []
                for try await run in rawReader.rawItems.inArrays { raw += run }
                #expect(raw == serial.raw, "\(plan): \(raw.count) items")
            }
        }
    }

    /// A loop that is not async (`makeBlockingIterator()`, `nextBlocking()`) gives the serial
    /// walk's items on every walk of a file: serial, parallel and one core, items one by one
    /// and in batches. A new iterator continues where the last one stopped, the one that met the
    /// end gives nil again, and a loop of another form, or after the end, throws a usage error.
    @Test func blockingLoopsGiveTheSerialWalkOnEveryWalk() async throws {
        try await Self.withFile(try Fixture.bytes("real-export-extreme.json")) { path in
            let serial = await Self.walk(path, ReaderOptions(parallelism: .serial), .both)
            #expect(serial.typed.count == 56)
            for plan in [ReaderOptions.WalkPlan.serial, .parallel(workers: 2), .oneCore] {
                var options = ReaderOptions()
                // Batches of about five items, so that a batch is one value for several.
                options.parallelBatchBytes = 16 << 10
                let typedReader = try ExportReader(path: path, options: options, plan: plan)
                var typed: [MediaItem] = []
                var first = typedReader.mediaItems.makeBlockingIterator()
                while let item = try first.nextBlocking() {
                    typed.append(item)
                    if typed.count == 5 { break }
                }
                var rest = typedReader.mediaItems.makeBlockingIterator()
                while let item = try rest.nextBlocking() { typed.append(item) }
                #expect(typed == serial.typed, "\(plan)")
                #expect(try rest.nextBlocking() == nil, "\(plan): the iterator that met the end")
                #expect(typedReader.warnings == serial.warnings, "\(plan)")
                #expect(typedReader.info == serial.info, "\(plan)")
                await expectUsageError("\(plan): a loop after the end") {
                    var again = typedReader.mediaItems.makeBlockingIterator()
                    _ = try again.nextBlocking()
                }

                let rawReader = try ExportReader(path: path, options: options, plan: plan)
                var raw: [RawMediaItem] = []
                var rawItems = rawReader.rawItems.makeBlockingIterator()
                while let item = try rawItems.nextBlocking() {
                    raw.append(item)
                    if raw.count == 7 { break }
                }
                await expectUsageError("\(plan): typed items after raw ones") {
                    var other = rawReader.mediaItems.makeBlockingIterator()
                    _ = try other.nextBlocking()
                }
                while let item = try rawItems.nextBlocking() { raw.append(item) }
                #expect(raw == serial.raw, "\(plan)")

                let batchReader = try ExportReader(path: path, options: options, plan: plan)
                var batched: [RawMediaItem] = []
                var values = 0
                var runs = batchReader.rawItems.inArrays.makeBlockingIterator()
                while let run = try runs.nextBlocking() {
                    batched += run
                    values += 1
                }
                #expect(batched == serial.raw, "\(plan)")
                // The serial walk gives one value per item; a worker (one for raw items on one core), one per batch.
                #expect(plan == .serial ? values == batched.count : values < batched.count / 2, "\(plan): \(values) values")
            }
        }
    }

    /// In the parallel walk the items are added to partial results on the workers, never on the loop's thread.
    @Test func theParallelWalkAddsItemsOnItsWorkers() async throws {
        try await Self.withFile(try Fixture.bytes("real-export-extreme.json")) { path in
            var options = ReaderOptions(parallelism: .threads(2))
            options.parallelBatchBytes = 300
            let reader = try ExportReader(path: path, options: options)
            let addingThreads = LockedValue<Set<UInt>>([])
            let counts = reader.mediaItems.batches(into: { 0 }, adding: { count, _ in
                addingThreads.withLock { _ = $0.insert(pthread_self()) }
                count += 1
            })
            var loopThreads: Set<UInt> = []
            var count = 0
            for try await partial in counts {
                loopThreads.insert(pthread_self())
                count += partial
            }
            #expect(count == 56)
            let adding = addingThreads.withLock { $0 }
            #expect(!adding.isEmpty)
            #expect(adding.isDisjoint(with: loopThreads))
        }
    }
}

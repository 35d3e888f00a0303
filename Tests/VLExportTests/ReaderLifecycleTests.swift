import Testing
import TestSupport
import VLExport

#if canImport(Glibc)
import Glibc
#endif

/// The reader's one-pass rule, case by case: every case ends with every item or with a
/// thrown error, never with a short count and never with a trap.
@Suite(.hangLimit) struct ReaderLifecycleTests {
    static let fixture = "real-export-extreme.json"
    static let itemCount = 56

    /// The fixture's items as one uninterrupted walk gives them: the oracle.
    func allItems() async throws -> [MediaItem] {
        let whole = await typedWalk(try Fixture.bytes(Self.fixture))
        #expect(whole.error == nil)
        #expect(whole.items.count == Self.itemCount)
        return whole.items
    }

    /// Readers on the same bytes: a file (read ahead on a thread), a pipe, and chunks.
    func readers() throws -> [(String, ExportReader)] {
        let bytes = try Fixture.bytes(Self.fixture)
        return [
            ("file", try ExportReader(path: Fixture.path(Self.fixture))),
            ("pipe", try PipeFeeder.reader(feeding: bytes)),
            ("chunks", ExportReader(chunks: ChunkedBytes(bytes, sizes: [700]))),
        ]
    }

    @Test func aLoopLeftWithBreakIsContinuedByTheNextLoop() async throws {
        let expected = try await allItems()
        for (kind, reader) in try readers() {
            var items: [MediaItem] = []
            for try await item in reader.mediaItems {
                items.append(item)
                if items.count == 3 { break }
            }
            for try await item in reader.mediaItems { items.append(item) }
            #expect(items == expected, "\(kind)")
        }
    }

    /// Takes `count` items in a function of its own, whose iterator is gone when it returns.
    func takeSome(_ count: Int, from reader: ExportReader) async throws -> [MediaItem] {
        var items: [MediaItem] = []
        for try await item in reader.mediaItems {
            items.append(item)
            if items.count == count { return items }
        }
        return items
    }

    @Test func aLoopInAHelperThenALoopGivesEveryItem() async throws {
        let expected = try await allItems()
        for (kind, reader) in try readers() {
            var items = try await takeSome(5, from: reader)
            items += try await takeSome(7, from: reader)
            for try await item in reader.mediaItems { items.append(item) }
            #expect(items == expected, "\(kind)")
        }
    }

    /// A loop in another form than the first loop's throws a usage error, in words, not a
    /// trap, and leaves the walk where it was: the next loop in the first form gets the rest.
    /// A sequence of batches is a form of its own, as is each sequence `batches` returns.
    @Test func aLoopInAnotherFormThrowsAndTheWalkGoesOn() async throws {
        let expected = try await allItems()
        for (kind, reader) in try readers() {
            var ids: [String?] = []
            for try await raw in reader.rawItems {
                ids.append(try raw.typedItem().mediaID)
                if ids.count == 2 { break }
            }
            await expectUsageError("\(kind): typed items after raw ones") {
                for try await _ in reader.mediaItems {}
            }
            await expectUsageError("\(kind): both forms after raw items") {
                for try await _ in reader.mediaItemsWithJSON {}
            }
            await expectUsageError("\(kind): normalized items after raw ones") {
                for try await _ in reader.normalizedItems {}
            }
            await expectUsageError("\(kind): batches of raw items after raw items") {
                for try await _ in reader.rawItems.inArrays {}
            }
            for try await raw in reader.rawItems { ids.append(try raw.typedItem().mediaID) }
            #expect(ids == expected.map(\.mediaID), "\(kind)")
        }
        for (kind, reader) in try readers() {
            let runs = reader.mediaItems.inArrays
            var items: [MediaItem] = []
            for try await run in runs {
                items += run
                break
            }
            await expectUsageError("\(kind): items one by one after batches of them") {
                for try await _ in reader.mediaItems {}
            }
            await expectUsageError("\(kind): another sequence of batches") {
                for try await _ in reader.mediaItems.inArrays {}
            }
            for try await run in runs { items += run }
            #expect(items == expected, "\(kind)")
        }
    }

    @Test func aLoopAfterTheEndOrAfterCloseThrows() async throws {
        for (kind, reader) in try readers() {
            #expect(await typedWalk(reader).items.count == Self.itemCount, "\(kind)")
            let second = await typedWalk(reader)
            #expect(second.items.isEmpty)
            #expect((second.error as? VLExportError)?.kind == .usage, "\(kind)")
        }
        for (kind, reader) in try readers() {
            for try await _ in reader.rawItems { break }
            reader.close()
            let afterClose = await rawWalk(reader)
            #expect(afterClose.items.isEmpty)
            #expect((afterClose.error as? VLExportError)?.kind == .usage, "\(kind)")
        }
    }

    @Test func aFailedWalkThrowsItsErrorAgain() async throws {
        let bytes = try Fixture.bytes(Self.fixture)
        let reader = ExportReader(chunks: ChunkedBytes(Array(bytes.prefix(bytes.count / 2)), sizes: [4096]))
        let first = await rawWalk(reader)
        let second = await rawWalk(reader)
        #expect((first.error as? VLExportError)?.kind == .truncated)
        #expect(second.error as? VLExportError == first.error as? VLExportError)
        #expect(second.items.isEmpty)
    }

    @Test func readInfoOnInfoLastRereadsAFileAndRefusesAPipe() async throws {
        let bytes = try Fixture.bytes("edge-cases.json")
        let expected = await typedWalk(bytes)
        #expect(expected.items.count == 3)

        let file = try ExportReader(path: Fixture.path("edge-cases.json"))
        #expect(try await file.readInfo()?.dataset == "Edge cases ✓")
        let fromFile = await typedWalk(file)
        #expect(fromFile.error == nil)
        #expect(fromFile.items == expected.items)
        let oracle = ExportReader(chunks: ChunkedBytes(bytes, sizes: [65536]))
        _ = await typedWalk(oracle)
        #expect(file.warnings == oracle.warnings)

        // Part way through a walk: the rest comes after the re-read, nothing twice. (Reads
        // smaller than the export, so that readInfo() has items to pass over.)
        let partWay = try ExportReader(path: Fixture.path("edge-cases.json"), options: ReaderOptions(chunkSize: 64, parallelism: .serial))
        var items: [MediaItem] = []
        for try await item in partWay.mediaItems {
            items.append(item)
            break
        }
        #expect(try await partWay.readInfo() != nil)
        for try await item in partWay.mediaItems { items.append(item) }
        #expect(items == expected.items)

        let pipe = try PipeFeeder.reader(feeding: bytes)
        #expect(try await pipe.readInfo()?.dataset == "Edge cases ✓")
        let fromPipe = await typedWalk(pipe)
        #expect(fromPipe.items.isEmpty)
        #expect((fromPipe.error as? VLExportError)?.kind == .usage)
    }

    @Test func aTaskCancelledWhileItsReadWaitsOnASilentPipeEnds() async throws {
        signal(SIGPIPE, SIG_IGN)
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let (readEnd, writeEnd) = (ends[0], ends[1])
        defer { close(writeEnd) }
        // Half an item, then silence: the walk waits inside a read.
        let head = Array(#"{"info":{"dataset":"silent"},"media_items":[{"media_id":"a"},{"media_"#.utf8)
        #expect(write(writeEnd, head, head.count) == head.count)

        let started = Gate()
        let task = Task { () -> (Int, (any Error)?) in
            let reader = ExportReader(fileDescriptor: readEnd, closeWhenDone: true)
            var seen = 0
            do {
                for try await _ in reader.rawItems {
                    seen += 1
                    started.open()
                }
                return (seen, nil)
            } catch {
                return (seen, error)
            }
        }
        await started.wait()
        // Give the walk time to block in its read of the silent pipe.
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        // A walk that did not end would be caught by the suite's time limit; how soon it ends
        // is measured by Scripts/measure-cancel.sh, not asserted here.
        let (seen, error) = await task.value
        #expect(seen == 1)
        #expect(error is CancellationError)
        // The descriptor is closed: writing to the pipe now fails with EPIPE.
        let more = Array("x".utf8)
        #expect(write(writeEnd, more, 1) == -1)
        #expect(errno == EPIPE)
    }

    /// Blocking loops follow the same rule: a new iterator, blocking or async, continues in
    /// the first loop's form; another form, or a new loop after the end, throws a usage error.
    @Test func aBlockingLoopFollowsTheSameRules() async throws {
        let reader = try ExportReader(path: Fixture.path(Self.fixture))
        var count = 0
        var first = reader.rawItems.makeBlockingIterator()
        while try first.nextBlocking() != nil {
            count += 1
            if count == 10 { break }
        }
        await expectUsageError("typed items after raw ones") {
            var typed = reader.mediaItems.makeBlockingIterator()
            _ = try typed.nextBlocking()
        }
        for try await _ in reader.rawItems {
            count += 1
            if count == 20 { break }
        }
        var rest = reader.rawItems.makeBlockingIterator()
        while try rest.nextBlocking() != nil { count += 1 }
        #expect(count == Self.itemCount)
        #expect(try rest.nextBlocking() == nil)
        await expectUsageError("a loop after the end") {
            var again = reader.rawItems.makeBlockingIterator()
            _ = try again.nextBlocking()
        }
    }
}

/// A one-shot gate a task waits on until another opens it.
final class Gate: Sendable {
    private let isOpen = LockedValue(false)

    func open() {
        isOpen.withLock { $0 = true }
    }

    func wait() async {
        while !isOpen.withLock({ $0 }) {
            try? await Task.sleep(for: .milliseconds(1))
        }
    }
}

/// Feeds bytes into a pipe from a thread, for a reader on its read end.
enum PipeFeeder {
    static func reader(feeding bytes: [UInt8]) throws -> ExportReader {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw FixtureError.cannotOpen("a pipe") }
        let writeEnd = ends[1]
        Thread.detach {
            var offset = 0
            while offset < bytes.count {
                let count = bytes[offset...].withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                offset += count
            }
            close(writeEnd)
        }
        return ExportReader(fileDescriptor: ends[0], closeWhenDone: true)
    }
}

import Testing
import TestSupport
import VLExport

#if canImport(Glibc)
import Glibc
#endif

/// The reader's entry points, backpressure, cancellation and descriptors.
@Suite(.hangLimit) struct ReaderAPITests {
    /// How many of this process's open descriptors refer to `path`. (Counting all of
    /// them would race with the tests that run alongside and open files of their own.)
    func descriptors(openOn path: String) throws -> Int {
        guard let directory = opendir("/proc/self/fd") else { throw FixtureError.cannotOpen("/proc/self/fd") }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            var target = [CChar](repeating: 0, count: 4096)
            let length = readlink("/proc/self/fd/\(name)", &target, target.count - 1)
            if length > 0, String(decoding: target[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) == path { count += 1 }
        }
        return count
    }

    @Test func theFileIsClosedAtTheEndAtCloseAndWhenTheReaderGoes() async throws {
        // A copy of the fixture under a name no other test opens.
        let path = "/tmp/vlexport-close-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).json"
        let bytes = try Fixture.bytes("real-export-extreme.json")
        let file = try #require(fopen(path, "wb"))
        #expect(fwrite(bytes, 1, bytes.count, file) == bytes.count)
        fclose(file)
        defer { unlink(path) }

        // Leaving a loop early keeps the file open for the next loop; close() closes it.
        let reader = try ExportReader(path: path)
        #expect(try descriptors(openOn: path) == 1)
        for try await _ in reader.mediaItems { break }
        #expect(try descriptors(openOn: path) == 1)
        reader.close()
        #expect(try descriptors(openOn: path) == 0)

        // The end of the input closes it.
        let walkedToTheEnd = try ExportReader(path: path)
        #expect(await rawWalk(walkedToTheEnd).items.count == 56)
        #expect(try descriptors(openOn: path) == 0)

        // So does the end of the reader and its iterators, wherever the walk stopped.
        do {
            var iterator = try ExportReader(path: path).rawItems.makeAsyncIterator()
            #expect(try await iterator.next() != nil)
            #expect(try descriptors(openOn: path) == 1)
        }
        #expect(try descriptors(openOn: path) == 0)

        // A blocking loop that meets the end closes it too.
        var toTheEnd = try ExportReader(path: path).rawItems.makeBlockingIterator()
        var count = 0
        while try toTheEnd.nextBlocking() != nil { count += 1 }
        #expect(count == 56)
        #expect(try descriptors(openOn: path) == 0)

        // What replaces withExport: close() deferred to the end of a scope closes the file,
        // even while an iterator outlives the scope, and that iterator then throws.
        var outliving: ExportItems<RawMediaItem>.Iterator
        do {
            let reader = try ExportReader(path: path)
            defer { reader.close() }
            outliving = reader.rawItems.makeBlockingIterator()
            #expect(try outliving.nextBlocking() != nil)
            #expect(try descriptors(openOn: path) == 1)
        }
        #expect(try descriptors(openOn: path) == 0)
        await expectUsageError("a loop after close()") { _ = try outliving.nextBlocking() }
    }

    @Test func aCancelledTaskStopsReading() async throws {
        let bytes = try Fixture.bytes("real-export-extreme.json")
        let counter = ChunkCounter()
        let totalChunks = (bytes.count + 63) / 64
        let task = Task { () -> (Int, (any Error)?) in
            let reader = ExportReader(chunks: ChunkedBytes(bytes, sizes: [64], counter: counter))
            var seen = 0
            do {
                for try await _ in reader.mediaItems {
                    seen += 1
                    if seen == 1 { withUnsafeCurrentTask { $0?.cancel() } }
                }
            } catch {
                return (seen, error)
            }
            return (seen, nil)
        }
        let (seen, error) = await task.value
        #expect(error is CancellationError)
        #expect(seen < 56)
        #expect(counter.count < totalChunks / 10)
    }

    @Test func chunksAreReadOnlyWhenAnItemIsAskedFor() async throws {
        let bytes = try Fixture.bytes("real-export-extreme.json")
        let counter = ChunkCounter()
        let reader = ExportReader(chunks: ChunkedBytes(bytes, sizes: [1024], counter: counter))
        var iterator = reader.rawItems.makeAsyncIterator()
        _ = try await iterator.next()
        let afterOne = counter.count
        // The first item is about 3.5 KB: a few 1 KB chunks, never the whole 190 KB input.
        #expect(afterOne <= 6)
        _ = try await iterator.next()
        #expect(counter.count > afterOne)
        #expect(counter.count <= afterOne + 6)
    }

    /// A loop that is not async gives the async loop's items, in each form, whether the walk
    /// is serial or parallel.
    @Test func aBlockingLoopGivesTheAsyncLoopsItems() async throws {
        let path = Fixture.path("edge-cases.json")
        let asyncItems = await typedWalk(try ExportReader(path: path)).items
        let asyncRaw = await rawWalk(try ExportReader(path: path)).items
        #expect(asyncItems.count == 3)
        for parallelism in [ReaderOptions.Parallelism.serial, .threads(2)] {
            let options = ReaderOptions(parallelism: parallelism)
            let reader = try ExportReader(path: path, options: options)
            var items: [MediaItem] = []
            var typed = reader.mediaItems.makeBlockingIterator()
            while let item = try typed.nextBlocking() { items.append(item) }
            #expect(items == asyncItems, "\(parallelism)")
            #expect(reader.info?.dataset == "Edge cases ✓", "\(parallelism)")
            #expect(reader.mediaItemCount == 3, "\(parallelism)")

            var raw: [RawMediaItem] = []
            var rawItems = try ExportReader(path: path, options: options).rawItems.makeBlockingIterator()
            while let item = try rawItems.nextBlocking() { raw.append(item) }
            #expect(raw == asyncRaw, "\(parallelism)")

            var lines: [[UInt8]] = []
            var normalized = try ExportReader(path: path, options: options).normalizedItems.makeBlockingIterator()
            while let line = try normalized.nextBlocking() { lines.append(line) }
            #expect(lines == asyncItems.map(\.normalizedJSONBytes), "\(parallelism)")
        }
    }

    @Test func aBlockingLoopThrowsAfterTheItemsBeforeTheFault() async throws {
        let path = Fixture.path("seed-example.json")
        for parallelism in [ReaderOptions.Parallelism.serial, .threads(2)] {
            var items = try ExportReader(path: path, options: ReaderOptions(parallelism: parallelism)).mediaItems.makeBlockingIterator()
            #expect(try items.nextBlocking()?.index == 0, "\(parallelism)")
            let error = #expect(throws: VLExportError.self, "\(parallelism)") { try items.nextBlocking() }
            // The same error again, to a loop that asks once more.
            if let error { #expect(throws: error, "\(parallelism)") { try items.nextBlocking() } }
        }
    }

    /// A reader of an async sequence can only be read in an async loop: a blocking one throws
    /// a usage error before it takes a chunk.
    @Test func aBlockingLoopOverChunksThrowsAUsageError() async throws {
        let counter = ChunkCounter()
        let reader = ExportReader(chunks: ChunkedBytes(try Fixture.bytes("edge-cases.json"), sizes: [1024], counter: counter))
        var items = reader.mediaItems.makeBlockingIterator()
        await expectUsageError { _ = try items.nextBlocking() }
        #expect(counter.count == 0)
    }

    @Test func fileDescriptorInputReadsAPipe() async throws {
        var descriptors: [Int32] = [0, 0]
        #expect(pipe(&descriptors) == 0)
        let bytes = try Fixture.bytes("real-export-extreme.json")
        let writeEnd = descriptors[1]
        let writer = Thread.start {
            bytes.withUnsafeBytes { buffer in
                var written = 0
                while written < buffer.count {
                    let count = write(writeEnd, buffer.baseAddress! + written, buffer.count - written)
                    if count <= 0 { break }
                    written += count
                }
            }
            close(writeEnd)
        }
        let reader = ExportReader(fileDescriptor: descriptors[0], closeWhenDone: true)
        let result = await rawWalk(reader)
        writer.join()
        #expect(result.error == nil)
        #expect(result.items.count == 56)
    }

    @Test func readInfoStopsEarlyWhenInfoComesFirst() async throws {
        let bytes = try Fixture.bytes("real-export-extreme.json")
        let counter = ChunkCounter()
        let reader = ExportReader(chunks: ChunkedBytes(bytes, sizes: [1024], counter: counter))
        let info = try await reader.readInfo()
        #expect(info?.dataset == "Extreme")
        #expect(counter.count == 1)
        // The walk goes on from there, items that shared info's chunk included.
        let items = await typedWalk(reader).items
        #expect(items.count == 56)
        #expect(items == (await typedWalk(bytes)).items)
    }

    @Test func readInfoReadsToTheEndWhenInfoComesLast() async throws {
        let reader = try ExportReader(path: Fixture.path("edge-cases.json"))
        let info = try await reader.readInfo()
        #expect(info?.dataset == "Edge cases ✓")
        #expect(reader.mediaItemCount == 3)
        // A regular file is read again: the loop after readInfo() gets every item.
        let again = await typedWalk(reader)
        #expect(again.error == nil)
        #expect(again.items == (await typedWalk(try Fixture.bytes("edge-cases.json"))).items)
    }
}

/// A thread for the tests' pipe writers, on pthreads.
final class Thread: @unchecked Sendable {
    private var thread = pthread_t()
    private let body: () -> Void

    private init(_ body: @escaping () -> Void) {
        self.body = body
    }

    /// Runs `body` on a new thread, which the caller must ``join()``.
    static func start(_ body: @escaping @Sendable () -> Void) -> Thread {
        let thread = Thread(body)
        let context = Unmanaged.passRetained(thread).toOpaque()
        let status = pthread_create(&thread.thread, nil, { context in
            let thread = Unmanaged<Thread>.fromOpaque(context!).takeRetainedValue()
            thread.body()
            return nil
        }, context)
        precondition(status == 0, "the tests could not start a thread: error \(status)")
        return thread
    }

    /// Runs `body` on a new thread that no one joins: its resources go when it ends.
    static func detach(_ body: @escaping @Sendable () -> Void) {
        pthread_detach(start(body).thread)
    }

    func join() {
        pthread_join(thread, nil)
    }
}

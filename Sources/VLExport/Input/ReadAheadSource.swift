/// Reads an export on a thread of its own, a few chunks ahead of the walk.
///
/// No read blocks a thread of Swift's cooperative pool: the walk takes chunks
/// that are ready, and suspends (without holding a thread) when none is. While
/// the walk parses one chunk the thread reads, and inflates, the next ones, so
/// reading and gzip run on a second core. At most ``depth`` chunks are read
/// ahead: the thread waits for the walk to hand one back before it reads again.
///
/// Cancelling the walking task ends a wait at once, even a wait on a pipe
/// that never sends: the thread is woken out of `poll(2)` and stops.
final class ReadAheadSource: ChunkSource, @unchecked Sendable {
    // @unchecked: `input` and the chunk buffers' bytes are touched by the reading thread while
    // it runs and by the walk only between chunks or after the thread has stopped, as the
    // handoff and the semaphores order it.

    /// How many chunks are read ahead.
    static let depth = 4
    private let input: DecodedInput
    private let chunkSize: Int
    /// The chunks' memory: `depth` buffers of `chunkSize` bytes, used in turn.
    private let storage: UnsafeMutableRawBufferPointer
    /// The chunks read and not yet taken, oldest first.
    private let chunks = Handoff<FilledChunk>()
    /// Chunks the thread may read before the walk hands one back.
    private var freeSlots = Semaphore(ReadAheadSource.depth)
    /// Posted when the thread has stopped.
    private let stopped = Semaphore()
    private var threadStarted = false
    /// Chunks the walk has taken, which says which buffer comes next.
    private var taken = 0
    /// Chunks the thread has read.
    private var read = 0

    /// A chunk read into the next buffer: its byte count.
    private struct FilledChunk: HandoffPiece {
        let count: Int
        var isReady: Bool { true }
    }

    init(_ input: DecodedInput, chunkSize: Int) {
        self.input = input
        self.chunkSize = chunkSize
        storage = .allocate(byteCount: chunkSize * Self.depth, alignment: 64)
    }

    deinit {
        close()
        storage.deallocate()
    }

    /// Bytes read from the descriptor so far.
    var bytesRead: Int { input.descriptor.bytesRead }

    func nextChunk(isolation: isolated (any Actor)?, _ body: (UnsafeRawBufferPointer) -> Void) async throws -> Bool {
        startIfNeeded()
        return hand(try await chunks.next(isolation: isolation) { [self] in stopReading() }, to: body)
    }

    func nextChunkBlocking(_ body: (UnsafeRawBufferPointer) -> Void) throws(VLExportError) -> Bool {
        startIfNeeded()
        return hand(try chunks.nextBlocking(), to: body)
    }

    /// Passes the chunk to `body` and its buffer back to the thread; false at the end.
    private func hand(_ chunk: FilledChunk?, to body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        guard let chunk else { return false }
        let start = chunkStart(taken)
        body(UnsafeRawBufferPointer(rebasing: storage[start..<start + chunk.count]))
        taken += 1
        freeSlots.post()
        return true
    }

    private func chunkStart(_ index: Int) -> Int { (index % Self.depth) * chunkSize }

    private func startIfNeeded() {
        guard !threadStarted else { return }
        threadStarted = true
        let failure = DetachedThread.start({ [self] in readUntilStopped() }, finished: stopped)
        if let failure {
            threadStarted = false
            chunks.finish(.failed(VLExportError(.io, "cannot start a thread to read \(input.descriptor.name): \(failure)")))
        }
    }

    /// The thread's loop: read a chunk into the next free buffer, hand it over, again.
    private func readUntilStopped() {
        while true {
            freeSlots.wait()
            if chunks.isStopping { return }
            let start = chunkStart(read)
            let buffer = UnsafeMutableRawBufferPointer(rebasing: storage[start..<start + chunkSize])
            let count: Int?
            do throws(VLExportError) {
                count = try input.read(into: buffer)
            } catch {
                chunks.finish(.failed(error))
                return
            }
            guard let count else { return }
            if count == 0 {
                chunks.finish(.finished)
                return
            }
            read += 1
            guard chunks.produce(FilledChunk(count: count)) else { return }
        }
    }

    /// Tells the thread to stop, wakes it wherever it waits, and resumes a waiting walk.
    /// Safe from any thread.
    private func stopReading() {
        chunks.stop()
        input.descriptor.wake()
        freeSlots.post()
    }

    /// Stops the thread and waits until it has.
    private func joinThread() {
        guard threadStarted else { return }
        stopReading()
        stopped.wait()
        threadStarted = false
    }

    func rewind() -> Bool {
        joinThread()
        guard input.rewind() else { return false }
        freeSlots = Semaphore(Self.depth)
        chunks.reset()
        taken = 0
        read = 0
        return true
    }

    func close() {
        joinThread()
        input.descriptor.close()
    }
}

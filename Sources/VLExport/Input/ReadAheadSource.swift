#if canImport(Glibc)
import Glibc
#endif
import Synchronization

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
    // state under `state` and the two semaphores order it.

    /// How many chunks are read ahead.
    static let depth = 4
    private let input: DecodedInput
    private let chunkSize: Int
    /// The chunks' memory: `depth` buffers of `chunkSize` bytes, used in turn.
    private let storage: UnsafeMutableRawBufferPointer
    private let state = Mutex(State())
    /// Chunks the thread may read before the walk hands one back.
    private let freeSlots: UnsafeMutablePointer<sem_t>
    /// Posted when the thread has stopped.
    private let stopped: UnsafeMutablePointer<sem_t>
    private var thread: pthread_t?

    private struct State: ResumableWalkState {
        /// The byte counts of the chunks read and not yet taken, oldest first.
        var filled: [Int] = []
        /// How the input ended, once it has.
        var end: End?
        /// The walk, suspended until a chunk or the end comes.
        var waiter: CheckedContinuation<Void, Never>?
        /// Set to make the thread stop.
        var stopping = false
    }

    private enum End {
        case finished
        case failed(VLExportError)
    }

    init(_ input: DecodedInput, chunkSize: Int) {
        self.input = input
        self.chunkSize = chunkSize
        storage = .allocate(byteCount: chunkSize * Self.depth, alignment: 64)
        freeSlots = .allocate(capacity: 1)
        stopped = .allocate(capacity: 1)
        sem_init(freeSlots, 0, UInt32(Self.depth))
        sem_init(stopped, 0, 0)
    }

    deinit {
        close()
        sem_destroy(freeSlots)
        sem_destroy(stopped)
        freeSlots.deallocate()
        stopped.deallocate()
        storage.deallocate()
    }

    /// Bytes read from the descriptor so far.
    var bytesRead: Int { input.descriptor.bytesRead }

    func nextChunk(isolation: isolated (any Actor)?, _ body: (UnsafeRawBufferPointer) -> Void) async throws -> Bool {
        startIfNeeded()
        while true {
            let next: Result<Int, VLExportError>? = state.withLock { state in
                if !state.filled.isEmpty { return .success(state.filled.removeFirst()) }
                switch state.end {
                case .finished?: return .success(-1)
                case .failed(let error)?: return .failure(error)
                case nil: return nil
                }
            }
            switch next {
            case .success(-1)?:
                return false
            case .success(let count)?:
                body(UnsafeRawBufferPointer(rebasing: storage[chunkStart(taken)..<chunkStart(taken) + count]))
                taken += 1
                sem_post(freeSlots)
                return true
            case .failure(let error)?:
                throw error
            case nil:
                await waitForNews()
                try Task.checkCancellation()
            }
        }
    }

    /// Chunks the walk has taken, which says which buffer comes next.
    private var taken = 0
    /// Chunks the thread has read.
    private var read = 0

    private func chunkStart(_ index: Int) -> Int { (index % Self.depth) * chunkSize }

    /// Suspends until a chunk or the end comes, or the task is cancelled.
    private func waitForNews() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if !state.filled.isEmpty || state.end != nil || state.stopping { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            stopReading()
        }
    }

    private func startIfNeeded() {
        guard thread == nil else { return }
        let context = Unmanaged.passRetained(self).toOpaque()
        var created = pthread_t()
        let status = pthread_create(&created, nil, { context in
            let source = Unmanaged<ReadAheadSource>.fromOpaque(context!).takeRetainedValue()
            source.readUntilStopped()
            return nil
        }, context)
        if status == 0 {
            thread = created
        } else {
            Unmanaged<ReadAheadSource>.fromOpaque(context).release()
            deliver(end: .failed(VLExportError(.io, "cannot start a thread to read \(input.descriptor.name): \(SystemError(number: status))")))
        }
    }

    /// The thread's loop: read a chunk into the next free buffer, hand it over, again.
    private func readUntilStopped() {
        defer { sem_post(stopped) }
        while true {
            while sem_wait(freeSlots) != 0 {}
            if state.withLock({ $0.stopping }) { return }
            let start = chunkStart(read)
            let buffer = UnsafeMutableRawBufferPointer(rebasing: storage[start..<start + chunkSize])
            let count: Int?
            do throws(VLExportError) {
                count = try input.read(into: buffer)
            } catch {
                deliver(end: .failed(error))
                return
            }
            guard let count else { return }
            if count == 0 {
                deliver(end: .finished)
                return
            }
            read += 1
            state.changeAndResumeWalk { $0.filled.append(count) }
        }
    }

    private func deliver(end: End) {
        state.changeAndResumeWalk { $0.end = end }
    }

    /// Tells the thread to stop, wakes it wherever it waits, and resumes a suspended walk.
    /// Safe from any thread.
    private func stopReading() {
        state.changeAndResumeWalk { $0.stopping = true }
        input.descriptor.wake()
        sem_post(freeSlots)
    }

    /// Stops the thread and waits until it has.
    private func joinThread() {
        guard let thread else { return }
        stopReading()
        while sem_wait(stopped) != 0 {}
        pthread_detach(thread)
        self.thread = nil
    }

    /// Goes back to the start of the export, when it is a regular file; false otherwise.
    func rewind() -> Bool {
        joinThread()
        guard input.rewind() else { return false }
        sem_destroy(freeSlots)
        sem_init(freeSlots, 0, UInt32(Self.depth))
        state.withLock { $0 = State() }
        taken = 0
        read = 0
        return true
    }

    func close() {
        joinThread()
        input.descriptor.close()
    }
}

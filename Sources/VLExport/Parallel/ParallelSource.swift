#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The parallel walk: a reading thread that reads and cuts the export, worker threads that
/// read the batches of items, and the walk, which takes the pieces in the export's order.
///
/// ```
/// reading thread: read, scan, cut ──► envelope pieces ─────────────────────┐
///                                └──► batches ──► workers (yajl each) ──────┤
/// the walk: envelope pieces to its own parser, batches' items in order ◄────┘
/// ```
///
/// Memory stays bounded: at most ``segmentsInFlight`` pieces are cut and not yet taken by
/// the walk, whatever the size of the export; the reading thread waits for the walk.
/// Every item, warning and error is the serial walk's (see ``ItemBatcher``).
final class ParallelSource: ByteSource, @unchecked Sendable {
    // @unchecked: `input` and `batcher` belong to the reading thread while it runs; the rest is
    // immutable, or under `state`, or a POSIX semaphore.

    private let input: DecodedInput
    private let options: ReaderOptions
    private let workerCount: Int
    private var batcher: ItemBatcher
    private let readSize: Int
    /// Pieces cut and not yet taken by the walk, at most.
    let segmentsInFlight: Int
    /// The batches' buffers, back from the workers for the reading thread.
    private let recycledBuffers: ByteBufferPool
    private let state = Mutex(State())
    /// Room for another piece.
    private let freeSlots: UnsafeMutablePointer<sem_t>
    /// Batches waiting for a worker (and, when stopping, wake-ups).
    private let workAvailable: UnsafeMutablePointer<sem_t>
    /// Posted by each thread as it stops.
    private let stopped: UnsafeMutablePointer<sem_t>
    private var threadsStarted = 0

    private struct State: ResumableWalkState {
        /// Pieces in the export's order, not yet taken by the walk.
        var segments: [ExportSegment] = []
        /// Batches not yet taken by a worker.
        var work: [ItemBatch] = []
        /// Batches whose worker has finished.
        var done: Set<ObjectIdentifier> = []
        /// How the input ended, once it has.
        var end: End?
        /// The walk, suspended until the piece it needs is ready.
        var waiter: CheckedContinuation<Void, Never>?
        var stopping = false
        /// What the walk asks of the batches cut from now on.
        var order = BatchOrder()

        /// Whether the walk, once it has run out of pieces to take, has enough to go on with:
        /// the first two pieces are ready (envelope bytes, or batches their workers have
        /// finished), or the first is and no second is cut yet; or the input has ended and
        /// nothing is left; or the threads are stopping. The walk is woken only then: waking
        /// it for every piece cut and every batch finished out of order cost three thread
        /// switches a batch, and waking it for one batch when the next is nearly done cost a
        /// second wake-up soon after, each one taking a core from a worker.
        var walkCanGoOn: Bool {
            if stopping { return true }
            guard let first = segments.first else { return end != nil }
            guard isReady(first) else { return false }
            return segments.count < 2 || isReady(segments[1])
        }

        /// Whether the walk can take `segment` now: envelope bytes, or a finished batch.
        func isReady(_ segment: ExportSegment) -> Bool {
            if case .batch(let batch) = segment { return done.contains(ObjectIdentifier(batch)) }
            return true
        }
    }

    /// Changes the state, then resumes the walk if it waits and can now go on.
    private func changeState(_ change: (inout State) -> Void) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            change(&state)
            return state.walkCanGoOn ? state.waiter.take() : nil
        }
        waiter?.resume()
    }

    private enum End {
        case finished
        case failed(VLExportError)
    }

    init(_ input: DecodedInput, options: ReaderOptions, workers: Int) {
        self.input = input
        self.options = options
        workerCount = max(1, workers)
        readSize = options.chunkSize
        segmentsInFlight = workerCount + 3
        recycledBuffers = ByteBufferPool(limit: segmentsInFlight + workerCount, largestKept: 4 * options.parallelBatchBytes + options.chunkSize)
        batcher = ItemBatcher(
            batchTarget: options.parallelBatchBytes, maxBatchBytes: options.maxItemBytes + 2 * options.parallelBatchBytes + options.chunkSize,
            recycledBuffers: recycledBuffers
        )
        freeSlots = .allocate(capacity: 1)
        workAvailable = .allocate(capacity: 1)
        stopped = .allocate(capacity: 1)
        sem_init(freeSlots, 0, UInt32(segmentsInFlight))
        sem_init(workAvailable, 0, 0)
        sem_init(stopped, 0, 0)
    }

    deinit {
        close()
        for semaphore in [freeSlots, workAvailable, stopped] {
            sem_destroy(semaphore)
            semaphore.deallocate()
        }
    }

    /// Bytes read from the descriptor so far.
    var bytesRead: Int { input.descriptor.bytesRead }

    func feedNext(_ parser: ExportParser, isolation: isolated (any Actor)?) async throws -> Bool {
        let order = BatchOrder(itemMode: parser.itemMode, transform: parser.itemTransform, skipItemsBefore: parser.skipItemsBefore)
        state.withLock { $0.order = order }
        startIfNeeded()
        while true {
            let next: Result<ExportSegment, VLExportError>?? = state.withLock { state in
                if let segment = state.segments.first {
                    guard state.isReady(segment) else { return nil }
                    // At most `segmentsInFlight` pieces wait: taking the first is cheap, and
                    // nothing taken stays referenced.
                    state.segments.removeFirst()
                    if case .batch(let batch) = segment { state.done.remove(ObjectIdentifier(batch)) }
                    return .success(segment)
                }
                switch state.end {
                case .finished?: return .some(nil)
                case .failed(let error)?: return .failure(error)
                case nil: return nil
                }
            }
            switch next {
            case .success(.envelope(let bytes))??:
                bytes.withUnsafeBytes { parser.feed($0) }
                sem_post(freeSlots)
                return true
            case .success(.batch(let batch))??:
                parser.absorb(batch.result!, end: batch.end)
                sem_post(freeSlots)
                return true
            case .failure(let error)?:
                throw error
            case .some(nil):
                return false
            case nil:
                await waitForNews()
                try Task.checkCancellation()
            }
        }
    }

    /// Suspends until a piece, a finished batch or the end comes, or the task is cancelled.
    private func waitForNews() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.walkCanGoOn { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            stopThreads()
        }
    }

    private func startIfNeeded() {
        guard threadsStarted == 0 else { return }
        start { $0.readUntilStopped() }
        for _ in 0..<workerCount {
            start { $0.workUntilStopped() }
        }
    }

    private func start(_ body: @escaping (ParallelSource) -> Void) {
        final class Launch {
            let source: ParallelSource
            let body: (ParallelSource) -> Void
            init(_ source: ParallelSource, _ body: @escaping (ParallelSource) -> Void) {
                self.source = source
                self.body = body
            }
        }
        let context = Unmanaged.passRetained(Launch(self, body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { context in
            let launch = Unmanaged<Launch>.fromOpaque(context!).takeRetainedValue()
            launch.body(launch.source)
            sem_post(launch.source.stopped)
            return nil
        }, context)
        if status == 0 {
            pthread_detach(thread)
            threadsStarted += 1
        } else {
            Unmanaged<Launch>.fromOpaque(context).release()
            finish(.failed(VLExportError(.io, "cannot start a thread to read \(input.descriptor.name): \(SystemError(number: status))")))
        }
    }

    /// The reading thread: read, cut, hand the pieces out, again.
    private func readUntilStopped() {
        while !state.withLock({ $0.stopping }) {
            if input.descriptor.wouldWait {
                // Nothing to read for now: what is whole goes to the walk before the wait.
                guard hand(batcher.flushForStall(order: state.withLock { $0.order })) else { return }
            }
            let count: Int?
            do throws(VLExportError) {
                count = try batcher.read(atMost: readSize) { room throws(VLExportError) in try input.read(into: room) }
            } catch {
                finish(.failed(error))
                return
            }
            guard let count else { return }
            let order = state.withLock { $0.order }
            if count == 0 {
                guard hand(batcher.finish(order: order)) else { return }
                finish(.finished)
                return
            }
            guard hand(batcher.commit(order: order)) else { return }
            if batcher.isStopped {
                finish(.finished)
                return
            }
        }
    }

    /// Hands pieces to the walk (and batches to the workers), waiting for room; false when stopping.
    private func hand(_ segments: [ExportSegment]) -> Bool {
        for segment in segments {
            while sem_wait(freeSlots) != 0 {}
            let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
                if state.stopping { return nil }
                state.segments.append(segment)
                if case .batch(let batch) = segment { state.work.append(batch) }
                return state.walkCanGoOn ? state.waiter.take() : nil
            }
            if state.withLock({ $0.stopping }) { return false }
            if case .batch = segment { sem_post(workAvailable) }
            waiter?.resume()
        }
        return true
    }

    /// A worker: take a batch, read it, mark it done, again.
    private func workUntilStopped() {
        while true {
            while sem_wait(workAvailable) != 0 {}
            let batch: ItemBatch? = state.withLock { state in
                guard !state.stopping, !state.work.isEmpty else { return nil }
                return state.work.removeFirst()
            }
            guard let batch else { return }
            batch.read(options)
            recycledBuffers.give(batch.releaseBytes())
            changeState { $0.done.insert(ObjectIdentifier(batch)) }
        }
    }

    private func finish(_ end: End) {
        changeState { state in
            if state.end == nil { state.end = end }
        }
    }

    /// Tells every thread to stop and wakes each wherever it waits; resumes a suspended walk.
    private func stopThreads() {
        changeState { $0.stopping = true }
        input.descriptor.wake()
        sem_post(freeSlots)
        for _ in 0..<workerCount { sem_post(workAvailable) }
    }

    /// Stops the threads and waits until they have.
    private func joinThreads() {
        guard threadsStarted > 0 else { return }
        stopThreads()
        for _ in 0..<threadsStarted {
            while sem_wait(stopped) != 0 {}
        }
        threadsStarted = 0
    }

    func rewind() -> Bool {
        joinThreads()
        guard input.rewind() else { return false }
        sem_destroy(freeSlots)
        sem_init(freeSlots, 0, UInt32(segmentsInFlight))
        sem_destroy(workAvailable)
        sem_init(workAvailable, 0, 0)
        state.withLock { $0 = State() }
        batcher = ItemBatcher(batchTarget: batcher.batchTarget, maxBatchBytes: batcher.maxBatchBytes, recycledBuffers: recycledBuffers)
        return true
    }

    func close() {
        joinThreads()
        input.descriptor.close()
    }
}

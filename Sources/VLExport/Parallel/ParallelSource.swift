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
final class ParallelSource: @unchecked Sendable {
    // @unchecked: `input` and `batcher` belong to the reading thread while it runs; the rest
    // is immutable, or under a lock, or a semaphore.

    private let input: DecodedInput
    private let workerCount: Int
    private var batcher: ItemBatcher
    private let readSize: Int
    /// Pieces cut and not yet taken by the walk, at most.
    let segmentsInFlight: Int
    /// The batches' buffers, back from the workers for the reading thread.
    private let recycledBuffers: ByteBufferPool
    /// Pieces in the export's order, for the walk.
    private let segments = Handoff<ExportSegment>()
    /// Batches not yet taken by a worker.
    private let work = LockedValue<[ItemBatch]>([])
    /// How the walk reads the batches cut from now on.
    private let order: LockedValue<BatchOrder>
    /// Room for another piece.
    private var freeSlots: Semaphore
    /// Batches waiting for a worker (and, when stopping, wake-ups).
    private var workAvailable = Semaphore()
    /// Posted by each thread as it stops.
    private let stopped = Semaphore()
    private var threadsStarted = 0

    init(_ input: DecodedInput, options: ReaderOptions, workers: Int, order: BatchOrder) {
        self.input = input
        workerCount = max(1, workers)
        readSize = options.chunkSize
        segmentsInFlight = workerCount + 3
        recycledBuffers = ByteBufferPool(limit: segmentsInFlight + workerCount, largestKept: 4 * options.parallelBatchBytes + options.chunkSize)
        batcher = ItemBatcher(
            batchTarget: options.parallelBatchBytes, maxBatchBytes: options.maxItemBytes + 2 * options.parallelBatchBytes + options.chunkSize,
            recycledBuffers: recycledBuffers
        )
        freeSlots = Semaphore(segmentsInFlight)
        self.order = LockedValue(order)
    }

    deinit { close() }

    /// Bytes read from the descriptor so far.
    var bytesRead: Int { input.descriptor.bytesRead }

    /// Sets how the batches cut from now on are read.
    func setOrder(_ newOrder: BatchOrder) {
        order.withLock { $0 = newOrder }
    }

    /// The next piece of the export, once it is ready; nil at the end. Cancelling the task
    /// stops the threads and throws `CancellationError`.
    func next(isolation: isolated (any Actor)?) async throws -> ExportSegment? {
        startIfNeeded()
        let segment = try await segments.next(isolation: isolation) { [self] in stopThreads() }
        if segment != nil { freeSlots.post() }
        return segment
    }

    /// The same, waiting on the calling thread.
    func nextBlocking() throws(VLExportError) -> ExportSegment? {
        startIfNeeded()
        let segment = try segments.nextBlocking()
        if segment != nil { freeSlots.post() }
        return segment
    }

    private func startIfNeeded() {
        guard threadsStarted == 0 else { return }
        start { $0.readUntilStopped() }
        for _ in 0..<workerCount {
            start { $0.workUntilStopped() }
        }
    }

    private func start(_ body: @escaping (ParallelSource) -> Void) {
        let failure = DetachedThread.start({ [self] in body(self) }, finished: stopped)
        if let failure {
            segments.finish(.failed(VLExportError(.io, "cannot start a thread to read \(input.descriptor.name): \(failure)")))
        } else {
            threadsStarted += 1
        }
    }

    /// The reading thread: read, cut, hand the pieces out, again.
    private func readUntilStopped() {
        while !segments.isStopping {
            if input.descriptor.wouldWait {
                // Nothing to read for now: what is whole goes to the walk before the wait.
                guard hand(batcher.flushForStall(order: order.withLock { $0 })) else { return }
            }
            let count: Int?
            do throws(VLExportError) {
                count = try batcher.read(atMost: readSize) { room throws(VLExportError) in try input.read(into: room) }
            } catch {
                segments.finish(.failed(error))
                return
            }
            guard let count else { return }
            let order = order.withLock { $0 }
            if count == 0 {
                guard hand(batcher.finish(order: order)) else { return }
                segments.finish(.finished)
                return
            }
            guard hand(batcher.commit(order: order)) else { return }
            if batcher.isStopped {
                segments.finish(.finished)
                return
            }
        }
    }

    /// Hands pieces to the walk (and batches to the workers), waiting for room; false when stopping.
    private func hand(_ pieces: [ExportSegment]) -> Bool {
        for piece in pieces {
            freeSlots.wait()
            guard segments.produce(piece) else { return false }
            if case .batch(let batch) = piece {
                work.withLock { $0.append(batch) }
                workAvailable.post()
            }
        }
        return true
    }

    /// A worker: take a batch, read it, mark it read, again.
    private func workUntilStopped() {
        while true {
            workAvailable.wait()
            guard !segments.isStopping, let batch = work.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { return }
            batch.read()
            recycledBuffers.give(batch.releaseBytes())
            segments.update { batch.isRead = true }
        }
    }

    /// Tells every thread to stop and wakes each wherever it waits; resumes a waiting walk.
    private func stopThreads() {
        segments.stop()
        input.descriptor.wake()
        freeSlots.post()
        workAvailable.post(workerCount)
    }

    /// Stops the threads and waits until they have.
    private func joinThreads() {
        guard threadsStarted > 0 else { return }
        stopThreads()
        for _ in 0..<threadsStarted { stopped.wait() }
        threadsStarted = 0
    }

    /// Goes back to the start of the export, when it is a regular file; false otherwise.
    func rewind() -> Bool {
        joinThreads()
        guard input.rewind() else { return false }
        freeSlots = Semaphore(segmentsInFlight)
        workAvailable = Semaphore()
        segments.reset()
        work.withLock { $0.removeAll() }
        batcher = ItemBatcher(batchTarget: batcher.batchTarget, maxBatchBytes: batcher.maxBatchBytes, recycledBuffers: recycledBuffers)
        return true
    }

    /// Stops the threads and closes the input.
    func close() {
        joinThreads()
        input.descriptor.close()
    }
}

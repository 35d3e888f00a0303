/// Something a thread hands to the walk. A piece may be handed over before it is ready (a
/// batch its worker is still reading), so that the pieces keep the export's order.
protocol HandoffPiece: Sendable {
    /// Whether the walk can take the piece now. Read, and changed, under the handoff's lock only
    /// (see ``Handoff/update(_:)``).
    var isReady: Bool { get }
}

/// Pieces that threads produce and the walk takes in order: the lock, the queue, the end of
/// the input, and the walk's wait, suspended in a task or blocked on a thread of its own.
///
/// The walk is woken only when it can go on: when the first two pieces are ready, or the
/// first is and no second is queued, or the input has ended, or the threads are stopping.
/// Waking it for a piece that is ready while the next one is nearly done costs a second
/// wake-up soon after, and each one takes a core from a worker.
final class Handoff<Piece: HandoffPiece>: @unchecked Sendable {
    // @unchecked: every field is under `state`, or a semaphore.

    /// How the input ended.
    enum End: Sendable {
        case finished
        case failed(VLExportError)
    }

    private enum Waiter {
        case task(CheckedContinuation<Void, Never>)
        case thread
    }

    private struct State {
        var pieces: [Piece] = []
        var end: End?
        var stopping = false
        var waiter: Waiter?

        var walkCanGoOn: Bool {
            if stopping { return true }
            guard let first = pieces.first else { return end != nil }
            return first.isReady && (pieces.count < 2 || pieces[1].isReady)
        }
    }

    /// What the walk finds when it looks.
    private enum Taken {
        case piece(Piece)
        case ended(End)
        case stopped
        case nothingYet
    }

    private let state = LockedValue(State())
    /// Posted to wake a walk blocked on its own thread.
    private let threadWakeUp = Semaphore()

    /// Queues `piece` after the others; false, and the piece dropped, once stopping.
    func produce(_ piece: Piece) -> Bool {
        change { state in
            if state.stopping { return false }
            state.pieces.append(piece)
            return true
        }
    }

    /// Ends the input, unless it has ended already: the walk takes what is queued, then the end.
    func finish(_ end: End) {
        change { state in
            if state.end == nil { state.end = end }
        }
    }

    /// Stops: the walk's wait ends, and nothing more is queued.
    func stop() {
        change { $0.stopping = true }
    }

    /// Whether ``stop()`` was called.
    var isStopping: Bool { state.withLock { $0.stopping } }

    /// Empties the queue and forgets the end, for an input read again from its start; the
    /// threads have stopped.
    func reset() {
        state.withLock { $0 = State() }
    }

    /// Runs `body` under the lock (a worker marks its batch ready there), then wakes the walk
    /// if it waits and can now go on.
    func update(_ body: () -> Void) {
        change { _ in body() }
    }

    private func change<Result>(_ body: (inout State) -> Result) -> Result {
        let (result, waiter) = state.withLock { state in
            let result = body(&state)
            return (result, state.walkCanGoOn ? state.waiter.take() : nil)
        }
        switch waiter {
        case .task(let continuation)?: continuation.resume()
        case .thread?: threadWakeUp.post()
        case nil: break
        }
        return result
    }

    /// The next piece, once it is ready; nil at the end. Cancelling the task ends the wait:
    /// `onCancel` then stops the threads, and this throws `CancellationError`.
    func next(isolation: isolated (any Actor)?, onCancel: @Sendable () -> Void) async throws -> Piece? {
        while true {
            switch take() {
            case .piece(let piece): return piece
            case .ended(.finished): return nil
            case .ended(.failed(let error)): throw error
            case .stopped: throw CancellationError()
            case .nothingYet:
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let resumeNow = state.withLock { state in
                            if state.walkCanGoOn { return true }
                            state.waiter = .task(continuation)
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                } onCancel: {
                    onCancel()
                }
                try Task.checkCancellation()
            }
        }
    }

    /// The next piece, once it is ready, waiting on the calling thread; nil at the end.
    func nextBlocking() throws(VLExportError) -> Piece? {
        while true {
            switch take() {
            case .piece(let piece): return piece
            case .ended(.finished): return nil
            case .ended(.failed(let error)): throw error
            case .stopped: throw VLExportError(.usage, "the reader was closed while a loop waited for its input")
            case .nothingYet:
                let mustWait = state.withLock { state in
                    if state.walkCanGoOn { return false }
                    state.waiter = .thread
                    return true
                }
                if mustWait { threadWakeUp.wait() }
            }
        }
    }

    private func take() -> Taken {
        state.withLock { state in
            if let first = state.pieces.first {
                guard first.isReady else { return state.stopping ? .stopped : .nothingYet }
                // At most a few pieces wait: taking the first is cheap.
                return .piece(state.pieces.removeFirst())
            }
            if let end = state.end { return .ended(end) }
            return state.stopping ? .stopped : .nothingYet
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// A POSIX semaphore: a count that one thread waits on and others post to, the way the
/// reading threads wait for room and the workers for batches.
final class Semaphore: @unchecked Sendable {
    // @unchecked: a semaphore is made to be shared between threads.
    private let semaphore: UnsafeMutablePointer<sem_t>

    /// A semaphore whose count starts at `value`.
    init(_ value: Int = 0) {
        semaphore = .allocate(capacity: 1)
        sem_init(semaphore, 0, UInt32(value))
    }

    deinit {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }

    /// Waits until the count is above zero, and takes one from it; a signal does not end the wait.
    func wait() {
        while sem_wait(semaphore) != 0 {}
    }

    /// Adds `count` to the count, waking as many waiting threads.
    func post(_ count: Int = 1) {
        for _ in 0..<count { sem_post(semaphore) }
    }
}

/// Starts threads of the library's own, outside Swift's cooperative pool: a thread that
/// waits on a descriptor or a semaphore must not hold one of the pool's few threads.
enum DetachedThread {
    /// Runs `body` on a new detached thread, then posts `finished`; the error says why the
    /// thread could not start.
    ///
    /// `body`, and what it holds, is released before `finished` is posted: an owner that waits
    /// for `finished` is then the last to hold what the thread used, so nothing outlives the
    /// wait (a leak checker run at that moment finds nothing in flight).
    static func start(_ body: @escaping () -> Void, finished: Semaphore) -> SystemError? {
        final class Launch {
            var body: (() -> Void)?
            let finished: Semaphore
            init(_ body: @escaping () -> Void, _ finished: Semaphore) {
                self.body = body
                self.finished = finished
            }
        }
        let context = Unmanaged.passRetained(Launch(body, finished)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { context in
            let launch = Unmanaged<Launch>.fromOpaque(context!).takeRetainedValue()
            launch.body?()
            launch.body = nil
            launch.finished.post()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<Launch>.fromOpaque(context).release()
            return SystemError(number: status)
        }
        pthread_detach(thread)
        return nil
    }
}

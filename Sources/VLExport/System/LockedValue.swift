#if canImport(Glibc)
import Glibc
#endif

/// A value that threads share, guarded by a POSIX mutex: ``withLock(_:)`` gives one thread at
/// a time access to it.
///
/// In place of the standard library's `Mutex`, whose lock on Linux is made of atomics inside
/// the standard library that the thread sanitizer does not see, so that it reports every
/// access made under a `Mutex` as a race. The sanitizer knows `pthread_mutex_t`.
package struct LockedValue<Value: Sendable>: ~Copyable, @unchecked Sendable {
    // @unchecked: the value is reached only under the lock. `Value` is Sendable, as the
    // standard library's `Mutex` checks with `sending`: what goes in or out may cross threads.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let value: UnsafeMutablePointer<Value>

    /// A lock guarding `initialValue`.
    package init(_ initialValue: consuming Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        value = .allocate(capacity: 1)
        value.initialize(to: initialValue)
    }

    deinit {
        value.deinitialize(count: 1)
        value.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock.
    @inline(__always)
    package borrowing func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }
}

/// Byte buffers handed back once read, for the reading thread to fill again.
///
/// The bytes of each batch leave the reading thread in a buffer of their own, which the
/// reading thread then replaces. Made new for each batch (512 KiB), the buffers came from the
/// reading thread's malloc arena and went back to it from the workers' threads, and memory
/// the arena handed back to the kernel came back as fresh pages to fault in. Recycled, the
/// same few buffers go round.
final class ByteBufferPool: Sendable {
    private let buffers = LockedValue<[[UInt8]]>([])
    /// Buffers kept, at most; more are freed.
    private let limit: Int
    /// Buffers with more room than this are freed rather than kept (one that held an item
    /// far larger than a batch).
    private let largestKept: Int

    init(limit: Int, largestKept: Int) {
        self.limit = limit
        self.largestKept = largestKept
    }

    /// An empty buffer with room for at least `capacity` bytes: one handed back, when there is one.
    func take(capacity: Int) -> [UInt8] {
        var buffer = buffers.withLock { $0.popLast() } ?? []
        buffer.removeAll(keepingCapacity: true)
        buffer.reserveCapacity(capacity)
        return buffer
    }

    /// Keeps `buffer` for a later ``take(capacity:)``, unless enough are kept or it is too large.
    func give(_ buffer: [UInt8]) {
        guard buffer.capacity <= largestKept else { return }
        buffers.withLock { buffers in
            if buffers.count < limit { buffers.append(buffer) }
        }
    }
}

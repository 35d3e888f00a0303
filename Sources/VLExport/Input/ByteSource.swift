import Synchronization
/// Where a walk's input comes from: chunks of bytes (a descriptor read ahead on a thread or
/// read inline, an async sequence), or for the parallel walk envelope pieces and batches.
protocol ByteSource: AnyObject {
    /// Gives the parser what comes next (a chunk, or for the parallel walk a piece of the
    /// envelope or a batch's items); returns false at the end of the input.
    func feedNext(_ parser: ExportParser, isolation: isolated (any Actor)?) async throws -> Bool
    /// Goes back to the start of the input, if it can be read again (a regular file); false otherwise.
    func rewind() -> Bool
    /// Releases the source (closes the descriptor it owns); reading after this returns false.
    func close()
}

/// A source that hands out its input as chunks of bytes, each fed to the parser whole.
protocol ChunkSource: ByteSource {
    /// Reads the next chunk and passes it to `body`; returns false at the end of the input.
    func nextChunk(isolation: isolated (any Actor)?, _ body: (UnsafeRawBufferPointer) -> Void) async throws -> Bool
}

extension ChunkSource {
    func feedNext(_ parser: ExportParser, isolation: isolated (any Actor)?) async throws -> Bool {
        try await nextChunk(isolation: isolation) { parser.feed($0) }
    }
}

/// Bytes read with blocking calls, on the thread that reads ahead or on the caller's.
protocol BlockingByteInput: AnyObject {
    /// Reads the next bytes into `buffer`: how many, 0 at the end, or nil when a cancelled
    /// walk woke the read up.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(VLExportError) -> Int?
}

extension BlockingByteInput {
    /// Reads the next bytes into the start of `buffer`, as ``read(into:)-(UnsafeMutableRawBufferPointer)`` does.
    func read(into buffer: inout [UInt8]) throws(VLExportError) -> Int? {
        var result: Result<Int?, VLExportError> = .success(0)
        buffer.withUnsafeMutableBytes { bytes in
            result = Result { () throws(VLExportError) in try read(into: bytes) }
        }
        return try result.get()
    }
}

/// A descriptor read on the calling thread, for ``BlockingExportReader``: its caller has chosen to block.
final class InlineSource: ChunkSource {
    private let input: DecodedInput
    private var buffer: [UInt8]

    init(_ input: DecodedInput, chunkSize: Int) {
        self.input = input
        buffer = [UInt8](repeating: 0, count: chunkSize)
    }

    deinit { close() }

    func nextChunk(isolation: isolated (any Actor)?, _ body: (UnsafeRawBufferPointer) -> Void) async throws -> Bool {
        try nextChunkNow(body)
    }

    /// Reads the next chunk without suspending.
    func nextChunkNow(_ body: (UnsafeRawBufferPointer) -> Void) throws(VLExportError) -> Bool {
        let count = try input.read(into: &buffer) ?? 0
        guard count > 0 else { return false }
        buffer.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        return true
    }

    func rewind() -> Bool { input.rewind() }

    func close() { input.descriptor.close() }
}

/// Reads the chunks of any async sequence of byte collections.
final class AsyncChunkSource<Chunks: AsyncSequence>: ChunkSource where Chunks.Element: Collection<UInt8> {
    private var iterator: Chunks.AsyncIterator?

    init(_ chunks: Chunks) {
        iterator = chunks.makeAsyncIterator()
    }

    func nextChunk(isolation: isolated (any Actor)?, _ body: (UnsafeRawBufferPointer) -> Void) async throws -> Bool {
        guard var current = iterator else { return false }
        let chunk = try await current.next(isolation: isolation)
        iterator = current
        guard let chunk else {
            iterator = nil
            return false
        }
        if chunk.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) == nil {
            Array(chunk).withUnsafeBytes(body)
        }
        return true
    }

    func rewind() -> Bool { false }

    func close() {
        iterator = nil
    }
}

/// The state a source's threads share with the walk, which may be suspended until it changes.
protocol ResumableWalkState {
    /// The walk, suspended until the state changes.
    var waiter: CheckedContinuation<Void, Never>? { get set }
}

extension Mutex where Value: ResumableWalkState {
    /// Changes the state under the lock, then resumes the walk if it waits for a change.
    func changeAndResumeWalk(_ change: (inout Value) -> Void) {
        let waiter = withLock { state in
            change(&state)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}

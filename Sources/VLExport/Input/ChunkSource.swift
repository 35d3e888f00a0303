/// Where a walk's bytes come from, chunk by chunk: a descriptor read ahead on a thread, or an
/// async sequence.
protocol ChunkSource: AnyObject {
    /// Reads the next chunk and passes it to `body`; returns false at the end of the input.
    func nextChunk(isolation: isolated (any Actor)?, _ body: (UnsafeRawBufferPointer) -> Void) async throws -> Bool
    /// The same, waiting on the calling thread, for a loop that is not async.
    func nextChunkBlocking(_ body: (UnsafeRawBufferPointer) -> Void) throws(VLExportError) -> Bool
    /// Goes back to the start of the input, if it can be read again (a regular file); false otherwise.
    func rewind() -> Bool
    /// Releases the source (closes the descriptor it owns); reading after this returns false.
    func close()
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

    func nextChunkBlocking(_ body: (UnsafeRawBufferPointer) -> Void) throws(VLExportError) -> Bool {
        throw VLExportError(.usage, "a reader of an async sequence of chunks is read in an async loop only")
    }

    func rewind() -> Bool { false }

    func close() {
        iterator = nil
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a walk's bytes come from: a file descriptor or an async sequence of chunks.
protocol ByteSource: AnyObject {
    /// Reads the next chunk and passes it to `body`; returns false at the end of the input.
    func nextChunk(isolation: isolated (any Actor)?, _ body: (UnsafeRawBufferPointer) -> Void) async throws -> Bool
    /// Releases the source (closes the descriptor it owns); reading after this returns false.
    func close()
}

/// Reads a file descriptor with plain `read(2)` into one reused buffer.
final class FileDescriptorSource: ByteSource {
    private var descriptor: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8]
    /// A name for messages: the path, or "standard input".
    let name: String

    /// Opens a file for reading.
    init(path: String, chunkSize: Int) throws(VLExportError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw VLExportError(.io, "cannot open \(path): \(FileDescriptorSource.describeErrno())")
        }
        var status = stat()
        if fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
            _ = Glibc.close(descriptor)
            throw VLExportError(.io, "cannot read \(path): it is a directory")
        }
        self.descriptor = descriptor
        ownsDescriptor = true
        buffer = [UInt8](repeating: 0, count: chunkSize)
        name = path
    }

    /// Reads a descriptor the caller opened; closes it at the end only when `closeWhenDone`.
    init(fileDescriptor: Int32, closeWhenDone: Bool, chunkSize: Int, name: String) {
        descriptor = fileDescriptor
        ownsDescriptor = closeWhenDone
        buffer = [UInt8](repeating: 0, count: chunkSize)
        self.name = name
    }

    deinit { close() }

    func nextChunk(isolation: isolated (any Actor)?, _ body: (UnsafeRawBufferPointer) -> Void) async throws -> Bool {
        try nextChunkNow(body)
    }

    /// Reads the next chunk without suspending.
    func nextChunkNow(_ body: (UnsafeRawBufferPointer) -> Void) throws(VLExportError) -> Bool {
        guard descriptor >= 0 else { return false }
        let descriptor = descriptor
        let count = buffer.withUnsafeMutableBytes { bytes in
            var count = read(descriptor, bytes.baseAddress, bytes.count)
            while count < 0, errno == EINTR {
                count = read(descriptor, bytes.baseAddress, bytes.count)
            }
            return count
        }
        if count < 0 {
            throw VLExportError(.io, "cannot read \(name): \(FileDescriptorSource.describeErrno())")
        }
        guard count > 0 else { return false }
        buffer.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        return true
    }

    func close() {
        if ownsDescriptor, descriptor >= 0 {
            _ = Glibc.close(descriptor)
        }
        descriptor = -1
    }

    private static func describeErrno() -> String {
        String(cString: strerror(errno))
    }
}

/// Reads the chunks of any async sequence of byte collections.
final class AsyncChunkSource<Chunks: AsyncSequence>: ByteSource where Chunks.Element: Collection<UInt8> {
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

    func close() {
        iterator = nil
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A file descriptor read with blocking calls, on the thread that reads ahead of the walk.
///
/// A read on a pipe or a terminal first waits in `poll(2)` for the data or for the
/// ``wake()`` of a walk that was cancelled, so that a read on a pipe that never sends
/// can be given up at once. A regular file is always readable and is read directly.
final class DescriptorInput: BlockingByteInput, Sendable {
    /// A name for messages: the path, or "standard input".
    let name: String
    let descriptor: Int32
    private let ownsDescriptor: Bool
    private let isRegularFile: Bool
    /// Where the export starts in a regular file, for ``rewind()``.
    private let startOffset: off_t
    /// A pipe that ``wake()`` writes to, to end a wait in `poll(2)`: its read end is watched.
    private let wakeDescriptors: (read: Int32, write: Int32)
    private let state: LockedValue<State>
    private let bytesReadCounter = Atomic<Int>(0)

    private struct State {
        /// Bytes read by whoever opened the descriptor (to recognise its format), handed out first.
        var prefix: [UInt8]
        var closed = false
    }

    /// Opens a file for reading.
    convenience init(path: String) throws(VLExportError) {
        let descriptor: Int32
        do throws(SystemError) {
            descriptor = try SystemCall.openForReading(path)
        } catch {
            throw VLExportError(.io, "cannot open \(path): \(error)")
        }
        self.init(descriptor: descriptor, ownsDescriptor: true, name: path, alreadyRead: [])
    }

    /// Reads a descriptor the caller opened; `alreadyRead` are bytes the caller took from it first.
    init(descriptor: Int32, ownsDescriptor: Bool, name: String, alreadyRead: [UInt8]) {
        self.descriptor = descriptor
        self.ownsDescriptor = ownsDescriptor
        self.name = name
        isRegularFile = SystemCall.isRegularFile(descriptor)
        let offset = isRegularFile ? lseek(descriptor, 0, SEEK_CUR) : -1
        startOffset = offset >= 0 ? offset - off_t(alreadyRead.count) : -1
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            for end in ends {
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
                _ = fcntl(end, F_SETFL, O_NONBLOCK)
            }
        }
        wakeDescriptors = (ends[0], ends[1])
        state = LockedValue(State(prefix: alreadyRead))
    }

    deinit {
        close()
        if wakeDescriptors.read >= 0 {
            SystemCall.close(wakeDescriptors.read)
            SystemCall.close(wakeDescriptors.write)
        }
    }

    /// Bytes read from the descriptor so far (compressed bytes, for gzip).
    var bytesRead: Int { bytesReadCounter.load(ordering: .relaxed) }

    /// Reads the next bytes into `buffer`: how many, 0 at the end, or nil when ``wake()`` ended the wait.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(VLExportError) -> Int? {
        let prefix: [UInt8]? = state.withLock { state in
            if state.closed { return [] }
            guard !state.prefix.isEmpty else { return nil }
            let taken = Array(state.prefix.prefix(buffer.count))
            state.prefix.removeFirst(taken.count)
            return taken
        }
        guard let prefix else { return try readDescriptor(into: buffer) }
        // The bytes already read and what follows them make one chunk, as if read at once:
        // a chunk of a few bytes would place a token that spans it at the next chunk's start.
        buffer.copyBytes(from: prefix)
        bytesReadCounter.add(prefix.count, ordering: .relaxed)
        guard prefix.count < buffer.count else { return prefix.count }
        let rest = try readDescriptor(into: UnsafeMutableRawBufferPointer(rebasing: buffer[prefix.count...])) ?? 0
        return prefix.count + rest
    }

    private func readDescriptor(into buffer: UnsafeMutableRawBufferPointer) throws(VLExportError) -> Int? {
        if !isRegularFile {
            guard try waitUntilReadable() else { return nil }
        }
        do throws(SystemError) {
            let count = try SystemCall.read(descriptor, into: buffer)
            bytesReadCounter.add(count, ordering: .relaxed)
            return count
        } catch {
            throw VLExportError(.io, "cannot read \(name): \(error)")
        }
    }

    /// Whether a read would have to wait: a pipe or terminal with nothing in it now.
    var wouldWait: Bool {
        guard !isRegularFile else { return false }
        return !((try? SystemCall.waitUntilReadable(descriptor, milliseconds: 0)) ?? true)
    }

    /// Waits for the descriptor's data (or its end); false when ``wake()`` came first.
    private func waitUntilReadable() throws(VLExportError) -> Bool {
        var watched = [
            pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeDescriptors.read, events: Int16(POLLIN), revents: 0),
        ]
        do throws(SystemError) {
            _ = try SystemCall.retrying { poll(&watched, nfds_t(watched.count), -1) }
        } catch {
            throw VLExportError(.io, "cannot wait for \(name): \(error)")
        }
        return watched[1].revents == 0
    }

    /// Ends a wait in ``read(into:)`` now and every later one: safe from any thread.
    func wake() {
        var byte: UInt8 = 1
        _ = Glibc.write(wakeDescriptors.write, &byte, 1)
    }

    /// Undoes ``wake()``, for a reader that starts reading again after ``rewind()``.
    private func clearWake() {
        var bytes = [UInt8](repeating: 0, count: 64)
        while Glibc.read(wakeDescriptors.read, &bytes, bytes.count) > 0 {}
    }

    /// Goes back to where the export starts, when the descriptor is a regular file; false otherwise.
    func rewind() -> Bool {
        guard startOffset >= 0, state.withLock({ !$0.closed }) else { return false }
        guard lseek(descriptor, startOffset, SEEK_SET) == startOffset else { return false }
        state.withLock { $0.prefix = [] }
        bytesReadCounter.store(0, ordering: .relaxed)
        clearWake()
        return true
    }

    /// Closes the descriptor if this input owns it; later reads return 0.
    func close() {
        let wasOpen = state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
        if wasOpen, ownsDescriptor { SystemCall.close(descriptor) }
    }
}

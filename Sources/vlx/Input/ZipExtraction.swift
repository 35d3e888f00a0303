import VLExport

#if canImport(Glibc)
import Glibc
#endif

/// Extracts the JSON entry of a ZIP archive on a thread, into a pipe the reader drains.
final class ZipExtraction: @unchecked Sendable {
    // @unchecked: the semaphore `done` is a POSIX one, safe from any thread; the rest is
    // immutable or under `state`.
    let entryPath: String
    let readEnd: Int32
    private let writeEnd: Int32
    private let archivePath: String
    private let archive: ZipArchive
    private let entry: ZipArchive.Entry
    private let removeWhenDone: Bool
    private let name: String
    private let state = LockedValue(State())

    private struct State {
        var failure: String?
        var finished = false
    }

    /// Posted by the thread when it is done.
    private let done: UnsafeMutablePointer<sem_t>

    init(archivePath: String, name: String, removeWhenDone: Bool) throws(CLIFailure) {
        self.archivePath = archivePath
        self.name = name
        self.removeWhenDone = removeWhenDone
        let descriptor: Int32
        do {
            descriptor = try SystemCall.openForReading(archivePath)
        } catch {
            throw CLIFailure(.ioFailure, "cannot open \(name): \(error)")
        }
        do {
            archive = try ZipArchive(descriptor: descriptor, size: UInt64(try SystemCall.status(descriptor).st_size))
        } catch {
            SystemCall.close(descriptor)
            throw CLIFailure(.invalidData, "\(name): not a readable ZIP archive (\(error))")
        }
        guard let entry = archive.entries.first(where: \.isExport) else {
            SystemCall.close(descriptor)
            throw CLIFailure(.invalidData, "\(name): the ZIP archive holds no .json entry")
        }
        self.entry = entry
        entryPath = entry.path
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            let failure = CLIFailure(.ioFailure, "cannot create a pipe: \(SystemError.current)")
            SystemCall.close(descriptor)
            throw failure
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        readEnd = ends[0]
        writeEnd = ends[1]
        done = .allocate(capacity: 1)
        sem_init(done, 0, 0)
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        if pthread_create(&thread, nil, { context in
            let extraction = Unmanaged<ZipExtraction>.fromOpaque(context!).takeRetainedValue()
            extraction.extract()
            sem_post(extraction.done)
            return nil
        }, context) == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<ZipExtraction>.fromOpaque(context).release()
            SystemCall.close(writeEnd)
            sem_post(done)
        }
    }

    deinit {
        SystemCall.close(archive.descriptor)
        sem_destroy(done)
        done.deallocate()
    }

    private func extract() {
        defer {
            SystemCall.close(writeEnd)
            if removeWhenDone { unlink(archivePath) }
        }
        do {
            try archive.extract(entry) { piece in try SystemCall.writeAll(writeEnd, piece) }
        } catch let error as SystemError where error.isBrokenPipe {
            // The reader stopped (it has what it needs, or it failed): stop extracting.
            return
        } catch {
            let message = "\(name): cannot extract \(entryPath) from the ZIP archive: \(error)"
            state.withLock { $0.failure = message }
        }
    }

    /// Waits for the thread (the reader has closed its end, so it stops writing); returns what
    /// went wrong in the archive, if anything.
    func finish() -> String? {
        let first = state.withLock { state in
            defer { state.finished = true }
            return !state.finished
        }
        if first { while sem_wait(done) != 0 {} }
        return state.withLock { $0.failure }
    }
}

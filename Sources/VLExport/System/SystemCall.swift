#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A system call's failure: its `errno`, and the system's words for it.
package struct SystemError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The `errno` value.
    package let number: Int32

    package init(number: Int32) {
        self.number = number
    }

    /// The error of the call that just failed.
    package static var current: SystemError { SystemError(number: errno) }

    /// `strerror`'s text, such as "No such file or directory"; "it is a directory" for `EISDIR`.
    package var description: String { number == EISDIR ? "it is a directory" : String(cString: strerror(number)) }

    /// The reader of a pipe or socket went away (`EPIPE`).
    package var isBrokenPipe: Bool { number == EPIPE }
}

/// The system calls of VLExport and `vlx`, each made one way: retried while a signal
/// interrupts it (`EINTR`), and a failure thrown as a ``SystemError``.
package enum SystemCall {
    /// Runs `call` again while it fails with `EINTR`; returns its result, or throws its `errno`
    /// when it fails (returns a negative value) for another reason.
    @inlinable
    package static func retrying<Result: SignedInteger>(_ call: () -> Result) throws(SystemError) -> Result {
        while true {
            let result = call()
            if result >= 0 { return result }
            let number = errno
            if number != EINTR { throw SystemError(number: number) }
        }
    }

    /// Opens a file; `O_CLOEXEC` is always added.
    package static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws(SystemError) -> Int32 {
        try retrying { Glibc.open(path, flags | O_CLOEXEC, mode) }
    }

    /// Opens a file to read an export from it: a directory is refused (`EISDIR`), as `read(2)`
    /// would refuse it only later.
    package static func openForReading(_ path: String) throws(SystemError) -> Int32 {
        let descriptor = try open(path, O_RDONLY)
        if isDirectory(descriptor) {
            close(descriptor)
            throw SystemError(number: EISDIR)
        }
        return descriptor
    }

    /// Reads what is there, up to the buffer's size; 0 at the end of the input.
    package static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        try retrying { Glibc.read(descriptor, buffer.baseAddress, buffer.count) }
    }

    /// Writes every byte, however many calls that takes.
    package static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            offset += try retrying { Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset) }
        }
    }

    /// Writes every byte of an array.
    package static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) throws(SystemError) {
        var failure: SystemError?
        bytes.withUnsafeBytes { bytes in
            do throws(SystemError) { try writeAll(descriptor, bytes) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Reads what is there into `buffer` from `offset` on, up to its end; 0 at the end of the input.
    package static func read(_ descriptor: Int32, into buffer: inout [UInt8], from offset: Int = 0) throws(SystemError) -> Int {
        var result: Result<Int, SystemError> = .success(0)
        buffer.withUnsafeMutableBytes { bytes in
            result = Result { () throws(SystemError) in try read(descriptor, into: UnsafeMutableRawBufferPointer(rebasing: bytes[offset...])) }
        }
        return try result.get()
    }

    /// Reads a whole file into memory: for small files a user names, such as a list of categories.
    package static func readWholeFile(_ path: String) throws(SystemError) -> [UInt8] {
        let descriptor = try openForReading(path)
        defer { close(descriptor) }
        var contents: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = try read(descriptor, into: &buffer)
            if count == 0 { return contents }
            contents.append(contentsOf: buffer[..<count])
        }
    }

    /// Waits up to `milliseconds` for the descriptor to have data (or its end); true when it has.
    package static func waitUntilReadable(_ descriptor: Int32, milliseconds: Int32) throws(SystemError) -> Bool {
        var watched = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return try retrying { poll(&watched, 1, milliseconds) } > 0
    }

    /// Closes a descriptor. Its failure is not reported: on Linux the descriptor is gone either way.
    package static func close(_ descriptor: Int32) {
        _ = Glibc.close(descriptor)
    }

    /// What `fstat` says about a descriptor.
    package static func status(_ descriptor: Int32) throws(SystemError) -> stat {
        var status = stat()
        _ = try retrying { fstat(descriptor, &status) }
        return status
    }

    /// Whether the descriptor is a regular file: always readable, and seekable.
    package static func isRegularFile(_ descriptor: Int32) -> Bool {
        guard let status = try? status(descriptor) else { return false }
        return (status.st_mode & S_IFMT) == S_IFREG
    }

    /// Grows the buffer of the pipe `descriptor` is an end of to 1 MiB, the most an
    /// unprivileged process may ask for by default (`/proc/sys/fs/pipe-max-size`), from
    /// Linux's 64 KiB. A pipe that holds one 256 KiB write of NDJSON whole lets the writer and
    /// the reader each go on without waking the other four times a write. Anything that is
    /// not a pipe, and a refusal, are left as they are.
    package static func growPipeBuffer(_ descriptor: Int32) {
        guard let status = try? status(descriptor), (status.st_mode & S_IFMT) == S_IFIFO else { return }
        // F_SETPIPE_SZ (fcntl.h, under _GNU_SOURCE, which Swift's Glibc does not define).
        let setPipeSize: Int32 = 1031
        _ = fcntl(descriptor, setPipeSize, Int32(1 << 20))
    }

    /// Whether the descriptor is a directory.
    package static func isDirectory(_ descriptor: Int32) -> Bool {
        guard let status = try? status(descriptor) else { return false }
        return (status.st_mode & S_IFMT) == S_IFDIR
    }
}

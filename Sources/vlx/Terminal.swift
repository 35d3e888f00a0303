import VLExport

#if canImport(Glibc)
import Glibc
#endif

/// Standard error, and whether it is a terminal.
enum Terminal {
    /// Writes a line to standard error, unbuffered.
    static func printError(_ message: String) {
        var line = message + "\n"
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let count = write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if count <= 0 { return }
                offset += count
            }
        }
    }

    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}

/// Buffered output to standard output or a file, with the errors a pipeline meets.
///
/// A reader that closes the pipe early (`| head`) ends the tool quietly; a full
/// disk or any other write failure is an I/O failure (exit 3).
final class OutputStream {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let name: String
    private var buffer: [UInt8] = []
    private let capacity = 256 << 10

    /// Standard output, or the file at `path` (created or truncated).
    init(path: String?) throws(CLIFailure) {
        if let path, path != "-" {
            let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw CLIFailure(.ioFailure, "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            self.descriptor = descriptor
            ownsDescriptor = true
            name = path
        } else {
            descriptor = STDOUT_FILENO
            ownsDescriptor = false
            name = "standard output"
        }
        buffer.reserveCapacity(capacity)
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    func write(_ bytes: [UInt8]) throws(CLIFailure) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { try flush() }
    }

    func write(_ text: String) throws(CLIFailure) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= capacity { try flush() }
    }

    /// Writes a line: the bytes and a line feed.
    func writeLine(_ bytes: [UInt8]) throws(CLIFailure) {
        buffer.append(contentsOf: bytes)
        buffer.append(0x0A)
        if buffer.count >= capacity { try flush() }
    }

    func flush() throws(CLIFailure) {
        var offset = 0
        var failure: Int32 = 0
        buffer.withUnsafeBytes { bytes in
            while offset < bytes.count {
                let count = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += count
            }
        }
        buffer.removeAll(keepingCapacity: true)
        if failure == EPIPE { throw CLIFailure.outputClosed }
        if failure != 0 {
            throw CLIFailure(.ioFailure, "cannot write \(name): \(String(cString: strerror(failure)))")
        }
    }
}

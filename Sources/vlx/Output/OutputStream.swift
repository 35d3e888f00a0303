import VLExport

#if canImport(Glibc)
import Glibc
#endif

/// Something a command writes, which must be finished on every way out of the command:
/// buffers flushed, compressed streams closed with their trailer, documents closed.
///
/// ``ExportRun`` finishes each output it was given, after a complete walk and after any
/// fault: a data error, an I/O error, a closed pipe, SIGINT or SIGTERM.
protocol FinishingOutput: AnyObject {
    /// Ends the output. `complete` says whether the walk read the whole export.
    func finish(complete: Bool) throws(CLIFailure)
}

/// Buffered output to standard output or a file, with the errors a pipeline meets.
///
/// A reader that closes the pipe early (`| head`) ends the tool quietly; a full
/// disk or any other write failure is an I/O failure (exit 3).
final class OutputStream: FinishingOutput {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let name: String
    private var buffer: [UInt8] = []
    private let capacity = 256 << 10
    /// The write error that ended this output, reported once; later writes are dropped.
    private var broken = false

    /// Standard output, or the file at `path` (created or truncated).
    init(path: String?) throws(CLIFailure) {
        if let path, path != "-" {
            do throws(SystemError) {
                descriptor = try SystemCall.open(path, O_WRONLY | O_CREAT | O_TRUNC)
            } catch {
                throw CLIFailure(.ioFailure, "cannot write \(path): \(error)")
            }
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
        if ownsDescriptor { SystemCall.close(descriptor) }
    }

    /// Bytes handed to this stream so far, written or still buffered.
    private(set) var bytesWritten = 0

    func write(_ bytes: some Collection<UInt8>) throws(CLIFailure) {
        buffer.append(contentsOf: bytes)
        bytesWritten += bytes.count
        if buffer.count >= capacity { try flush() }
    }

    func write(_ text: String) throws(CLIFailure) {
        try write(text.utf8)
    }

    /// Writes a line: the bytes and a line feed.
    func writeLine(_ bytes: [UInt8]) throws(CLIFailure) {
        buffer.append(contentsOf: bytes)
        buffer.append(0x0A)
        bytesWritten += bytes.count + 1
        if buffer.count >= capacity { try flush() }
    }

    func flush() throws(CLIFailure) {
        defer { buffer.removeAll(keepingCapacity: true) }
        guard !broken else { return }
        do throws(SystemError) {
            try SystemCall.writeAll(descriptor, buffer)
        } catch {
            broken = true
            if error.isBrokenPipe { throw CLIFailure.outputClosed }
            throw CLIFailure(.ioFailure, "cannot write \(name): \(error)")
        }
    }

    func finish(complete: Bool) throws(CLIFailure) {
        try flush()
    }
}

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
    /// The file this stream writes, put in place when the stream is finished.
    private var committed: CommittedFile?

    /// The file at `path`, created or truncated: a file of a folder that is one run's own
    /// (split's parts and manifest); a command's output file is a ``CommittedFile``.
    convenience init(creating path: String) throws(CLIFailure) {
        do throws(SystemError) {
            self.init(descriptor: try SystemCall.open(path, O_WRONLY | O_CREAT | O_TRUNC), ownsDescriptor: true, name: path)
        } catch {
            throw CLIFailure(.ioFailure, "cannot write \(path): \(error)")
        }
    }

    /// Standard output.
    static func standardOutput() -> OutputStream {
        OutputStream(descriptor: STDOUT_FILENO, ownsDescriptor: false, name: "standard output")
    }

    /// A file that is put in place when the stream is finished: at its name after a complete
    /// run, at `NAME.partial` after any other.
    convenience init(committing file: CommittedFile) {
        self.init(descriptor: file.descriptor, ownsDescriptor: false, name: file.name)
        committed = file
    }

    /// Output to an open descriptor; `name` names it in messages.
    init(descriptor: Int32, ownsDescriptor: Bool, name: String) {
        self.descriptor = descriptor
        self.ownsDescriptor = ownsDescriptor
        self.name = name
        buffer.reserveCapacity(capacity)
        SystemCall.growPipeBuffer(descriptor)
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
        do throws(CLIFailure) {
            try flush()
        } catch {
            try committed?.commit(complete: false)
            throw error
        }
        try committed?.commit(complete: complete)
    }
}

/// A temporary file for what a command must write after something it has not read yet
/// (`vlx coco` writes its annotations after its images). It is removed from its folder as
/// soon as it is made, so nothing is left behind on any way out, a signal or a crash included.
final class SpoolFile {
    /// Where the spooled bytes go.
    let stream: OutputStream
    private let descriptor: Int32
    private let purpose: String

    /// A new, empty spool in `$TMPDIR` (or `/tmp`); `purpose` names it in messages.
    init(purpose: String) throws(CLIFailure) {
        let folder = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(folder)/vlx-spool-XXXXXX".utf8CString)
        descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw CLIFailure(.ioFailure, "cannot create a temporary file for \(purpose) in \(folder): \(SystemError.current)")
        }
        unlink(template.withUnsafeBufferPointer { $0.baseAddress! })
        self.purpose = purpose
        stream = OutputStream(descriptor: descriptor, ownsDescriptor: true, name: "the temporary file for \(purpose)")
    }

    /// Writes everything spooled so far to `out`.
    func copy(to out: OutputStream) throws(CLIFailure) {
        try stream.flush()
        guard lseek(descriptor, 0, SEEK_SET) == 0 else {
            throw CLIFailure(.ioFailure, "cannot read back the temporary file for \(purpose): \(SystemError.current)")
        }
        var buffer = [UInt8](repeating: 0, count: 256 << 10)
        while true {
            let count: Int
            do throws(SystemError) {
                count = try SystemCall.read(descriptor, into: &buffer)
            } catch {
                throw CLIFailure(.ioFailure, "cannot read back the temporary file for \(purpose): \(error)")
            }
            if count == 0 { return }
            try out.write(buffer[..<count])
        }
    }
}

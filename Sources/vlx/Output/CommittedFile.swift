import Synchronization
import VLExport

#if canImport(Glibc)
import Glibc
#endif

/// A file as the system knows it: its device and inode, whatever path or link leads to it.
struct FileIdentity: Hashable {
    var device: UInt64
    var inode: UInt64

    init(_ status: stat) {
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
    }

    /// The file at `path`, through links; nil when there is none.
    init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        self.init(status)
    }

    /// The file an open descriptor reads or writes; nil when it cannot be asked.
    init?(descriptor: Int32) {
        guard let status = try? SystemCall.status(descriptor) else { return nil }
        self.init(status)
    }
}

/// The files a run reads, by identity, so that no output of the run is one of them.
struct RunInputs {
    /// Each input as the user named it, with its identity; standard input is `-`.
    private(set) var files: [(name: String, identity: FileIdentity)] = []

    /// The inputs named by `paths` (nil or `-` for standard input). A path that names no file
    /// is left out: opening it will fail with its own message.
    init(_ paths: [String?]) {
        for path in paths {
            if let path, path != "-" {
                if let identity = FileIdentity(path: path) { files.append((path, identity)) }
            } else if let identity = FileIdentity(descriptor: STDIN_FILENO) {
                files.append(("standard input", identity))
            }
        }
    }

    /// The input that is the file `identity`, if any.
    func input(_ identity: FileIdentity) -> String? {
        files.first { $0.identity == identity }?.name
    }

    /// Refuses an output that is one of the inputs: writing it would destroy what is being read.
    func checkOutput(_ identity: FileIdentity, named output: String) throws(CLIFailure) {
        guard let input = input(identity) else { return }
        let how = input == output ? "" : " (the same file by another name or link)"
        throw CLIFailure(.usage, "the output \(output) is the input \(input)\(how); writing it would destroy the input: choose another output")
    }
}

/// A file output committed at the end of a run, as Spark's output committer commits a task.
///
/// The bytes go to a temporary file beside the destination (`.NAME.vlx-XXXXXX`, hidden, in the
/// same folder so that the rename is atomic). A complete run renames it to NAME, replacing
/// what was there; any other way out renames it to `NAME.partial` and leaves NAME as it was,
/// so that a file at NAME is always the output of a whole run (and a complete run removes the
/// `NAME.partial` an earlier one left). A destination that is not a
/// regular file (`/dev/null`, a named pipe) is written directly: there is nothing to replace.
final class CommittedFile {
    /// The path the user gave.
    let name: String
    /// Where the complete output goes: the path, or the file a symbolic link there points to.
    private let destination: String
    /// The temporary file, nil when the destination is written directly or once it is renamed.
    private var temporaryPath: String?
    let descriptor: Int32
    /// Where the output went when the run did not complete: `NAME.partial`.
    private(set) var partialPath: String?
    /// Whether there was a file at the destination before the run.
    private(set) var existed = false

    /// Opens the output `path` of a run that reads `inputs`.
    ///
    /// - Throws: a usage failure (exit 2) when `path` is one of the inputs, a folder, or a link
    ///   to nothing; an I/O failure when the temporary file cannot be made.
    init(path: String, inputs: RunInputs) throws(CLIFailure) {
        name = path
        var status = stat()
        var linkStatus = stat()
        guard lstat(path, &linkStatus) == 0 else {
            guard errno == ENOENT else { throw CLIFailure(.ioFailure, "cannot write \(path): \(SystemError.current)") }
            // A new file.
            destination = path
            (temporaryPath, descriptor) = try Self.makeTemporary(beside: path, mode: 0o666 & ~Self.fileCreationMask)
            return
        }
        guard stat(path, &status) == 0 else {
            throw CLIFailure(.usage, "the output \(path) is a symbolic link to a file that does not exist; give the file's own path")
        }
        existed = true
        switch status.st_mode & S_IFMT {
        case S_IFDIR:
            throw CLIFailure(.usage, "the output \(path) is a folder; give a file's path")
        case S_IFREG:
            try inputs.checkOutput(FileIdentity(status), named: path)
            // A link is followed, so that the link stays and the file it names is replaced.
            destination = (linkStatus.st_mode & S_IFMT) == S_IFLNK ? (Self.realPath(path) ?? path) : path
            (temporaryPath, descriptor) = try Self.makeTemporary(beside: destination, mode: status.st_mode & 0o7777)
        default:
            destination = path
            temporaryPath = nil
            do throws(SystemError) {
                descriptor = try SystemCall.open(path, O_WRONLY | O_TRUNC)
            } catch {
                throw CLIFailure(.ioFailure, "cannot write \(path): \(error)")
            }
        }
    }

    deinit {
        SystemCall.close(descriptor)
        // Not committed by `commit(complete:)`: a run that failed before its outputs were finished.
        if let temporaryPath { TemporaryFiles.remove(temporaryPath) }
    }

    /// Puts the output in place: at its name when `complete`, else at `NAME.partial`.
    func commit(complete: Bool) throws(CLIFailure) {
        guard let temporaryPath else { return }
        let target = complete ? destination : destination + ".partial"
        guard rename(temporaryPath, target) == 0 else {
            let error = SystemError.current
            TemporaryFiles.remove(temporaryPath)
            self.temporaryPath = nil
            throw CLIFailure(.ioFailure, "cannot move the output into place at \(target): \(error)")
        }
        TemporaryFiles.forget(temporaryPath)
        self.temporaryPath = nil
        if complete {
            // What an earlier run that did not complete left is out of date now.
            unlink(destination + ".partial")
        } else {
            partialPath = target
        }
    }

    /// A new temporary file in the destination's folder, with the mode the output should have.
    private static func makeTemporary(beside path: String, mode: mode_t) throws(CLIFailure) -> (String, Int32) {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var template = Array("\(slash == nil ? "" : folder + "/").\(base).vlx-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw CLIFailure(.ioFailure, "cannot write \(path): cannot create a file in \(folder): \(SystemError.current)")
        }
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        TemporaryFiles.add(temporary)
        _ = fchmod(descriptor, mode)
        return (temporary, descriptor)
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The process's umask, which a new file's mode leaves out (read once: asking sets it).
    private static let fileCreationMask: mode_t = {
        let mask = umask(0o022)
        umask(mask)
        return mask
    }()
}

/// The temporary files of the outputs not yet committed, removed when a second signal ends
/// `vlx` at once, so that no way out leaves one behind.
enum TemporaryFiles {
    private static let paths = Mutex<Set<String>>([])

    static func add(_ path: String) {
        paths.withLock { _ = $0.insert(path) }
    }

    /// No longer temporary: it was renamed.
    static func forget(_ path: String) {
        paths.withLock { _ = $0.remove(path) }
    }

    /// Deletes the file and forgets it.
    static func remove(_ path: String) {
        unlink(path)
        forget(path)
    }

    /// Deletes every temporary file still there.
    static func removeAll() {
        paths.withLock { paths in
            for path in paths { unlink(path) }
            paths.removeAll()
        }
    }
}

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
/// The bytes go to a temporary file beside the destination (`.NAME.vlx-XXXXXXXX`, hidden, in
/// the same folder so that the rename is atomic). A complete run renames it to NAME, replacing
/// what was there (and removes the `NAME.partial` an earlier run left); any other way out
/// renames it to `NAME.partial` and leaves NAME as it was, so that a file at NAME is always the
/// output of a whole run. A destination that is not a regular file (`/dev/null`, a named pipe)
/// is written directly: there is nothing to replace. The file is not synced to disk before the
/// rename, as Spark's and rsync's are not by default.
final class CommittedFile {
    /// The path the user gave.
    let name: String
    /// Where the complete output goes: the path, or the file a symbolic link there points to.
    private let destination: String
    /// The temporary file, nil when the destination is written directly or once it is renamed.
    private var temporaryPath: String?
    let descriptor: Int32
    private var isOpen = true
    /// Where the output went when the run did not complete: `NAME.partial`.
    private(set) var partialPath: String?
    /// Whether there was a file at the destination before the run.
    private(set) var existed = false
    /// Set when the run read no item: a run that did not complete then keeps no partial output.
    var discardsPartialOutput = false
    /// Whether the output goes to a temporary file that replaces the destination (false for a
    /// destination written directly).
    let replacesDestination: Bool

    /// Opens the output `path` of a run that reads `inputs`.
    ///
    /// - Throws: a usage failure (exit 2) when `path` or `path.partial` is one of the inputs,
    ///   names a folder, or is a link to nothing; an I/O failure when the file may not be
    ///   written or the temporary file cannot be made.
    init(path: String, inputs: RunInputs) throws(CLIFailure) {
        name = path
        guard !path.isEmpty, !path.hasSuffix("/") else {
            throw CLIFailure(.usage, "the output \"\(path)\" names no file; give a file's path")
        }
        var status = stat()
        var linkStatus = stat()
        guard lstat(path, &linkStatus) == 0 else {
            guard errno == ENOENT else { throw CLIFailure(.ioFailure, "cannot write \(path): \(SystemError.current)") }
            destination = path
            replacesDestination = true
            try Self.checkPartial(of: path, inputs: inputs)
            (temporaryPath, descriptor) = try Self.makeTemporary(beside: path, mode: nil)
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
            // Replaced by a rename, a file the user may not write would be replaced all the same.
            guard access(path, W_OK) == 0 else { throw CLIFailure(.ioFailure, "cannot write \(path): \(SystemError.current)") }
            // A link is followed, so that the link stays and the file it names is replaced.
            destination = (linkStatus.st_mode & S_IFMT) == S_IFLNK ? (Self.realPath(path) ?? path) : path
            replacesDestination = true
            try Self.checkPartial(of: destination, inputs: inputs)
            (temporaryPath, descriptor) = try Self.makeTemporary(beside: destination, mode: status.st_mode & 0o7777)
        default:
            destination = path
            replacesDestination = false
            temporaryPath = nil
            do throws(SystemError) {
                descriptor = try SystemCall.open(path, O_WRONLY | O_TRUNC)
            } catch {
                throw CLIFailure(.ioFailure, "cannot write \(path): \(error)")
            }
        }
    }

    deinit {
        if isOpen { SystemCall.close(descriptor) }
    }

    /// Puts the output in place: at its name when `complete`, else at `NAME.partial` (or
    /// nowhere, when ``discardsPartialOutput``).
    func commit(complete: Bool) throws(CLIFailure) {
        isOpen = false
        // A file system may report a failed write only when the file is closed (NFS, quotas).
        let closed = Glibc.close(descriptor) == 0 ? nil : SystemError.current
        guard let temporaryPath else {
            if let closed { throw CLIFailure(.ioFailure, "cannot write \(name): \(closed)") }
            return
        }
        let complete = complete && closed == nil
        if !complete, discardsPartialOutput {
            TemporaryFiles.remove(temporaryPath)
            self.temporaryPath = nil
            return
        }
        let target = complete ? destination : destination + ".partial"
        guard rename(temporaryPath, target) == 0 else {
            // The output stays where it is, and is named: nothing written is lost.
            TemporaryFiles.forget(temporaryPath)
            throw CLIFailure(.ioFailure, "cannot move the output into place at \(target): \(SystemError.current); it is at \(temporaryPath)")
        }
        TemporaryFiles.forget(temporaryPath)
        self.temporaryPath = nil
        if let closed { throw CLIFailure(.ioFailure, "cannot write \(name): \(closed); what was written is at \(target)") }
        if complete {
            unlink(destination + ".partial")
        } else {
            partialPath = target
        }
    }

    /// Refuses a destination whose `NAME.partial` is an input: a run would delete or replace it.
    private static func checkPartial(of destination: String, inputs: RunInputs) throws(CLIFailure) {
        let partial = destination + ".partial"
        if let identity = FileIdentity(path: partial), let input = inputs.input(identity) {
            throw CLIFailure(.usage, "the output \(destination) would replace or remove \(partial), which is the input \(input): choose another output")
        }
    }

    /// A new temporary file in the destination's folder: with `mode`, or for a new file with the
    /// mode the process's umask gives (the kernel applies it when the file is made).
    private static func makeTemporary(beside path: String, mode: mode_t?) throws(CLIFailure) -> (String, Int32) {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let prefix = "\(slash == nil ? "" : folder + "/").\(base).vlx-"
        while true {
            let temporary = prefix + String(UInt32.random(in: 0...UInt32.max), radix: 16).leftPadded(8)
            let descriptor = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if descriptor < 0, errno == EEXIST || errno == EINTR { continue }
            guard descriptor >= 0 else {
                throw CLIFailure(.ioFailure, "cannot write \(path): cannot create a file in \(folder): \(SystemError.current)")
            }
            TemporaryFiles.add(temporary)
            if let mode { _ = fchmod(descriptor, mode) }
            return (temporary, descriptor)
        }
    }

    /// The file `path` names, as one spelling: the real path of a file that exists (links
    /// followed), else of its folder, with its name. Two outputs of a run may not share one.
    static func canonicalPath(_ path: String) -> String {
        if let real = realPath(path) { return real }
        guard let slash = path.lastIndex(of: "/") else { return (realPath(".") ?? ".") + "/" + path }
        let folder = slash == path.startIndex ? "/" : String(path[..<slash])
        return (realPath(folder) ?? folder) + "/" + path[path.index(after: slash)...]
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// The temporary files of the outputs not yet committed, removed when a second signal ends
/// `vlx` at once. Only what no program can catch (SIGKILL, a crash, a power cut) leaves one.
enum TemporaryFiles {
    private static let paths = LockedValue<Set<String>>([])

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

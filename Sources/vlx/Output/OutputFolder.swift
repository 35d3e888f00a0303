import VLExport

#if canImport(Glibc)
import Glibc
#endif

/// A folder that holds one run's files, as Spark's writers treat one: a new or empty folder is
/// used, a folder that holds anything is refused (Spark's `ErrorIfExists`), and `--overwrite`
/// empties it (`overwrite`), unless it holds one of the run's inputs. The folder is emptied
/// only when the run has something to put in it: a run that stops before its first item
/// leaves it as it was.
enum OutputFolder {
    /// What a run finds at its folder.
    enum State {
        /// Nothing: the run made the folder.
        case made
        /// An empty folder.
        case empty
        /// A folder whose contents the run replaces (`--overwrite`), described for messages.
        case toReplace(String)
    }

    /// Makes `path` ready for a run: created when missing; a folder that holds anything is
    /// checked for `overwrite` and for the run's inputs, and left for ``replaceContents(of:)``.
    ///
    /// - Throws: a usage failure when `path` is not a folder, holds anything and `overwrite`
    ///   is not given, or holds an input of the run; an I/O failure when it cannot be made.
    static func prepare(_ path: String, overwrite: Bool, inputs: RunInputs) throws(CLIFailure) -> State {
        var status = stat()
        guard stat(path, &status) == 0 else {
            guard mkdir(path, 0o777) == 0 else { throw CLIFailure(.ioFailure, "cannot create the folder \(path): \(SystemError.current)") }
            return .made
        }
        guard (status.st_mode & S_IFMT) == S_IFDIR else {
            throw CLIFailure(.usage, "the output \(path) is not a folder; give a new or empty folder")
        }
        let names = try entries(of: path)
        guard !names.isEmpty else { return .empty }
        let shown = names.sorted().prefix(3).joined(separator: ", ")
        let held = shown + (names.count > 3 ? " and \(names.count - 3) more" : "")
        guard overwrite else {
            throw CLIFailure(.usage, "the folder \(path) is not empty (it holds \(held)); give --overwrite to replace what it holds, or a new or empty folder")
        }
        if let input = try input(inside: path, inputs: inputs) {
            throw CLIFailure(.usage, "the folder \(path) holds the input \(input); --overwrite would delete it: choose another folder")
        }
        return .toReplace(held)
    }

    /// Deletes everything below the folder; links are deleted, not followed.
    static func replaceContents(of path: String) throws(CLIFailure) {
        for name in try entries(of: path) {
            let entry = path + "/" + name
            var status = stat()
            let isFolder = lstat(entry, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
            if isFolder { try replaceContents(of: entry) }
            guard (isFolder ? rmdir(entry) : unlink(entry)) == 0 else {
                throw CLIFailure(.ioFailure, "cannot remove \(entry) from the folder: \(SystemError.current)")
            }
        }
    }

    /// The names in a folder, but `.` and `..`.
    private static func entries(of path: String) throws(CLIFailure) -> [String] {
        guard let folder = opendir(path) else { throw CLIFailure(.ioFailure, "cannot read the folder \(path): \(SystemError.current)") }
        defer { closedir(folder) }
        var names: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// The first input of the run found in the folder or below it, not following links out.
    private static func input(inside path: String, inputs: RunInputs) throws(CLIFailure) -> String? {
        for name in try entries(of: path) {
            let entry = path + "/" + name
            var status = stat()
            guard lstat(entry, &status) == 0 else { continue }
            if (status.st_mode & S_IFMT) == S_IFDIR {
                if let input = try input(inside: entry, inputs: inputs) { return input }
            } else if let input = inputs.input(FileIdentity(status)) {
                return input
            }
        }
        return nil
    }
}

import ArgumentParser
import VLExport

#if canImport(Glibc)
import Glibc
#endif

/// `vlx`: Visual Layer exports in pipelines.
@main
struct VLX: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vlx",
        abstract: "Stream Visual Layer dataset exports: NDJSON, info, stats, validation, filters, tables, shards, COCO datasets and merges.",
        discussion: """
        FILE is a path, or - or nothing for standard input. Plain JSON, gzip
        (.json.gz) and the ZIP archive a Visual Layer download comes in are
        recognised by their first bytes. Every command reads the export as a
        stream, in constant memory, whatever its size.

        Exit codes:
          0  success
          1  invalid data (syntax, truncation, not an export, a limit passed;
             with --strict-schema, a value that cannot be read as its field's
             kind); every complete item before the fault has been written
          2  usage error (an output that is one of the inputs included)
          3  I/O failure (cannot open or read the input, cannot write the output,
             a full disk included)
          130  stopped by SIGINT (Ctrl-C); 143 by SIGTERM, 129 by SIGHUP. A second
               signal exits at once.

        Whatever the way out, every output is finished before vlx exits: buffers
        written, gzip parts closed with their trailer, an export document closed
        with total_media_items equal to the items it holds, split's _manifest.json
        written with "complete": false when the walk did not reach the end (and
        _SUCCESS only when it did). A file given with -o is put in place only
        when the run is complete; otherwise the file there is left as it was and
        what was written is at FILE.partial (nothing is kept when no item was
        read). A destination that is no regular file (/dev/null) is written as
        it goes.

        A value that cannot be read as its field's kind (a string where the
        format has a number, an object where it has a string) is kept as
        written and reported on standard error as FILE:LINE:COL: path: expected
        …, found …; the first 20 are printed, then a count. The command goes on
        and exits 0. vlx validate reports each one as a problem.
        """,
        version: "0.1.0",
        subcommands: [
            NDJSONCommand.self, InfoCommand.self, StatsCommand.self, ValidateCommand.self,
            FilterCommand.self, CleanCommand.self, SampleCommand.self, TableCommand.self, SplitCommand.self, COCOCommand.self, MergeCommand.self,
        ]
    )

    static func main() async {
        // A closed pipe (`vlx ndjson | head -1`) shows up as EPIPE from write(2), handled there.
        signal(SIGPIPE, SIG_IGN)
        let command: ParsedCommand
        do {
            let arguments = ArgumentCheck.joiningNegativeNumbers(Array(CommandLine.arguments.dropFirst()))
            try ArgumentCheck.check(arguments)
            command = ParsedCommand(try parseAsRoot(arguments))
        } catch {
            exit(withFailure: error)
        }
        // The command runs in a task of its own, which SIGINT, SIGTERM and SIGHUP cancel.
        let task = Task { try await command.run() }
        let signalSources = Interruption.install(cancelling: task)
        do {
            try await task.value
        } catch {
            exit(withFailure: error)
        }
        withExtendedLifetime(signalSources) {}
    }

    /// Prints what went wrong and exits with the documented status.
    static func exit(withFailure error: any Error) -> Never {
        if let failure = CLIFailure(reporting: error) {
            if !failure.message.isEmpty { Terminal.printError("vlx: \(failure.message)") }
            Glibc.exit(failure.status.rawValue)
        }
        // The argument parser's own: help, version, and its usage errors.
        let message = fullMessage(for: error)
        if exitCode(for: error) == .success {
            print(message)
            Glibc.exit(0)
        }
        Terminal.printError(message)
        Glibc.exit(ExitStatus.usage.rawValue)
    }
}

/// The parsed command, handed to the task that runs it.
struct ParsedCommand: @unchecked Sendable {
    // @unchecked: the command's values are parsed arguments, read by that task alone once it starts.
    let command: any ParsableCommand

    init(_ command: any ParsableCommand) {
        self.command = command
    }

    func run() async throws {
        var command = command
        if var asyncCommand = command as? AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    }
}

/// The exit statuses `vlx` documents.
struct ExitStatus: RawRepresentable, Hashable, Sendable {
    let rawValue: Int32

    static let success = ExitStatus(rawValue: 0)
    static let invalidData = ExitStatus(rawValue: 1)
    static let usage = ExitStatus(rawValue: 2)
    static let ioFailure = ExitStatus(rawValue: 3)

    /// Stopped by a signal: 128 + its number, as shells report it (130 for SIGINT, 143 for SIGTERM).
    static func interrupted(_ signal: Int32) -> ExitStatus { ExitStatus(rawValue: 128 + signal) }
}

/// A failure of the tool itself, with the status to exit with; an empty message prints nothing.
struct CLIFailure: Error {
    var status: ExitStatus
    var message: String

    init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    /// The reader of a closed pipe has gone: end quietly, as `head` expects.
    static let outputClosed = CLIFailure(.success, "")

    /// The command's task was cancelled by a signal before its walk began.
    static var cancelled: CLIFailure {
        Interruption.failure ?? CLIFailure(.ioFailure, "cancelled")
    }

    /// The failure `vlx` reports for an error of its own, the reader's or a cancellation; nil
    /// for the argument parser's errors.
    init?(reporting error: any Error) {
        switch error {
        case let failure as CLIFailure: self = failure
        case let failure as VLExportError: self.init(failure.kind == .io ? .ioFailure : .invalidData, failure.commandLineDescription)
        case is CancellationError: self = .cancelled
        default: return nil
        }
    }
}

/// `--limit`: how many items a command writes before it stops reading, as `head -n`.
struct ItemLimit: ParsableArguments {
    @Option(help: "Stop after this many media items (a table: after their rows), reading no further.")
    var limit: Int?

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit takes a number of items, 0 or more.") }
    }

    /// Whether `written` items are all that may be written.
    func isReached(by written: Int) -> Bool {
        limit.map { written >= $0 } ?? false
    }
}

/// The exports a command reads as one dataset, in the order given, and how it reads them.
struct DatasetArguments: ParsableArguments {
    @Argument(help: "The exports, read as one dataset in the order given (the pages of an export, shards): paths, or - or nothing for standard input.")
    var files: [String] = []

    @OptionGroup var read: ReadOptions

    func validate() throws {
        guard files.count(where: { $0 == "-" }) <= 1 else { throw ValidationError("Standard input (-) can be given once.") }
    }

    /// The inputs in order: nil for standard input when none is given (`-` reads it too, a
    /// terminal included).
    var inputs: [String?] { files.isEmpty ? [nil] : files }
}

/// The export a command reads, and how it reads it.
struct InputArguments: ParsableArguments {
    @Argument(help: "The export: a path, or - or nothing for standard input.")
    var file: String?

    @OptionGroup var read: ReadOptions
}

/// The options every command that reads an export takes.
struct ReadOptions: ParsableArguments {
    @Flag(help: "Accept // and /* */ comments and trailing commas, as in the format documentation's example.")
    var lenient = false

    @Option(help: "Fail when arrays and objects nest deeper than this.")
    var maxDepth = 256

    @Option(help: "Fail when a media item (or a single value) is larger than this many bytes.")
    var maxItemBytes = 64 << 20

    @Flag(help: "Do not show the progress line on standard error.")
    var noProgress = false

    @Flag(name: .shortAndLong, help: "Print no progress line and no warnings; errors only.")
    var quiet = false

    @Flag(help: "Fail at the first value that cannot be read as its field's kind, instead of keeping it and warning.")
    var strictSchema = false

    @Option(help: "Threads that read the items: 0 reads them on one thread, as it reads the file. Default: one per core this process may run on.")
    var threads: Int?

    func validate() throws {
        guard maxDepth >= 1 else { throw ValidationError("--max-depth must be at least 1.") }
        guard maxItemBytes >= 1 else { throw ValidationError("--max-item-bytes must be at least 1.") }
        if let threads { guard (0...256).contains(threads) else { throw ValidationError("--threads must be between 0 and 256.") } }
    }

    var readerOptions: ReaderOptions {
        ReaderOptions(
            syntax: lenient ? .lenient : .strict, maxDepth: maxDepth, maxItemBytes: maxItemBytes,
            schema: strictSchema ? .strict : .tolerant,
            parallelism: threads.map { $0 == 0 ? .serial : .threads($0) } ?? .automatic
        )
    }
}

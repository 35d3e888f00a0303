import Dispatch
import VLExport

#if canImport(Glibc)
import Glibc
#endif

/// One command's run over one export or several: it opens each input in turn, shows progress,
/// runs the walk, and on every way out finishes every output, then reports.
///
/// Every command that reads exports goes through ``perform(_:_:properties:printsWarnings:_:)``
/// or ``performEach(_:_:properties:printsWarnings:_:)``, so none can forget a flush: after
/// success, a data error, an I/O error, a closed pipe, SIGINT or SIGTERM alike, each output
/// given to ``adopt(_:)`` is finished (buffers written, gzip trailers written, documents and
/// manifests closed) before the error is reported and `vlx` exits with the documented status.
///
/// An output file opened with ``openOutput(_:)`` is committed: it replaces its destination only
/// when the run is complete, and stays at `NAME.partial` otherwise (``CommittedFile``).
final class ExportRun {
    private var current: ExportInput?
    private var outputs: [any FinishingOutput] = []
    /// What the run reads, which no output of it may be.
    let inputs: RunInputs
    private var committedFiles: [CommittedFile] = []
    /// Items read from the inputs whose walks have ended.
    private var itemsRead = 0

    /// The input being read.
    var input: ExportInput {
        guard let current else { preconditionFailure("an export run's input is read while no input is open") }
        return current
    }

    var reader: ExportReader { input.reader }

    private init(inputs: RunInputs) {
        self.inputs = inputs
    }

    /// Opens the run's output: standard output for nil or `-`, else the file at `path`,
    /// committed when the run ends. The run finishes it on every way out.
    ///
    /// - Throws: a usage failure when the output is one of the run's inputs.
    func openOutput(_ path: String?) throws(CLIFailure) -> OutputStream {
        guard let path, path != "-" else {
            // `vlx ndjson x.json >> x.json` would read its own output for ever, as cat(1) knows.
            if SystemCall.isRegularFile(STDOUT_FILENO), let identity = FileIdentity(descriptor: STDOUT_FILENO),
               let input = inputs.input(identity) {
                throw CLIFailure(.usage, "standard output is the input \(input); writing it would destroy the input: choose another output")
            }
            return adopt(OutputStream.standardOutput())
        }
        // `-o out --dropped ./out` would put one output in place over the other.
        let canonical = CommittedFile.canonicalPath(path)
        if let other = committedFiles.first(where: { CommittedFile.canonicalPath($0.name) == canonical }) {
            throw CLIFailure(.usage, "\(path) and \(other.name) are the same file; give each output its own")
        }
        let file = try CommittedFile(path: path, inputs: inputs)
        committedFiles.append(file)
        return adopt(OutputStream(committing: file))
    }

    /// Hands an output to the run, which finishes it on every way out; returns it.
    @discardableResult
    func adopt<Output: FinishingOutput>(_ output: Output) -> Output {
        outputs.append(output)
        return output
    }

    /// Opens FILE and runs `body` over it; the walk in `body` reads the given properties.
    ///
    /// - Parameter printsWarnings: whether the reader's warnings go to standard error at the
    ///   end (`validate` reports them itself).
    /// - Parameter alsoReading: files the command reads besides FILE (`coco --categories`),
    ///   which no output may be either.
    static func perform(
        _ input: InputArguments, properties: PropertySelection = .all, printsWarnings: Bool = true,
        alsoReading otherInputs: [String] = [], _ body: (ExportRun) async throws -> Void
    ) async throws {
        try await performEach([input.file], input.read, properties: properties, printsWarnings: printsWarnings, alsoReading: otherInputs) { run, _ in
            try await body(run)
        }
    }

    /// Opens each of the dataset's exports in turn and runs `walk` over it, with the outputs
    /// `open` made when the first was opened: the exports are read as one dataset.
    static func perform<Outputs>(
        _ dataset: DatasetArguments, properties: PropertySelection = .all,
        opening open: (ExportRun) throws -> Outputs, _ walk: (ExportRun, Outputs) async throws -> Void
    ) async throws {
        var outputs: Outputs?
        try await performEach(dataset.inputs, dataset.read, properties: properties) { run, _ in
            let opened = try outputs ?? open(run)
            outputs = opened
            try await walk(run, opened)
        }
    }

    /// Opens each of FILES in turn and runs `body` over it with the file's position in FILES;
    /// outputs adopted while reading one file stay open for the next, and are finished once.
    /// Each input's warnings are printed, and its reader closed, when its walk ends.
    /// Outputs are finished in the reverse of the order they were adopted in, so that an output
    /// written through another (a document through its file) is finished before it.
    static func performEach(
        _ files: [String?], _ options: ReadOptions, properties: PropertySelection = .all, printsWarnings: Bool = true,
        alsoReading otherInputs: [String] = [], _ body: (ExportRun, Int) async throws -> Void
    ) async throws {
        try checkStandardInput(files)
        let run = ExportRun(inputs: RunInputs(files + otherInputs.map(Optional.some)))
        var failure: (any Error)?
        for (position, file) in files.enumerated() {
            do {
                let input = try ExportInput.open(file, options, properties: properties)
                run.current = input
                var walkFailure: (any Error)?
                do {
                    try await body(run, position)
                } catch {
                    walkFailure = error
                }
                input.progress.finish()
                input.reader.close()
                run.itemsRead += input.progress.items
                let archiveFailure = input.finishExtraction()
                if printsWarnings, !options.quiet { input.printWarnings() }
                // A fault of the archive cuts the JSON short: it is the cause of the walk's error.
                if let archiveFailure { throw CLIFailure(.invalidData, archiveFailure) }
                if let walkFailure { throw input.described(walkFailure) }
            } catch {
                failure = error
                break
            }
        }
        // A run that read no item keeps no partial output: there is nothing in it to keep.
        for file in run.committedFiles { file.discardsPartialOutput = run.itemsRead == 0 }
        for output in run.outputs.reversed() {
            do throws(CLIFailure) {
                try output.finish(complete: failure == nil)
            } catch {
                // The first failure is the one reported; a closed pipe stays quiet.
                if failure == nil {
                    failure = error
                } else if error.status != .success {
                    Terminal.printError("vlx: \(error.message)")
                }
            }
        }
        // An output may hold the run (a split's manifest asks the reader for `info`): let both go.
        run.outputs.removeAll()
        run.current = nil
        if let failure { throw run.notingPartialOutputs(failure) }
    }

    /// The failure, with a line for each output file the run did not put in place.
    private func notingPartialOutputs(_ failure: any Error) -> any Error {
        let notes = committedFiles.filter(\.replacesDestination).compactMap { file -> String? in
            let before = "\(file.name) was \(file.existed ? "left as it was" : "not created")"
            guard let partial = file.partialPath else { return file.discardsPartialOutput ? before + "; no media item was read" : nil }
            let items = itemsRead == 1 ? "the 1 media item" : "the \(itemsRead) media items"
            return before + "; the output of \(items) read before the run stopped is in \(partial)"
        }
        guard !notes.isEmpty else { return failure }
        let reported = CLIFailure(reporting: failure) ?? CLIFailure(.ioFailure, "\(failure)")
        // `vlx` prints the message after "vlx: "; each note is a line of its own.
        let lines = (reported.message.isEmpty ? [] : [reported.message]) + notes
        return CLIFailure(reported.status, lines.joined(separator: "\nvlx: "))
    }

    /// Refuses to wait on a terminal: with no FILE, standard input is read, and a terminal there
    /// means the user forgot the FILE (`-` reads the terminal on purpose).
    private static func checkStandardInput(_ files: [String?]) throws(CLIFailure) {
        guard files.contains(where: { $0 == nil }), isatty(STDIN_FILENO) == 1 else { return }
        throw CLIFailure(.usage, "no export given, and standard input is a terminal: give a FILE, or pipe an export in (- reads the terminal)")
    }
}

extension ExportInput {
    /// The failure as `vlx` reports it: the input's name before a reader's error.
    fileprivate func described(_ failure: any Error) -> any Error {
        switch failure {
        case let error as VLExportError:
            // `FILE:LINE:COL: message` when the error has a place, `FILE: message` otherwise.
            CLIFailure(error.kind == .io ? .ioFailure : .invalidData, "\(name):\(error.location == nil ? " " : "")\(error.commandLineDescription)")
        case is CancellationError:
            Interruption.failure ?? failure
        default:
            failure
        }
    }
}

/// SIGINT, SIGTERM and SIGHUP (a closed terminal or ssh session): the first cancels the
/// command's task, so that the walk stops and every
/// output is finished before `vlx` exits with 128 + the signal's number; a second exits at once,
/// removing the temporary files of outputs not yet committed.
enum Interruption {
    private static let received = LockedValue<Int32?>(nil)

    /// Watches for the signals on behalf of `task`, for as long as the returned sources are kept.
    static func install(cancelling task: Task<Void, any Error>) -> [any DispatchSourceSignal] {
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM, SIGHUP] {
            // SIGHUP ignored when vlx starts stays ignored: `nohup vlx …` asks for that.
            let previous = signal(number, SIG_IGN)
            if number == SIGHUP, let previous, unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) { continue }
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let isFirst = received.withLock { received in
                    defer { received = received ?? number }
                    return received == nil
                }
                if isFirst {
                    task.cancel()
                } else {
                    // Out at once: only the uncommitted outputs' temporary files are cleared away.
                    TemporaryFiles.removeAll()
                    _exit(128 + number)
                }
            }
            source.resume()
            sources.append(source)
        }
        return sources
    }

    /// What a run stopped by a signal reports, or nil when no signal came.
    static var failure: CLIFailure? {
        guard let number = received.withLock({ $0 }) else { return nil }
        let name = number == SIGINT ? "SIGINT" : number == SIGTERM ? "SIGTERM" : number == SIGHUP ? "SIGHUP" : "signal \(number)"
        return CLIFailure(.interrupted(number), "interrupted by \(name); every output was finished with what was written before it")
    }
}

extension VLExportError {
    /// The error as `vlx` says it: where the reader names one of its options, the flag that sets it.
    var commandLineDescription: String {
        var text = description
        for (readerWords, flagWords) in Self.readerOptionFlags {
            text = text.replacing(readerWords, with: flagWords)
        }
        return text
    }

    /// The reader's words for its options, and `vlx`'s.
    static let readerOptionFlags = [
        ("(see maxItemBytes)", "(--max-item-bytes raises it)"),
        ("(see maxDepth)", "(--max-depth raises it)"),
        ("lenient parsing accepts it", "--lenient accepts it"),
    ]
}

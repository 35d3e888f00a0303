import ArgumentParser
import VLExport

/// `vlx validate`: every problem, with where it is.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check exports and list every problem with its location; exit 0 when all are valid, 1 when not.",
        discussion: """
        Each problem is one line, FILE:LINE:COL: path: message, on standard output.
        A value that cannot be read as its field's kind (or a part of the export
        of another shape) is a problem, reported where the value starts, and the
        walk goes on; a syntax error ends it. A declared
        total_media_items that differs from the real count is a warning, and so is
        a key that appears twice in one object (readers disagree about which wins).
        """
    )

    @OptionGroup var dataset: DatasetArguments

    @Option(help: "Stop after this many problems.")
    var maxErrors = 100

    func validate() throws {
        guard maxErrors >= 1 else { throw ValidationError("--max-errors must be at least 1.") }
    }

    func run() async throws {
        // Each export is checked on its own and gets its own verdict; any problem in any is exit 1.
        let out = OutputStream.standardOutput()
        var invalidExports = 0
        for file in dataset.inputs where try await problems(in: file, out: out) > 0 {
            invalidExports += 1
        }
        if invalidExports > 0 { throw CLIFailure(.invalidData, "") }
    }

    /// Checks one export, writes its problems and its verdict, and returns how many problems it has.
    private func problems(in file: String?, out: OutputStream) async throws -> Int {
        var problems = 0
        var items = 0
        var duplicateKeyWarnings: [String] = []
        var name = ""
        var readerWarnings: [String] = []
        do {
            try await ExportRun.performEach([file], dataset.read, printsWarnings: false) { run, _ in
                name = run.input.name
                run.adopt(out)
                defer {
                    // The reader's own warnings, once the walk is over (validate prints them itself).
                    for warning in run.reader.warnings where !(warning.kind == .nonconformingValue && warning.mediaItemIndex != nil) {
                        // Values inside items are reported from their item, above.
                        readerWarnings.append(warning.kind == .nonconformingValue ? run.input.located(warning) : "\(name): warning: \(warning)")
                    }
                }
                // Each item is checked on the worker that read it; the report lines of the items a
                // worker reads together come back in one report.
                let inputName = name
                let reports = run.reader.mediaItemsWithJSON.batches(into: ItemsReport.init, adding: { $0.add($1, name: inputName) })
                for try await report in reports {
                    items += report.mediaItems
                    run.input.progress.addItems(report.mediaItems)
                    duplicateKeyWarnings += report.warnings
                    for line in report.problems {
                        problems += 1
                        try out.write(line)
                        if problems >= maxErrors { return }
                    }
                }
            }
        } catch let failure as CLIFailure where failure.status == .invalidData {
            problems += 1
            try out.write(failure.message + "\n")
        }
        for warning in duplicateKeyWarnings {
            try out.write(warning + "\n")
        }
        for warning in readerWarnings {
            if warning.contains(": warning: ") {
                try out.write(warning + "\n")
            } else if problems < maxErrors {
                problems += 1
                try out.write(warning + "\n")
            }
        }
        let verdict = problems == 0
            ? "\(name): valid, \(items) media items\n"
            : "\(name): \(problems) problem\(problems == 1 ? "" : "s")\(problems >= maxErrors ? " (stopped at --max-errors)" : "")\n"
        if !dataset.read.quiet { try out.write(verdict) }
        try out.flush()
        return problems
    }
}

/// What `vlx validate` reports about a run of consecutive media items, as lines.
private struct ItemsReport: Sendable {
    /// Their values that cannot be read as their field's kind, one error line each.
    var problems: [String] = []
    /// Their keys that appear twice in one object.
    var warnings: [String] = []
    /// The items checked.
    var mediaItems = 0

    /// Checks an item, and adds its lines.
    mutating func add(_ both: MediaItemWithJSON, name: String) {
        mediaItems += 1
        let raw = both.raw
        for path in raw.duplicateKeyPaths() {
            let place = raw.location.map { "\($0):" } ?? ""
            warnings.append("\(name):\(place) warning: \(path): the key appears more than once; the last value counts")
        }
        for value in both.item.nonconforming {
            let error = value.schemaError(pathPrefix: ItemPath.mediaItem(raw.index), mediaItemIndex: raw.index)
            problems.append("\(name):\(error)\n")
        }
    }
}

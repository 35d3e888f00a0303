import ArgumentParser
import VLExport

/// `vlx validate`: every problem, with where it is.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check an export and list every problem with its location; exit 0 when valid, 1 when not.",
        discussion: """
        Each problem is one line, FILE:LINE:COL: path: message, on standard output.
        A value that cannot be read as its field's kind (or a part of the export
        of another shape) is a problem, reported where the value starts, and the
        walk goes on; a syntax error ends it. A declared
        total_media_items that differs from the real count is a warning, and so is
        a key that appears twice in one object (readers disagree about which wins).
        """
    )

    @OptionGroup var input: InputArguments

    @Option(help: "Stop after this many problems.")
    var maxErrors = 100

    func validate() throws {
        guard maxErrors >= 1 else { throw ValidationError("--max-errors must be at least 1.") }
    }

    func run() async throws {
        var problems = 0
        var items = 0
        var duplicateKeyWarnings: [String] = []
        var name = ""
        var readerWarnings: [String] = []
        let out = OutputStream.standardOutput()
        do {
            try await ExportRun.perform(input, printsWarnings: false) { run in
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
        if !input.read.quiet { try out.write(verdict) }
        try out.flush()
        if problems > 0 { throw CLIFailure(.invalidData, "") }
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

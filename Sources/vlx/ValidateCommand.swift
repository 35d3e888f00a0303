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

    @Argument(help: "The export: a path, or - or nothing for standard input.")
    var file: String?

    @OptionGroup var read: ReadOptions

    @Option(help: "Stop after this many problems.")
    var maxErrors = 100

    func validate() throws {
        guard maxErrors >= 1 else { throw ValidationError("--max-errors must be at least 1.") }
    }

    func run() async throws {
        let input = try ExportInput.open(file, read)
        input.quiet = true  // validate prints every warning itself, on standard output
        let out = try OutputStream(path: nil)
        var problems = 0
        var items = 0
        var warnings: [String] = []
        do {
            try await input.run {
                for try await both in input.reader.mediaItemsWithJSON {
                    items += 1
                    input.progress.addItem()
                    let raw = both.raw
                    for path in raw.duplicateKeyPaths() {
                        let place = raw.location.map { "\($0):" } ?? ""
                        warnings.append("\(input.name):\(place) warning: \(path): the key appears more than once; the last value counts")
                    }
                    for value in both.item.nonconforming {
                        problems += 1
                        let error = value.schemaError(pathPrefix: "media_items[\(raw.index)]", mediaItemIndex: raw.index)
                        try out.write("\(input.name):\(error)\n")
                        if problems >= maxErrors { break }
                    }
                    if problems >= maxErrors { break }
                }
            }
        } catch let failure as CLIFailure where failure.status == .invalidData {
            problems += 1
            try out.write(failure.message + "\n")
        }
        for warning in warnings {
            try out.write(warning + "\n")
        }
        for warning in input.reader.warnings {
            if warning.kind == .nonconformingValue, warning.mediaItemIndex != nil {
                continue  // reported above, from its item, or past --max-errors
            }
            if warning.kind == .nonconformingValue {
                guard problems < maxErrors else { continue }
                problems += 1
                try out.write("\(input.located(warning))\n")
            } else {
                try out.write("\(input.name): warning: \(warning)\n")
            }
        }
        let verdict = problems == 0
            ? "\(input.name): valid, \(items) media items\n"
            : "\(input.name): \(problems) problem\(problems == 1 ? "" : "s")\(problems >= maxErrors ? " (stopped at --max-errors)" : "")\n"
        if !read.quiet { try out.write(verdict) }
        try out.flush()
        if problems > 0 { throw CLIFailure(.invalidData, "") }
    }
}

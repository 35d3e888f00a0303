import ArgumentParser
import VLExport

/// `vlx info`: the export's info object.
struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print the export's info: dataset, times, author, declared item count.",
        discussion: "Stops reading as soon as info has been read when it comes first, as Visual Layer writes it."
    )

    @OptionGroup var input: InputArguments

    @Flag(help: "Print the info object as it stands in the file, as one line of JSON.")
    var json = false

    func run() async throws {
        var info: ExportInfo?
        try await ExportRun.perform(input) { run in info = try await run.reader.readInfo() }
        let out = OutputStream.standardOutput()
        guard let info else {
            if json { try out.write("null\n") } else { try out.write("The export has no info object.\n") }
            try out.flush()
            return
        }
        if json {
            try out.writeLine(JSONValue.object(info.json).compactJSON)
        } else {
            let rows: [(String, String?)] = [
                ("dataset", info.dataset),
                ("description", info.description),
                ("schema version", info.schemaVersion),
                ("dataset url", info.datasetURL),
                ("created", info.datasetCreationTime),
                ("exported", info.exportTime),
                ("exported by", info.exportedBy),
                ("media items", info.totalMediaItems.map(String.init)),
            ]
            let width = rows.map(\.0.count).max() ?? 0
            for (label, value) in rows {
                guard let value else { continue }
                try out.write(label + String(repeating: " ", count: width - label.count) + "  " + value + "\n")
            }
        }
        try out.flush()
    }
}

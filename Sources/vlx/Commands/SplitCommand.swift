import ArgumentParser
import VLExport

#if canImport(Glibc)
import Glibc
#endif

/// `vlx split`: NDJSON shards for engines that read in parallel.
struct SplitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Write the items as NDJSON part files of about equal size, plus a manifest.",
        discussion: """
        The parts are DIR/part-00000.ndjson, DIR/part-00001.ndjson, … (.ndjson.gz
        with --gzip), each item going to the part with the fewest bytes so far, so
        DuckDB (read_json('DIR/*.ndjson')), Spark (spark.read.json("DIR")) or any
        engine reads them in parallel. With fewer items than --shards, there is
        one part per item: no part is empty.

        A folder holds one run, as Spark's default save mode has it: DIR must be
        new or empty, or --overwrite replaces what it holds. DIR/_manifest.json
        lists each part's items and bytes and the export's info, and says whether
        the export was read to its end ("complete"); a complete run then writes
        the empty marker DIR/_SUCCESS, which Spark, Hive and schedulers wait for.
        A run that stops at a fault or a signal keeps its parts and manifest, with
        no _SUCCESS. Engines reading the folder pass over names that start with _.
        """
    )

    @OptionGroup var input: InputArguments

    @Option(help: "How many part files to write, at most.")
    var shards: Int

    @Option(name: [.short, .customLong("output"), .customLong("out")], help: "The folder to write the parts and manifest into: new or empty, created if missing.")
    var output: String

    @Flag(help: "Replace what the folder holds, when it is not empty.")
    var overwrite = false

    @Flag(help: "Compress each part with gzip.")
    var gzip = false

    func validate() throws {
        guard (1...10_000).contains(shards) else { throw ValidationError("--shards must be between 1 and 10000.") }
    }

    func run() async throws {
        let quiet = input.read.quiet
        let report: (String) -> Void = { if !quiet { Terminal.printError("vlx split: \($0)") } }
        try await ExportRun.perform(input) { run in
            let state = try OutputFolder.prepare(output, overwrite: overwrite, inputs: run.inputs)
            let parts = run.adopt(PartFolder(
                directory: output, state: state, shards: shards, gzip: gzip, source: run.input.name, report: report
            ) { run.reader.info })
            for try await raw in run.reader.rawItems {
                run.input.progress.addItem()
                try parts.write(raw.json)
            }
        }
    }
}

/// The part files of `vlx split` and their manifest, written once the parts are closed.
///
/// The manifest is `_manifest.json`, and a complete run's marker `_SUCCESS`: engines that read
/// a folder (Spark, Hive, Hadoop's input formats) pass over files whose names start with `_`
/// or `.`, so neither is read as data. A part is made when its first item comes, so that no
/// part is empty. A run that stops before its first item leaves the folder as it found it: no
/// manifest, the earlier contents that --overwrite would replace, and no folder when it made
/// the folder.
final class PartFolder: FinishingOutput {
    static let manifestName = "_manifest.json"
    static let successName = "_SUCCESS"
    private let directory: String
    private let shards: Int
    private let gzip: Bool
    private var parts: [PartFile] = []
    private var items: [Int] = []
    private var ndjsonBytes: [Int] = []
    private let source: String
    private let info: () -> ExportInfo?
    /// What the run found at its folder; `.toReplace` until the old contents are removed.
    private var state: OutputFolder.State
    /// Where a note for the user goes (what --overwrite removed, fewer parts than asked for).
    private let report: (String) -> Void

    init(
        directory: String, state: OutputFolder.State, shards: Int, gzip: Bool, source: String,
        report: @escaping (String) -> Void, info: @escaping () -> ExportInfo?
    ) {
        self.directory = directory
        self.state = state
        self.shards = shards
        self.gzip = gzip
        self.source = source
        self.report = report
        self.info = info
    }

    /// Removes what the folder held before the run, when --overwrite said to replace it.
    private func replaceEarlierContents() throws(CLIFailure) {
        guard case .toReplace(let held) = state else { return }
        try OutputFolder.replaceContents(of: directory)
        state = .empty
        report("--overwrite removed what \(directory) held: \(held)")
    }

    private func name(ofPart index: Int) -> String {
        "part-" + String(index).leftPadded(5) + (gzip ? ".ndjson.gz" : ".ndjson")
    }

    /// Writes an item's line to a new part while there are fewer than asked for, else to the
    /// part with the fewest bytes so far.
    func write(_ json: [UInt8]) throws(CLIFailure) {
        let target: Int
        if parts.isEmpty { try replaceEarlierContents() }
        if parts.count < shards {
            target = parts.count
            parts.append(try PartFile(path: directory + "/" + name(ofPart: target), gzip: gzip))
            items.append(0)
            ndjsonBytes.append(0)
        } else {
            target = ndjsonBytes.indices.min { ndjsonBytes[$0] < ndjsonBytes[$1] }!
        }
        try parts[target].writeLine(json)
        items[target] += 1
        ndjsonBytes[target] += json.count + 1
    }

    /// Closes every part (each gets its gzip trailer, whatever happens to the others), then
    /// writes the manifest, and after a complete run the `_SUCCESS` marker.
    func finish(complete: Bool) throws(CLIFailure) {
        var firstFailure: CLIFailure?
        var manifestParts: [JSONValue] = []
        for (index, part) in parts.enumerated() {
            do throws(CLIFailure) {
                try part.close()
            } catch {
                firstFailure = firstFailure ?? error
            }
            manifestParts.append(.object([
                "file": .string(name(ofPart: index)),
                "media_items": .integer(items[index]),
                "ndjson_bytes": .integer(ndjsonBytes[index]),
                "file_bytes": .integer(part.fileBytes),
            ]))
        }
        let isComplete = complete && firstFailure == nil
        if !isComplete, parts.isEmpty {
            // Nothing to keep: the folder is left as the run found it.
            if case .made = state { rmdir(directory) }
            return
        }
        // A complete run of no item replaces the folder's contents too.
        try replaceEarlierContents()
        let manifest: JSONValue = .object([
            "source": .string(source),
            "complete": .bool(isComplete),
            "media_items": .integer(items.reduce(0, +)),
            "shards": .array(manifestParts),
            "info": info().map { .object($0.json) } ?? .null,
        ])
        let manifestFile = try OutputStream(creating: directory + "/" + Self.manifestName)
        try manifestFile.writeLine(manifest.compactJSON)
        try manifestFile.flush()
        if let firstFailure { throw firstFailure }
        if isComplete {
            try OutputStream(creating: directory + "/" + Self.successName).flush()
            if parts.count < shards {
                let count = items.reduce(0, +)
                report("\(count) media item\(count == 1 ? "" : "s"), fewer than --shards \(shards): \(parts.count) part\(parts.count == 1 ? "" : "s") written, none empty")
            }
        }
    }
}

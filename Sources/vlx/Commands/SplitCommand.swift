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
        engine reads them in parallel. DIR/_manifest.json lists each part's items
        and bytes and the export's info, and says whether the export was read
        to its end ("complete"); its name starts with _ so that engines reading
        the folder pass over it, as they pass over Hadoop's _SUCCESS.
        """
    )

    @Argument(help: "The export: a path, or - or nothing for standard input.")
    var file: String?

    @OptionGroup var read: ReadOptions

    @Option(help: "How many part files to write.")
    var shards: Int

    @Option(help: "The directory to write the parts and manifest into; created if missing.")
    var out: String

    @Flag(help: "Compress each part with gzip.")
    var gzip = false

    func validate() throws {
        guard (1...10_000).contains(shards) else { throw ValidationError("--shards must be between 1 and 10000.") }
    }

    func run() async throws {
        try await ExportRun.perform(file, read) { run in
            let parts = run.adopt(try PartFolder(directory: out, count: shards, gzip: gzip, source: run.input.name) { run.reader.info })
            for try await raw in run.reader.rawItems {
                run.input.progress.addItem()
                try parts.write(raw.json)
            }
        }
    }
}

/// The part files of `vlx split` and their manifest, written once the parts are closed.
///
/// The manifest is `_manifest.json`: engines that read a folder (Spark, Hive, Hadoop's
/// input formats) pass over files whose names start with `_` or `.`, so it is never read
/// as data. It says whether the walk read the whole export (`complete`).
final class PartFolder: FinishingOutput {
    static let manifestName = "_manifest.json"
    private let directory: String
    private let names: [String]
    private let parts: [PartFile]
    private var items: [Int]
    private var ndjsonBytes: [Int]
    private let source: String
    private let info: () -> ExportInfo?

    init(directory: String, count: Int, gzip: Bool, source: String, info: @escaping () -> ExportInfo?) throws(CLIFailure) {
        if mkdir(directory, 0o755) != 0, errno != EEXIST {
            throw CLIFailure(.ioFailure, "cannot create \(directory): \(SystemError.current)")
        }
        self.directory = directory
        self.source = source
        self.info = info
        names = (0..<count).map { "part-" + String($0).leftPadded(5) + (gzip ? ".ndjson.gz" : ".ndjson") }
        var parts: [PartFile] = []
        for name in names {
            parts.append(try PartFile(path: directory + "/" + name, gzip: gzip))
        }
        self.parts = parts
        items = [Int](repeating: 0, count: count)
        ndjsonBytes = [Int](repeating: 0, count: count)
    }

    /// Writes an item's line to the part with the fewest bytes so far.
    func write(_ json: [UInt8]) throws(CLIFailure) {
        let target = ndjsonBytes.indices.min { ndjsonBytes[$0] < ndjsonBytes[$1] }!
        try parts[target].writeLine(json)
        items[target] += 1
        ndjsonBytes[target] += json.count + 1
    }

    /// Closes every part (each gets its gzip trailer, whatever happens to the others), then
    /// writes the manifest.
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
                "file": .string(names[index]),
                "media_items": .integer(items[index]),
                "ndjson_bytes": .integer(ndjsonBytes[index]),
                "file_bytes": .integer(part.fileBytes),
            ]))
        }
        let manifest: JSONValue = .object([
            "source": .string(source),
            "complete": .bool(complete && firstFailure == nil),
            "media_items": .integer(items.reduce(0, +)),
            "shards": .array(manifestParts),
            "info": info().map { .object($0.json) } ?? .null,
        ])
        let manifestFile = try OutputStream(path: directory + "/" + Self.manifestName)
        try manifestFile.writeLine(manifest.compactJSON)
        try manifestFile.flush()
        if let firstFailure { throw firstFailure }
    }
}

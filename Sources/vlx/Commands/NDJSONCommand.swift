import ArgumentParser
import VLExport

/// `vlx ndjson`: one media item per line.
struct NDJSONCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ndjson",
        abstract: "Write one media item per line: lossless by default, or in one canonical shape with --normalize.",
        discussion: """
        Lossless: each line is the item exactly as the export holds it (keys in
        order, strings with their escapes, numbers with their text) without white
        space. --normalize writes the typed form instead: the metadata type always
        under "metadata_type", numeric strings in known numeric fields as numbers,
        "file_size_bytes" beside "file_size", unknown fields as they were.
        """
    )

    @OptionGroup var dataset: DatasetArguments

    @Flag(help: "Write the typed, canonical form of each item instead of its bytes.")
    var normalize = false

    @OptionGroup var limit: ItemLimit

    @Option(name: [.short, .customLong("output")], help: "Write to this file instead of standard output.")
    var output: String?

    func run() async throws {
        var written = 0
        try await ExportRun.perform(dataset, opening: { run in try run.openOutput(output) }) { run, out in
            if limit.isReached(by: written) { return }
            if normalize, limit.limit != nil {
                for try await json in run.reader.normalizedItems {
                    try out.writeLine(json)
                    run.input.progress.addItem()
                    written += 1
                    if limit.isReached(by: written) { break }
                }
            } else if normalize {
                // Each item is written out on the worker that read it, from the events, and the
                // lines of the items a worker reads together come in one piece.
                let batches = run.reader.normalizedItems.batches(into: NDJSONLines.init, adding: { $0.append($1) })
                for try await lines in batches {
                    try out.write(lines.bytes)
                    run.input.progress.addItems(lines.count)
                }
            } else if dataset.read.strictSchema {
                // The bytes are written as they are; --strict-schema asks that every value be read
                // as its field's kind too, which only the typed walk does.
                for try await both in run.reader.mediaItemsWithJSON {
                    try out.writeLine(both.raw.json)
                    run.input.progress.addItem()
                    written += 1
                    if limit.isReached(by: written) { break }
                }
            } else {
                for try await item in run.reader.rawItems {
                    try out.writeLine(item.json)
                    run.input.progress.addItem()
                    written += 1
                    if limit.isReached(by: written) { break }
                }
            }
        }
    }
}

/// Lines of NDJSON, one per item, each ended by a line feed.
struct NDJSONLines: Sendable {
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0

    mutating func append(_ json: [UInt8]) {
        if bytes.isEmpty { bytes.reserveCapacity(Self.batchRoom) }
        bytes.append(contentsOf: json)
        bytes.append(0x0A)
        count += 1
    }

    /// Room for the lines of a worker's batch (about 256 KiB of the export, a little more once
    /// normalized), made at the first line: growing item by item instead costs copies and, as
    /// the allocator hands back and maps again the room of the batch before, page faults.
    private static var batchRoom: Int { 320 << 10 }
}

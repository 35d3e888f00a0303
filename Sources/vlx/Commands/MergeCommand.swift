import ArgumentParser
import VLExport

/// `vlx merge`: many exports (pages of one dataset, or several datasets) into one.
struct MergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge exports into one: each media_id once, the first copy kept, in the order first seen.",
        discussion: """
        The inputs are read in the order given; each may be plain JSON, gzip or a
        ZIP download, and - (once) is standard input. An item whose media_id was
        already written is left out; if its content differs from the copy kept,
        both places are named on standard error. Items without a media_id are
        all kept. --keep-duplicates writes every item.

        The output is an export (info is the first input's, its description
        naming the merge, total_media_items the number of items written) or
        NDJSON. Memory stays bounded but for the media_ids seen: 24 bytes for
        each UUID, with a hash of its first copy and where that came from, in a
        table at most 7/8 full: 27 to 55 MB per million items.
        """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case export, ndjson
    }

    @Argument(help: "The exports: paths, or - for standard input.")
    var files: [String]

    @OptionGroup var read: ReadOptions

    @Option(help: "export (one export holding every item) or ndjson (one item per line).")
    var format: OutputFormat = .export

    @Flag(help: "Write every item, repeated media_ids included.")
    var keepDuplicates = false

    @Option(name: [.short, .customLong("output")], help: "Write to this file instead of standard output.")
    var output: String?

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("Give at least one export to merge.") }
        guard files.count(where: { $0 == "-" }) <= 1 else { throw ValidationError("Standard input (-) can be given once.") }
    }

    func run() async throws {
        var merge = MergeState(keepsDuplicates: keepDuplicates)
        var document: ExportDocumentWriter?
        var lines: OutputStream?
        var names: [String] = []
        let inputCount = files.count
        // The summary, once the output is open: after a usage error there is nothing to sum up.
        defer { if !read.quiet, !names.isEmpty { merge.printSummary(inputs: names) } }
        try await ExportRun.performEach(files, read, properties: .only([.mediaID])) { run, position in
            if position == 0 {
                let reader = run.reader
                let out = try run.openOutput(output)
                switch format {
                case .export:
                    document = run.adopt(try ExportDocumentWriter(out) { Self.mergedInfo(reader.info, inputs: inputCount) })
                case .ndjson:
                    lines = out
                }
            }
            names.append(run.input.name)
            for try await both in run.reader.mediaItemsWithJSON {
                run.input.progress.addItem()
                guard merge.admit(both, input: position, names: names, quiet: read.quiet) else { continue }
                if let document {
                    try document.append(both.raw.json)
                } else {
                    try lines?.writeLine(both.raw.json)
                }
            }
        }
    }

    /// The first input's `info`, its description naming the merge (`total_media_items` is set
    /// by the document writer).
    static func mergedInfo(_ info: ExportInfo?, inputs: Int) -> JSONObject {
        ExportDocumentWriter.info(info, noting: "merged by vlx merge from \(inputs) export\(inputs == 1 ? "" : "s")")
    }
}

/// What `vlx merge` has seen: each media_id with a hash of its first copy and where that
/// copy came from, and the counts it reports.
struct MergeState {
    private var index = MediaIDIndex()
    /// The number of items read before each input, to name an item by input and position.
    private var firstOrdinals: [Int] = []
    private var itemsRead = 0
    private let keepsDuplicates: Bool
    private(set) var itemsWritten = 0
    private(set) var repeatsLeftOut = 0
    private(set) var conflicts = 0
    private(set) var itemsWithoutID = 0
    /// Conflicts printed before the rest are only counted.
    static let printedConflictLimit = 20

    init(keepsDuplicates: Bool) {
        self.keepsDuplicates = keepsDuplicates
    }

    /// Whether the item is written: its media_id is new, or it has none, or repeats are kept.
    /// A repeat whose content differs from the copy kept is reported with both places.
    mutating func admit(_ both: MediaItemWithJSON, input: Int, names: [String], quiet: Bool) -> Bool {
        while firstOrdinals.count <= input { firstOrdinals.append(itemsRead - both.raw.index) }
        let ordinal = itemsRead
        itemsRead += 1
        guard let mediaID = both.item.mediaID else {
            itemsWithoutID += 1
            itemsWritten += 1
            return true
        }
        if keepsDuplicates {
            itemsWritten += 1
            return true
        }
        let contentHash = UInt32(truncatingIfNeeded: both.raw.json.withUnsafeBytes { StringHashing.hash($0) })
        guard let first = index.insert(mediaID, contentHash: contentHash, ordinal: UInt32(truncatingIfNeeded: ordinal)) else {
            itemsWritten += 1
            return true
        }
        repeatsLeftOut += 1
        if first.contentHash != contentHash {
            conflicts += 1
            if !quiet, conflicts <= Self.printedConflictLimit {
                let kept = place(ordinal: Int(first.ordinal), names: names)
                Terminal.printError("vlx merge: media_id \(mediaID): \(names[input]) item \(both.raw.index) differs from the copy kept, \(kept); left out")
            }
        }
        return false
    }

    /// `FILE item N` for the item read `ordinal`-th over all inputs.
    private func place(ordinal: Int, names: [String]) -> String {
        let input = (firstOrdinals.lastIndex { $0 <= ordinal }) ?? 0
        return "\(names[input]) item \(ordinal - firstOrdinals[input])"
    }

    /// What was written and left out, on standard error.
    func printSummary(inputs names: [String]) {
        if conflicts > Self.printedConflictLimit {
            Terminal.printError("vlx merge: \(conflicts - Self.printedConflictLimit) more repeated media_ids with different content")
        }
        var line = "vlx merge: \(itemsWritten) items written from \(names.count) input\(names.count == 1 ? "" : "s")"
        if repeatsLeftOut > 0 { line += "; \(repeatsLeftOut) repeated media_ids left out (\(conflicts) with different content)" }
        if itemsWithoutID > 0 { line += "; \(itemsWithoutID) items without a media_id kept" }
        Terminal.printError(line)
    }
}

/// The media_ids a merge has seen, each with a 32-bit hash of its first copy's JSON and that
/// copy's position over all inputs, in an ``IdentifierTable``.
struct MediaIDIndex {
    struct FirstCopy {
        var contentHash: UInt32
        var ordinal: UInt32
    }

    private var table = IdentifierTable()

    /// Adds the media_id; returns nil when it is new, or its first copy when it was seen before.
    mutating func insert(_ mediaID: String, contentHash: UInt32, ordinal: UInt32) -> FirstCopy? {
        let packed = UInt64(contentHash) << 32 | UInt64(ordinal)
        let previous = table.insertIfAbsent(PackedIdentifier(mediaID), value: packed)
        return previous.map { FirstCopy(contentHash: UInt32(truncatingIfNeeded: $0 >> 32), ordinal: UInt32(truncatingIfNeeded: $0)) }
    }

    /// The 128 bits of a canonical lowercase UUID; nil for any other text.
    static func uuidBits(_ text: String) -> (UInt64, UInt64)? {
        PackedIdentifier.uuidBits(text)
    }
}

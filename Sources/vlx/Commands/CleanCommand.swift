import ArgumentParser
import VLExport

/// `vlx clean`: the dataset without what Visual Layer flagged, and the reason for each item left out.
struct CleanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract: "Write the dataset without the items flagged by the issues given, and one item per duplicate group.",
        discussion: """
        --drop-issue TYPE leaves out an item with an issue of that type on itself;
        the same issue on one of its objects removes that object from the item
        written, and the item stays. With --min-confidence, only issues whose
        confidence is at least that count (duplicates included); without it, an
        issue counts whatever its confidence.

        --dedupe keeps one item per duplicate group: in the order read, an item
        that shares a group (a duplicate_group_id of its own duplicates issues)
        with an item already kept is left out; otherwise it is kept and claims
        all its groups. Groups on objects drop no item. Memory stays bounded but
        for the groups claimed: 24 to 48 bytes for each UUID, and 24 for the
        media_id of each item that claimed one (more for ids that are no UUID).

        Items are written as the export holds them, but for the objects removed.
        The inputs are read in order as one dataset. A summary goes to standard
        error; --dropped writes a TSV of every item left out (media_id,
        file_path, reason, detail: the confidence of the issue, or the media_id
        kept for the duplicate group), with tabs, line breaks and backslashes in
        values written \\t, \\n, \\r and \\\\.
        """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case ndjson, export, paths
    }

    @Argument(help: "The exports, read as one dataset: paths, or - or nothing for standard input.")
    var files: [String] = []

    @OptionGroup var read: ReadOptions

    @Option(help: "Leave out items with an issue of this type (duplicates, mislabels, outliers, blur, dark…; either spelling), and objects with one; repeatable.")
    var dropIssue: [String] = []

    @Option(help: "Count only issues whose confidence is at least this (0 to 1).")
    var minConfidence: Double?

    @Flag(help: "Keep one item per duplicate group: the first one read.")
    var dedupe = false

    @Option(help: "ndjson (one item per line), export (a valid export with info and the new total) or paths (each item's file_path, or file_name when it has none, one per line).")
    var format: OutputFormat = .ndjson

    @Flag(name: [.customShort("0"), .customLong("null")], help: "With --format paths, end each path with a NUL byte instead of a line feed (for xargs -0, rsync --from0).")
    var nulSeparated = false

    @Option(help: "Write a TSV of the items left out, with the reason for each, to this file.")
    var dropped: String?

    @Option(name: [.short, .customLong("output")], help: "Write to this file instead of standard output.")
    var output: String?

    func validate() throws {
        guard !dropIssue.isEmpty || dedupe else {
            throw ValidationError("Nothing to leave out: give --drop-issue TYPE, --dedupe, or both.")
        }
        try ItemConditions.checkRange(minConfidence, of: "--min-confidence")
        if nulSeparated, format != .paths { throw ValidationError("-0 separates paths: it goes with --format paths.") }
        if let dropped, dropped == output { throw ValidationError("--dropped and --output name the same file.") }
        if dropped == "-" { throw ValidationError("--dropped writes a file; standard output is for the items kept.") }
        guard files.count(where: { $0 == "-" }) <= 1 else { throw ValidationError("Standard input (-) can be given once.") }
    }

    func run() async throws {
        let rules = CleaningRules(dropping: dropIssue.map(CleaningRules.issueType), minConfidence: minConfidence, dedupe: dedupe)
        let summary = CleanSummary()
        var writer: CleanOutput?
        var groups = DuplicateGroups()
        let inputs: [String?] = files.isEmpty ? [nil] : files
        defer { if !read.quiet, writer != nil { summary.print(rules) } }
        // The ids and paths are read only for what is written with them.
        var properties: Set<PropertySelection.Key> = [.issueType, .confidence]
        if dedupe { properties.insert(.duplicateGroupID) }
        if dropped != nil { properties.formUnion([.mediaID, .filePath, .fileName]) }
        if format == .paths { properties.formUnion([.filePath, .fileName]) }
        try await ExportRun.performEach(inputs, read, properties: .only(properties)) { run, position in
            if position == 0 {
                writer = try CleanOutput(
                    run: run, path: output, format: format, nulSeparated: nulSeparated, droppedPath: dropped, summary: summary
                )
            }
            guard let writer else { return }
            // Each item is judged on the worker that read it, and the JSON of those it does not
            // leave out is joined there as lines; this loop decides the duplicate groups, in order.
            let copiesJSON = format != .paths
            let batches = run.reader.mediaItemsWithJSON.batches(into: CleanBatch.init, adding: { batch, both in
                batch.add(rules.verdict(on: both), copyingJSON: copiesJSON)
            })
            for try await batch in batches {
                run.input.progress.addItems(batch.verdicts.count)
                try writer.write(batch, groups: &groups, summary: summary)
            }
        }
    }
}

/// What `vlx clean` leaves out, decided per item on the worker that read it.
struct CleaningRules: Sendable {
    let dropping: [IssueType]
    let minConfidence: Double?
    let dedupe: Bool

    /// The type a `--drop-issue` value names: a known type in any case (`Blur`), else as written.
    static func issueType(_ name: String) -> IssueType {
        let type = IssueType(rawValue: name)
        let lowercased = IssueType(rawValue: name.lowercased())
        return type.kind == .other && lowercased.kind != .other ? lowercased : type
    }

    /// Whether an issue counts: its confidence reaches the threshold, or there is none.
    func counts(_ issue: Issue) -> Bool {
        guard let minConfidence else { return true }
        guard let confidence = issue.confidence else { return false }
        return confidence >= minConfidence
    }

    /// Whether an issue is one of the types to drop, and counts.
    func drops(_ issue: Issue) -> Bool {
        dropping.contains { ItemConditions.kind($0, includes: issue.issueType) } && counts(issue)
    }

    /// The item's fate as far as the item alone decides it; duplicate groups are decided in order.
    func verdict(on both: MediaItemWithJSON) -> ItemVerdict {
        let item = both.item
        var verdict = ItemVerdict(json: both.raw.json, mediaID: item.mediaID, path: item.filePath ?? item.fileName)
        var removedObjects: Set<Int> = []
        for (position, metadata) in item.metadataItems.enumerated() {
            switch metadata.content {
            case .issue(let issue):
                if verdict.droppedFor == nil, drops(issue) {
                    verdict.droppedFor = .issue(issue.issueType.map(Self.reasonName) ?? "issue", confidence: issue.confidence)
                }
                if dedupe, issue.issueType?.kind == .duplicates, counts(issue), let group = issue.duplicateGroupID {
                    verdict.groups.append(PackedIdentifier(group.description))
                }
            case .objectLabel(let object) where !dropping.isEmpty:
                let flagged = object.metadataItems.contains { nested in
                    if case .issue(let issue) = nested.content { return drops(issue) }
                    return false
                }
                if flagged { removedObjects.insert(position) }
            default:
                break
            }
        }
        if verdict.droppedFor == nil, !removedObjects.isEmpty {
            verdict.json = Self.removingMetadataItems(at: removedObjects, from: both.raw.json)
            verdict.objectsRemoved = removedObjects.count
        }
        return verdict
    }

    /// The name of a reason: the kind's usual spelling, or the type as written.
    static func reasonName(_ type: IssueType) -> String {
        type.kind == .other ? type.rawValue : type.kind.rawValue
    }

    /// The item's JSON without the elements of `metadata_items` at `positions` (the typed
    /// item's metadata items stand in the same order, unreadable ones included).
    static func removingMetadataItems(at positions: Set<Int>, from json: [UInt8]) -> [UInt8] {
        guard case .object(var object)? = try? JSONValue(parsing: json),
              let member = object.members.lastIndex(where: { $0.key == "metadata_items" }),
              case .array(let elements) = object.members[member].value
        else { return json }
        object.members[member].value = .array(elements.enumerated().filter { !positions.contains($0.offset) }.map(\.element))
        var writer = JSONWriter(capacity: json.count)
        writer.write(.object(object))
        return writer.takeBytes()
    }
}

/// One item as `vlx clean` decided on it where it was read.
struct ItemVerdict: Sendable {
    /// Why the item is left out.
    enum Reason: Sendable {
        /// An issue of a type to drop, of this reason name, with its confidence.
        case issue(String, confidence: Double?)
    }

    /// The JSON to write if the item is kept: as read, or without the objects removed (moved
    /// into its batch's lines by ``CleanBatch/add(_:copyingJSON:)``).
    var json: [UInt8]
    /// Where its line is in its batch's lines: empty when it was left out for its issues.
    var line = 0..<0
    var mediaID: String?
    /// `file_path`, or `file_name` when there is none.
    var path: String?
    var droppedFor: Reason?
    var objectsRemoved = 0
    /// The duplicate groups of the item's own duplicates issues that count (with --dedupe).
    var groups: [PackedIdentifier] = []
}

/// The items of a run of consecutive items, as `vlx clean` judged them where they were read, and
/// the lines of those not left out for their issues.
struct CleanBatch: Sendable {
    var verdicts: [ItemVerdict] = []
    /// The JSON of each item not left out for its issues, each followed by a line feed.
    var lines: [UInt8] = []

    mutating func add(_ verdict: consuming ItemVerdict, copyingJSON: Bool) {
        var verdict = verdict
        if verdict.droppedFor == nil, copyingJSON {
            let start = lines.count
            lines.append(contentsOf: verdict.json)
            lines.append(0x0A)
            verdict.line = start..<lines.count
        } else {
            verdict.line = lines.count..<lines.count
        }
        verdict.json = []
        verdicts.append(verdict)
    }
}

/// The counts `vlx clean` reports.
final class CleanSummary {
    var kept = 0
    var droppedByReason: [String: Int] = [:]
    var objectsRemoved = 0
    var itemsWithoutPath = 0
    var pathsWithLineFeeds = 0

    var dropped: Int { droppedByReason.values.reduce(0, +) }

    /// A line such as "kept 9512 of 10000 media items; left out 488: 301 duplicate, 187 blur".
    var line: String {
        let reasons = droppedByReason.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.value) \($0.key)" }
        var text = "kept \(kept) of \(kept + dropped) media item\(kept + dropped == 1 ? "" : "s")"
        text += dropped == 0 ? "; left out none" : "; left out \(dropped): \(reasons.joined(separator: ", "))"
        if objectsRemoved > 0 { text += "; removed \(objectsRemoved) object\(objectsRemoved == 1 ? "" : "s") from the items kept" }
        return text
    }

    func print(_ rules: CleaningRules) {
        Terminal.printError("vlx clean: \(line)")
        if rules.dedupe, rules.dropping.contains(where: { $0.kind == .duplicates }) {
            Terminal.printError("vlx clean: --drop-issue duplicates left out every item with a duplicates issue, so --dedupe kept none of them")
        }
        // A misspelt type drops nothing: say so, with the types Visual Layer reports.
        for type in rules.dropping where type.kind == .other && droppedByReason[type.rawValue] == nil {
            let known = IssueType.Kind.allCases.filter { $0 != .other }.map(\.rawValue).joined(separator: ", ")
            Terminal.printError("vlx clean: no item had an issue of type '\(type.rawValue)', which is not one Visual Layer reports (\(known))")
        }
        if itemsWithoutPath > 0 {
            Terminal.printError("vlx clean: \(itemsWithoutPath) item(s) kept have neither file_path nor file_name and are not listed")
        }
        if pathsWithLineFeeds > 0 {
            Terminal.printError("vlx clean: \(pathsWithLineFeeds) path(s) hold a line feed, which splits them in two: use -0")
        }
    }
}

/// Where `vlx clean` writes: the items kept in the format asked, and the TSV of those left out.
final class CleanOutput {
    private let out: OutputStream
    private let document: ExportDocumentWriter?
    private let format: CleanCommand.OutputFormat
    private let separator: UInt8
    private let droppedList: OutputStream?

    init(
        run: ExportRun, path: String?, format: CleanCommand.OutputFormat, nulSeparated: Bool, droppedPath: String?, summary: CleanSummary
    ) throws(CLIFailure) {
        out = try run.openOutput(path)
        self.format = format
        separator = nulSeparated ? 0 : 0x0A
        let reader = run.reader
        document = format == .export
            ? run.adopt(try ExportDocumentWriter(out) { ExportDocumentWriter.info(reader.info, noting: "cleaned by vlx clean: \(summary.line)") })
            : nil
        droppedList = try droppedPath.map { path throws(CLIFailure) in
            let list = try run.openOutput(path)
            var header = TableRowWriter(format: .tsv, columns: Self.droppedColumns)
            header.writeHeader()
            try list.write(header.takeBytes())
            return list
        }
    }

    /// Writes the batch's items that are kept, and lists those left out: for their issues, or
    /// as duplicates of items kept before (the groups decide, in order). NDJSON is written in
    /// runs of consecutive lines kept.
    func write(_ batch: CleanBatch, groups: inout DuplicateGroups, summary: CleanSummary) throws(CLIFailure) {
        var unwritten = 0
        for verdict in batch.verdicts {
            if case .issue(let reason, let confidence)? = verdict.droppedFor {
                try leaveOut(verdict, reason: reason, summary: summary) { row in
                    if let confidence { row.number(confidence) } else { row.empty() }
                }
                continue
            }
            if let keeper = groups.claim(for: verdict) {
                if format == .ndjson { try out.write(batch.lines[unwritten..<verdict.line.lowerBound]) }
                unwritten = verdict.line.upperBound
                try leaveOut(verdict, reason: "duplicate", summary: summary) { row in row.text(keeper ?? "") }
                continue
            }
            try write(verdict, from: batch.lines, summary: summary)
        }
        if format == .ndjson { try out.write(batch.lines[unwritten...]) }
    }

    /// Counts an item kept, and writes it unless it is NDJSON (written in runs).
    private func write(_ verdict: ItemVerdict, from lines: [UInt8], summary: CleanSummary) throws(CLIFailure) {
        summary.kept += 1
        summary.objectsRemoved += verdict.objectsRemoved
        switch format {
        case .ndjson: break
        case .export: try document?.append(lines[verdict.line.dropLast()])
        case .paths:
            guard let path = verdict.path else {
                summary.itemsWithoutPath += 1
                return
            }
            if separator != 0, path.utf8.contains(0x0A) { summary.pathsWithLineFeeds += 1 }
            try out.write(path)
            try out.write(CollectionOfOne(separator))
        }
    }

    /// The columns of the list of items left out.
    static let droppedColumns = ["media_id", "file_path", "reason", "detail"]

    /// Counts an item left out, and lists it with its reason and the detail `writeDetail` writes.
    private func leaveOut(
        _ verdict: ItemVerdict, reason: String, summary: CleanSummary, writeDetail: (inout TableRowWriter) -> Void
    ) throws(CLIFailure) {
        summary.droppedByReason[reason, default: 0] += 1
        guard let droppedList else { return }
        var row = TableRowWriter(format: .tsv, columns: Self.droppedColumns)
        row.beginRow()
        row.text(verdict.mediaID ?? "")
        row.text(verdict.path ?? "")
        row.text(reason)
        writeDetail(&row)
        row.endRow()
        try droppedList.write(row.takeBytes())
    }
}

/// The duplicate groups claimed so far, in the order the items come: each with the media_id of
/// the item that claimed it.
struct DuplicateGroups {
    private var claimed = IdentifierTable()
    /// The media_ids of the items that claimed groups, by their place in this list.
    private var keepers: [PackedIdentifier?] = []

    /// For an item not left out for its issues: the media_id of the item kept for one of its
    /// groups (`.some(nil)` when that item had none), so that this one is a duplicate; or nil,
    /// when none of its groups was claimed: it is kept, and claims them all.
    mutating func claim(for verdict: ItemVerdict) -> String?? {
        let groups = verdict.groups
        guard !groups.isEmpty else { return nil }
        for group in groups {
            if let keeper = claimed.value(for: group) { return .some(keepers[Int(keeper)]?.text) }
        }
        keepers.append(verdict.mediaID.map(PackedIdentifier.init))
        for group in groups { _ = claimed.insertIfAbsent(group, value: UInt64(keepers.count - 1)) }
        return nil
    }
}

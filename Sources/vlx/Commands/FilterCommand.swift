import ArgumentParser
import VLExport

/// `vlx filter`: the items that match, losslessly.
struct FilterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filter",
        abstract: "Keep the media items that match every condition given; write them as NDJSON or as an export.",
        discussion: """
        Items are written exactly as the export holds them. Different conditions
        combine with "and"; a condition given more than once (--label person
        --label car) means any of its values. A value that no item has is said on
        standard error at the end, with the values the items did have. --issue and
        --min-confidence look at every issue of an item, those under its objects
        included; a confidence written as a string counts as its number. filter
        reads the values its conditions look at and passes over the rest, so a
        value it does not look at is not checked; vlx validate checks everything.
        """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case ndjson, export
    }

    @OptionGroup var dataset: DatasetArguments

    @Option(help: "Keep items of this media type (image, video_frame, …); repeatable: any of them.")
    var mediaType: [String] = []

    @Option(help: "Keep items with an issue of this type (duplicates, mislabels, outliers, blur…; either spelling); repeatable: any of them.")
    var issue: [String] = []

    @Option(help: "Keep items with an issue (of the --issue types, if given) whose confidence is at least this (0 to 1).")
    var minConfidence: Double?

    @Option(help: "Keep items with an image label or object of this category name; repeatable: any of them.")
    var label: [String] = []

    @Option(help: "Keep items with a user tag of this name; repeatable: any of them.")
    var tag: [String] = []

    @Option(help: "Keep items whose uniqueness score is at least this (0 to 1).")
    var minUniqueness: Double?

    @Flag(name: [.customShort("v"), .customLong("invert")], help: "Keep the items that do not match instead, as grep -v.")
    var invert = false

    @OptionGroup var limit: ItemLimit

    @Option(help: "ndjson (one item per line) or export (a valid export with info and the new total).")
    var format: OutputFormat = .ndjson

    @Option(name: [.short, .customLong("output")], help: "Write to this file instead of standard output.")
    var output: String?

    func validate() throws {
        try ItemConditions.checkRange(minConfidence, of: "--min-confidence")
        try ItemConditions.checkRange(minUniqueness, of: "--min-uniqueness")
    }

    func run() async throws {
        let conditions = ItemConditions(
            mediaTypes: mediaType, issueKinds: issue.map { IssueType(rawValue: $0) }, minConfidence: minConfidence,
            labels: label, tags: tag, minUniqueness: minUniqueness
        )
        var held = HeldValues(for: conditions)
        var written = 0
        let opening = { (run: ExportRun) throws -> (OutputStream, ExportDocumentWriter?) in
            // An export written holds the info of the first export read.
            let reader = run.reader
            let out = try run.openOutput(output)
            return (out, format == .export ? run.adopt(try ExportDocumentWriter(out) { reader.info?.json ?? JSONObject() }) : nil)
        }
        try await ExportRun.perform(dataset, properties: Self.properties, opening: opening) { run, outputs in
            let (out, document) = outputs
            let reader = run.reader
            // Each item is tested on the worker that read it; the bytes of the matches among the
            // items a worker reads together come back joined, as the output has them.
            let joinsAsLines = document == nil
            let invert = invert
            if limit.limit != nil {
                // One item at a time, so that the walk stops at the last item to write.
                for try await both in reader.mediaItemsWithJSON {
                    if limit.isReached(by: written) { break }
                    run.input.progress.addItem()
                    held.add(both.item)
                    guard conditions.match(both.item) != invert else { continue }
                    if let document { try document.append(both.raw.json) } else { try out.writeLine(both.raw.json) }
                    written += 1
                    if limit.isReached(by: written) { break }
                }
                return
            }
            let matches = reader.mediaItemsWithJSON.batches(into: { FilterMatches(held: HeldValues(for: conditions)) }, adding: { matches, both in
                if conditions.match(both.item) != invert { matches.add(both.raw.json, asLine: joinsAsLines) }
                matches.held.add(both.item)
                matches.mediaItems += 1
            })
            for try await match in matches {
                run.input.progress.addItems(match.mediaItems)
                held.merge(match.held)
                if let document {
                    try document.append(joinedItems: match.json, count: match.count)
                } else {
                    try out.write(match.json)
                }
            }
        }
        if !dataset.read.quiet {
            for line in held.unmatched(conditions) { Terminal.printError("vlx filter: \(line)") }
        }
    }

    /// What the conditions look at; the walk passes over everything else (the items are written
    /// from their bytes, which the walk keeps whole).
    static let properties = PropertySelection.only([.mediaType, .uniquenessScore, .issueType, .confidence, .categoryName, .tagName])
}

/// The items that matched among a run of consecutive items: their JSON, in order.
struct FilterMatches: Sendable {
    /// The matches' JSON, each followed by a line feed (NDJSON), or separated by commas (the
    /// elements of an export's `media_items`).
    var json: [UInt8] = []
    /// The items that matched.
    var count = 0
    /// The items tested.
    var mediaItems = 0
    /// The values the items tested held for the fields the conditions look at.
    var held: HeldValues

    /// Adds the JSON of an item that matched: as a line, or as the next element of an array.
    mutating func add(_ item: [UInt8], asLine: Bool) {
        if !asLine, count > 0 { json.append(UInt8(ascii: ",")) }
        json.append(contentsOf: item)
        if asLine { json.append(0x0A) }
        count += 1
    }
}

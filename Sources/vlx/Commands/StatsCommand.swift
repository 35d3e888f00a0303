import ArgumentParser
import VLExport

/// `vlx stats`: what an export holds, counted in one pass.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Count what the export holds: items, media types, metadata types, issues, objects, labels, tags, sizes.",
        discussion: """
        With --json, one object whose keys include complete (false when the
        walk stopped at a fault or a signal: the counts then cover the items
        read before it; nothing is printed when it stopped before the first
        item), media_items, media_types,
        metadata_types (over each item's own metadata items, either key spelling),
        issue_types (every issue, those under objects included), objects, labels,
        tags, duplicate_groups, file_size_bytes and the declared total. Memory stays
        bounded: past 16,384 distinct duplicate groups the count is a HyperLogLog
        estimate (about 1% error) and duplicate_groups_exact is false.

        stats reads the values it counts and passes over the rest: the whole
        export must be JSON, but a value it does not count (a height of "abc")
        is not checked. Values it reads that cannot be read as their fields'
        kinds are counted by path (nonconforming_values, indices left out).
        vlx validate checks everything.
        """
    )

    @OptionGroup var dataset: DatasetArguments

    @Flag(help: "Print one JSON object instead of a readable summary.")
    var json = false

    func run() async throws {
        let opening = { (run: ExportRun) throws in run.adopt(StatsReport(out: try run.openOutput(nil), json: json)) }
        try await ExportRun.perform(dataset, properties: ExportStats.properties, opening: opening) { run, report in
            // The total the export declares counts after a fault too, as far as info was read.
            defer { report.addDeclaredTotal(of: run.reader.info) }
            // Each item is counted on the worker that read it, into the counts of the items that
            // worker reads together: this loop only adds those up.
            for try await counts in run.reader.mediaItems.batches(into: ItemCounts.init, adding: { $0.add($1) }) {
                report.stats.add(counts)
                run.input.progress.addItems(counts.mediaItems)
            }
        }
    }
}

/// The counts, printed when the walk ends, whichever way: after a fault they cover the
/// items read before it and say so (`"complete": false`, or a last line in the summary).
final class StatsReport: FinishingOutput {
    var stats = ExportStats()
    private let out: OutputStream
    private let json: Bool
    /// The sum of the `total_media_items` of the exports read; nil once one had none.
    private var declaredTotal: Int? = 0

    init(out: OutputStream, json: Bool) {
        self.out = out
        self.json = json
    }

    /// Adds the total an export declares, once its walk is over.
    func addDeclaredTotal(of info: ExportInfo?) {
        guard let total = declaredTotal, let declared = info?.totalMediaItems else { return declaredTotal = nil }
        declaredTotal = total + declared
    }

    func finish(complete: Bool) throws(CLIFailure) {
        // A run that stopped before its first item has nothing to count (a document that is no
        // export, an input cut inside info): the error says it all.
        guard complete || stats.mediaItems > 0 else { return }
        stats.declaredTotal = declaredTotal
        if json {
            guard case .object(var object) = stats.json else { return }
            object.append(key: "complete", value: .bool(complete))
            try out.writeLine(JSONValue.object(object).compactJSON)
        } else {
            try out.write(stats.summary)
            if !complete { try out.write("incomplete: these counts cover the \(stats.mediaItems) items read before the walk stopped\n") }
        }
        try out.flush()
    }
}

/// Counts over every media item of an export.
struct ExportStats {
    /// What the counts read: the walk passes over every other value (no strings made,
    /// no numbers converted), which is most of what a typed walk costs.
    static let properties = PropertySelection.only([.mediaType, .fileSize, .issueType, .duplicateGroupID, .categoryName, .tagName])

    var mediaItems = 0
    var mediaTypes = StringTally()
    /// Metadata items of the types the reader types, counted by case: no string hashed for them.
    /// (The reader gives a metadata item typed content only when its type names that kind.)
    var typedMetadataItems = [Int](repeating: 0, count: Self.typedMetadataTypes.count)
    /// Metadata items of other types, by type.
    var otherMetadataTypes = StringTally()
    var issueTypes = StringTally()
    var objects = 0
    var objectCategories = StringTally()
    var labels = StringTally()
    var tags = StringTally()
    var duplicateGroups = DistinctCounter()
    var fileSizeBytes = 0
    var itemsWithIssues = 0
    var declaredTotal: Int?
    /// Values that could not be read as their fields' kinds, by path with the indices left out
    /// (`metadata_items[].properties.confidence`).
    var nonconformingValues: [String: Int] = [:]

    static let typedMetadataTypes = ["issue", "user_tag", "image_label", "object_label", "video_info", "caption"]

    /// Adds what one item, or a run of consecutive items, counts.
    mutating func add(_ counts: ItemCounts) {
        mediaItems += counts.mediaItems
        for path in counts.nonconformingPaths {
            nonconformingValues[path, default: 0] += 1
        }
        fileSizeBytes += counts.fileSizeBytes
        for kind in 0..<Self.typedMetadataTypes.count {
            typedMetadataItems[kind] += Int(counts.typedMetadataItems[kind])
        }
        objects += counts.objects
        itemsWithIssues += counts.itemsWithIssues
        for value in counts.values {
            switch value.kind {
            case .mediaType: mediaTypes.add(value.text, hash: value.hash)
            case .otherMetadataType: otherMetadataTypes.add(value.text, hash: value.hash)
            case .issueType: issueTypes.add(value.text, hash: value.hash)
            case .objectCategory: objectCategories.add(value.text, hash: value.hash)
            case .label: labels.add(value.text, hash: value.hash)
            case .tag: tags.add(value.text, hash: value.hash)
            case .duplicateGroup: duplicateGroups.insert(hash: value.hash)
            }
        }
    }

    /// A value's path inside its item with every index left out: `metadata_items[].properties.bbox`.
    static func pathPattern(_ path: String) -> String {
        var pattern = ""
        var inIndex = false
        for character in path {
            if character == "[" {
                inIndex = true
                pattern.append("[]")
            } else if character == "]" {
                inIndex = false
            } else if !inIndex {
                pattern.append(character)
            }
        }
        return pattern.isEmpty ? "(the item itself)" : pattern
    }

    /// Metadata items by type.
    var metadataTypes: [String: Int] {
        var counts = otherMetadataTypes.counts
        for (type, count) in zip(Self.typedMetadataTypes, typedMetadataItems) where count > 0 {
            counts[type, default: 0] += count
        }
        return counts
    }

    var json: JSONValue {
        func counts(_ tally: StringTally) -> JSONValue { counts(tally.counts) }
        func counts(_ dictionary: [String: Int]) -> JSONValue {
            .object(JSONObject(dictionary.sorted { $0.key < $1.key }.map { JSONMember(key: $0.key, value: .integer($0.value)) }))
        }
        return .object([
            "media_items": .integer(mediaItems),
            "declared_media_items": declaredTotal.map(JSONValue.integer) ?? .null,
            "media_types": counts(mediaTypes),
            "metadata_types": counts(metadataTypes),
            "issue_types": counts(issueTypes),
            "items_with_issues": .integer(itemsWithIssues),
            "duplicate_groups": .integer(duplicateGroups.count),
            "duplicate_groups_exact": .bool(duplicateGroups.isExact),
            "objects": .integer(objects),
            "object_categories": counts(objectCategories),
            "labels": counts(labels),
            "tags": counts(tags),
            "file_size_bytes": .integer(fileSizeBytes),
            "nonconforming_values": counts(nonconformingValues),
        ])
    }

    var summary: String {
        func list(_ tally: StringTally, limit: Int = 10) -> String { list(tally.counts, limit: limit) }
        func list(_ dictionary: [String: Int], limit: Int = 10) -> String {
            let sorted = dictionary.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            var text = sorted.prefix(limit).map { "    \($0.key): \($0.value)" }.joined(separator: "\n")
            if sorted.count > limit { text += "\n    … and \(sorted.count - limit) more" }
            return text.isEmpty ? "    (none)" : text
        }
        var lines = ["media items: \(mediaItems)"]
        if let declaredTotal, declaredTotal != mediaItems {
            lines.append("  declared in info: \(declaredTotal)")
        }
        lines.append("media types:\n" + list(mediaTypes))
        lines.append("metadata types:\n" + list(metadataTypes))
        let groups = duplicateGroups.isExact ? "\(duplicateGroups.count)" : "about \(duplicateGroups.count)"
        lines.append("issues: \(issueTypes.total) on \(itemsWithIssues) items, \(groups) duplicate groups\n" + list(issueTypes))
        lines.append("objects: \(objects)\n" + list(objectCategories))
        lines.append("image labels: \(labels.total)\n" + list(labels))
        lines.append("user tags: \(tags.total)\n" + list(tags))
        lines.append("total file size: \(fileSizeBytes) bytes")
        if !nonconformingValues.isEmpty {
            let total = nonconformingValues.values.reduce(0, +)
            lines.append("values that could not be read as their fields' kinds: \(total)\n" + list(nonconformingValues))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// What a run of consecutive media items adds to ``ExportStats``, counted where the items are
/// read (on a worker thread, in the parallel walk): their counts, and each value they tally with
/// its hash, so that the walk's own thread only adds them up and no item is handed to it.
struct ItemCounts: Sendable {
    /// Which tally a value goes to.
    enum Kind: UInt8, Sendable {
        case mediaType, otherMetadataType, issueType, objectCategory, label, tag, duplicateGroup
    }

    /// A value to tally, with its ``StringHashing`` hash (a duplicate group has only its hash).
    struct Value: Sendable {
        var kind: Kind
        var hash: UInt64
        var text: String
    }

    /// The items counted.
    var mediaItems = 0
    var fileSizeBytes = 0
    /// Metadata items of each of ``ExportStats/typedMetadataTypes``, the items' own.
    var typedMetadataItems = SIMD8<Int32>()
    var objects = 0
    var itemsWithIssues = 0
    var values: [Value] = []
    /// The paths of the values that could not be read, indices left out.
    var nonconformingPaths: [String] = []
    /// Whether the item being added has an issue.
    private var itemHasIssue = false

    /// Adds the counts of an item.
    mutating func add(_ item: MediaItem) {
        mediaItems += 1
        for value in item.nonconforming { nonconformingPaths.append(ExportStats.pathPattern(value.path)) }
        fileSizeBytes += item.fileSize?.approximateBytes ?? 0
        itemHasIssue = false
        tally(.mediaType, item.mediaType?.rawValue ?? "(none)")
        // Read in place: iterating the array would copy each 200-byte metadata item out, strings retained.
        item.metadataItems.withUnsafeBufferPointer { metadataItems in
            for index in metadataItems.indices {
                switch metadataItems[index].content {
                case .issue(let issue):
                    typedMetadataItems[0] += 1
                    count(issue)
                case .userTag(let tag):
                    typedMetadataItems[1] += 1
                    tally(.tag, tag.tagName ?? "(none)")
                case .imageLabel(let label):
                    typedMetadataItems[2] += 1
                    tally(.label, label.categoryName ?? "(none)")
                case .objectLabel(let object):
                    typedMetadataItems[3] += 1
                    objects += 1
                    tally(.objectCategory, object.categoryName ?? "(none)")
                    countObjectMetadata(object.metadataItems)
                case .videoInfo:
                    typedMetadataItems[4] += 1
                case .caption:
                    typedMetadataItems[5] += 1
                case .unknown:
                    tally(.otherMetadataType, metadataItems[index].type)
                case .unreadable:
                    tally(.otherMetadataType, "(unreadable)")
                }
            }
        }
        if itemHasIssue { itemsWithIssues += 1 }
    }

    /// Counts the issues, labels and tags of an object (not its metadata types: those count
    /// the item's own).
    private mutating func countObjectMetadata(_ metadataItems: [MetadataItem]) {
        for metadata in metadataItems {
            switch metadata.content {
            case .issue(let issue): count(issue)
            case .imageLabel(let label): tally(.label, label.categoryName ?? "(none)")
            case .userTag(let tag): tally(.tag, tag.tagName ?? "(none)")
            default: break
            }
        }
    }

    private mutating func count(_ issue: Issue) {
        itemHasIssue = true
        tally(.issueType, issue.issueType?.rawValue ?? "(none)")
        switch issue.duplicateGroupID {
        case .identifier(let group)?: values.append(Value(kind: .duplicateGroup, hash: StringHashing.hash(group), text: ""))
        case .integer(let group)?: values.append(Value(kind: .duplicateGroup, hash: StringHashing.hash(String(group)), text: ""))
        case nil: break
        }
    }

    private mutating func tally(_ kind: Kind, _ text: String) {
        values.append(Value(kind: kind, hash: StringHashing.hash(text), text: text))
    }
}

import ArgumentParser
import VLExport

/// `vlx stats`: what an export holds, counted in one pass.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Count what the export holds: items, media types, metadata types, issues, objects, labels, tags, sizes.",
        discussion: """
        With --json, one object whose keys include media_items, media_types,
        metadata_types (over each item's own metadata items, either key spelling),
        issue_types (every issue, those under objects included), objects, labels,
        tags, duplicate_groups, file_size_bytes and the declared total. Memory stays
        bounded: past 16,384 distinct duplicate groups the count is a HyperLogLog
        estimate (about 1% error) and duplicate_groups_exact is false.
        """
    )

    @Argument(help: "The export: a path, or - or nothing for standard input.")
    var file: String?

    @OptionGroup var read: ReadOptions

    @Flag(help: "Print one JSON object instead of a readable summary.")
    var json = false

    func run() async throws {
        let input = try ExportInput.open(file, read)
        var stats = ExportStats()
        try await input.run {
            for try await item in input.reader.mediaItems {
                stats.add(item)
                input.progress.addItem()
            }
        }
        stats.declaredTotal = input.reader.info?.totalMediaItems
        let out = try OutputStream(path: nil)
        if json {
            try out.writeLine(stats.json.compactJSON)
        } else {
            try out.write(stats.summary)
        }
        try out.flush()
        input.reportWarnings(quiet: read.quiet)
    }
}

/// Counts over every media item of an export.
struct ExportStats {
    var mediaItems = 0
    var mediaTypes: [String: Int] = [:]
    var metadataTypes: [String: Int] = [:]
    var issueTypes: [String: Int] = [:]
    var objects = 0
    var objectCategories: [String: Int] = [:]
    var labels: [String: Int] = [:]
    var tags: [String: Int] = [:]
    var duplicateGroups = DistinctCounter()
    var fileSizeBytes = 0
    var itemsWithIssues = 0
    var declaredTotal: Int?

    mutating func add(_ item: MediaItem) {
        mediaItems += 1
        mediaTypes[item.mediaType?.rawValue ?? "(none)", default: 0] += 1
        fileSizeBytes += item.fileSize?.approximateBytes ?? 0
        var hasIssue = false
        for metadata in item.metadataItems {
            metadataTypes[metadata.type, default: 0] += 1
            hasIssue = count(metadata) || hasIssue
            if case .objectLabel(let object) = metadata.content {
                objects += 1
                objectCategories[object.categoryName ?? "(none)", default: 0] += 1
                for nested in object.metadataItems { hasIssue = count(nested) || hasIssue }
            }
        }
        if hasIssue { itemsWithIssues += 1 }
    }

    /// Counts an issue, label or tag; returns whether it was an issue.
    private mutating func count(_ metadata: MetadataItem) -> Bool {
        switch metadata.content {
        case .issue(let issue):
            issueTypes[issue.issueType?.rawValue ?? "(none)", default: 0] += 1
            if let group = issue.duplicateGroupID { duplicateGroups.insert(group.description) }
            return true
        case .imageLabel(let label):
            labels[label.categoryName ?? "(none)", default: 0] += 1
        case .userTag(let tag):
            tags[tag.tagName ?? "(none)", default: 0] += 1
        default:
            break
        }
        return false
    }

    var json: JSONValue {
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
        ])
    }

    var summary: String {
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
        lines.append("issues: \(issueTypes.values.reduce(0, +)) on \(itemsWithIssues) items, \(groups) duplicate groups\n" + list(issueTypes))
        lines.append("objects: \(objects)\n" + list(objectCategories))
        lines.append("image labels: \(labels.values.reduce(0, +))\n" + list(labels))
        lines.append("user tags: \(tags.values.reduce(0, +))\n" + list(tags))
        lines.append("total file size: \(fileSizeBytes) bytes")
        return lines.joined(separator: "\n") + "\n"
    }
}

import ArgumentParser
import VLExport

/// `vlx table`: one flat row per entity, for spreadsheets, pandas and SQL.
struct TableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "Flatten one kind of entity into rows: media, issues, labels, objects, tags or frames.",
        discussion: """
        Every row carries the media_id of its item; rows of things nested under
        an object also carry object_index, the object's position among the item's
        objects (empty for the item's own). CSV is RFC 4180 with a header row.
        """
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case media, issues, labels, objects, tags, frames
    }

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case csv, tsv, ndjson
    }

    @Argument(help: "What to list: media, issues, labels, objects, tags or frames.")
    var kind: Kind

    @Argument(help: "The export: a path, or - or nothing for standard input.")
    var file: String?

    @OptionGroup var read: ReadOptions

    @Option(help: "csv, tsv or ndjson.")
    var format: Format = .csv

    @Option(name: [.short, .customLong("output")], help: "Write to this file instead of standard output.")
    var output: String?

    func run() async throws {
        let input = try ExportInput.open(file, read)
        let out = try OutputStream(path: output)
        let table = TableWriter(columns: Self.columns(kind), format: format, out: out)
        do {
            try table.writeHeader()
            try await input.run {
                for try await item in input.reader.mediaItems {
                    input.progress.addItem()
                    for row in Self.rows(kind, of: item) { try table.write(row) }
                }
            }
        } catch {
            try? out.flush()
            throw error
        }
        try out.flush()
        input.reportWarnings(quiet: read.quiet)
    }

    static func columns(_ kind: Kind) -> [String] {
        switch kind {
        case .media:
            ["media_id", "media_type", "file_name", "file_path", "file_size", "file_size_bytes", "height", "width",
             "url", "cluster_id", "uniqueness_score", "metadata_items"]
        case .issues:
            ["media_id", "object_index", "issue_type", "confidence", "duplicate_group_id", "duplicate_threshold",
             "similarity_level", "actual_label", "suggested_label", "suggestion_confidence"]
        case .labels:
            ["media_id", "category_id", "category_name", "source", "original_id"]
        case .objects:
            ["media_id", "object_index", "category_id", "category_name", "source", "original_id",
             "bbox_x", "bbox_y", "bbox_width", "bbox_height", "uniqueness_score", "url", "metadata_items"]
        case .tags:
            ["media_id", "object_index", "tag_name", "assigned_date", "assigned_by"]
        case .frames:
            ["media_id", "file_name", "video_name", "frame_timestamp_seconds", "frame_timestamp", "frame_number"]
        }
    }

    static func rows(_ kind: Kind, of item: MediaItem) -> [[Cell]] {
        let id = Cell.text(item.mediaID)
        switch kind {
        case .media:
            return [[
                id, .text(item.mediaType?.rawValue), .text(item.fileName), .text(item.filePath), .text(item.fileSize?.text),
                .int(item.fileSize?.approximateBytes), .int(item.height), .int(item.width), .text(item.url),
                .text(item.clusterID), .double(item.uniquenessScore), .int(item.metadataItems.count),
            ]]
        case .issues, .tags:
            var rows: [[Cell]] = []
            for (metadata, objectIndex) in ownAndObjectMetadata(item) {
                switch (kind, metadata.content) {
                case (.issues, .issue(let issue)):
                    rows.append([
                        id, .int(objectIndex), .text(issue.issueType?.rawValue), .double(issue.confidence),
                        .text(issue.duplicateGroupID?.description), .double(issue.duplicateThreshold),
                        .double(issue.similarityLevel), .text(issue.actualLabel), .text(issue.suggestedLabel),
                        .double(issue.suggestionConfidence),
                    ])
                case (.tags, .userTag(let tag)):
                    rows.append([id, .int(objectIndex), .text(tag.tagName), .text(tag.assignedDate), .text(tag.assignedBy)])
                default:
                    break
                }
            }
            return rows
        case .labels:
            return item.metadataItems.compactMap { metadata in
                guard case .imageLabel(let label) = metadata.content else { return nil }
                return [id, .int(label.categoryID), .text(label.categoryName), .text(label.source), .int(label.originalID)]
            }
        case .objects:
            return item.objectLabels.enumerated().map { index, object in
                let box = object.boundingBox
                return [
                    id, .int(index), .int(object.categoryID), .text(object.categoryName), .text(object.source),
                    .int(object.originalID), .double(box?.x), .double(box?.y), .double(box?.width), .double(box?.height),
                    .double(object.uniquenessScore), .text(object.url), .int(object.metadataItems.count),
                ]
            }
        case .frames:
            return item.metadataItems.compactMap { metadata in
                guard case .videoInfo(let video) = metadata.content else { return nil }
                let timestamp = video.frameTimestamp ?? video.timestamp
                return [
                    id, .text(item.fileName), .text(video.videoName), .double(timestamp?.seconds),
                    .text(timestamp?.text ?? timestamp.map { String($0.seconds) }), .int(video.frameNumber),
                ]
            }
        }
    }

    /// The item's own metadata (object index nil), then each object's, with the object's index.
    private static func ownAndObjectMetadata(_ item: MediaItem) -> [(MetadataItem, Int?)] {
        var result = item.metadataItems.map { ($0, Int?.none) }
        for (index, object) in item.objectLabels.enumerated() {
            result += object.metadataItems.map { ($0, Int?.some(index)) }
        }
        return result
    }
}

/// One value of a table row; empty when nil.
enum Cell {
    case text(String?)
    case int(Int?)
    case double(Double?)

    var text: String? {
        switch self {
        case .text(let value): value
        case .int(let value): value.map(String.init)
        case .double(let value): value.map { $0.description }
        }
    }

    var json: JSONValue {
        switch self {
        case .text(let value): value.map(JSONValue.string) ?? .null
        case .int(let value): value.map(JSONValue.integer) ?? .null
        case .double(let value): value.map(JSONValue.double) ?? .null
        }
    }
}

/// Writes rows as CSV (RFC 4180), TSV or NDJSON objects.
struct TableWriter {
    let columns: [String]
    let format: TableCommand.Format
    let out: OutputStream

    func writeHeader() throws(CLIFailure) {
        switch format {
        case .csv: try out.write(columns.map(Self.csvField).joined(separator: ",") + "\r\n")
        case .tsv: try out.write(columns.joined(separator: "\t") + "\n")
        case .ndjson: break
        }
    }

    func write(_ row: [Cell]) throws(CLIFailure) {
        switch format {
        case .csv:
            try out.write(row.map { Self.csvField($0.text ?? "") }.joined(separator: ",") + "\r\n")
        case .tsv:
            try out.write(row.map { Self.tsvField($0.text ?? "") }.joined(separator: "\t") + "\n")
        case .ndjson:
            let object = JSONObject(zip(columns, row).map { JSONMember(key: $0, value: $1.json) })
            try out.writeLine(JSONValue.object(object).compactJSON)
        }
    }

    /// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacing("\"", with: "\"\"") + "\""
    }

    /// TSV has no quoting: tabs, line breaks and backslashes are escaped as \t, \n, \r, \\.
    static func tsvField(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "\t": result += "\\t"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\\": result += "\\\\"
            default: result.append(character)
            }
        }
        return result
    }
}

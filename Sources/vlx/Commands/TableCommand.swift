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
        The columns are the entity's fields as the format declares them. A table
        reads the fields it lists and passes over the rest, so a value it does not
        list is not checked; vlx validate checks everything.
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

    @OptionGroup var dataset: DatasetArguments

    @Option(help: "csv, tsv or ndjson.")
    var format: Format = .csv

    @OptionGroup var limit: ItemLimit

    @Option(name: [.short, .customLong("output")], help: "Write to this file instead of standard output.")
    var output: String?

    func run() async throws {
        let columns = Self.columns(kind)
        let format = format.rowFormat
        var items = 0
        let opening = { (run: ExportRun) throws in
            let out = try run.openOutput(output)
            var header = TableRowWriter(format: format, columns: columns)
            header.writeHeader()
            try out.write(header.takeBytes())
            return out
        }
        try await ExportRun.perform(dataset, properties: .only(Self.properties(kind)), opening: opening) { run, out in
            // Each item's rows are written on the worker that read it, after those of the items
            // that worker read before it in the same run: this loop writes the runs in order.
            let kind = kind
            if limit.limit != nil {
                // One item at a time, so that the walk stops at the last item to list.
                var rows = TableRowWriter(format: format, columns: columns)
                for try await item in run.reader.mediaItems {
                    if limit.isReached(by: items) { break }
                    Self.writeRows(kind, of: item, to: &rows)
                    try out.write(rows.takeBytes())
                    run.input.progress.addItem()
                    items += 1
                }
                return
            }
            let rows = run.reader.mediaItems.batches(into: { ItemRows(format: format, columns: columns) }, adding: { rows, item in
                Self.writeRows(kind, of: item, to: &rows.writer.rows)
                rows.mediaItems += 1
            })
            for try await itemRows in rows {
                run.input.progress.addItems(itemRows.mediaItems)
                try itemRows.writer.rows.withBytes { bytes throws(CLIFailure) in
                    if !bytes.isEmpty { try out.write(bytes) }
                }
            }
        }
    }

    /// The columns of a table: which item (and object) a row belongs to, then the declared
    /// fields of the entity, as the format's declaration flattens them.
    static func columns(_ kind: Kind) -> [String] {
        switch kind {
        case .media: MediaItem.tableColumns
        case .issues: ["media_id", "object_index"] + Issue.tableColumns
        case .labels: ["media_id"] + ImageLabel.tableColumns
        case .objects: ["media_id", "object_index"] + ObjectLabel.tableColumns
        case .tags: ["media_id", "object_index"] + UserTag.tableColumns
        case .frames: ["media_id", "file_name"] + VideoInfo.tableColumns
        }
    }

    /// What a table reads: its entity's declared fields and the item's id (and file name, for frames).
    /// Everything else is passed over as the parser reads it.
    static func properties(_ kind: Kind) -> Set<PropertySelection.Key> {
        switch kind {
        case .media: MediaItem.propertyKeys
        case .issues: Issue.propertyKeys.union([.mediaID])
        case .labels: ImageLabel.propertyKeys.union([.mediaID])
        case .objects: ObjectLabel.propertyKeys.union([.mediaID])
        case .tags: UserTag.propertyKeys.union([.mediaID])
        case .frames: VideoInfo.propertyKeys.union([.mediaID, .fileName])
        }
    }

    /// Writes the rows of `item` for a table of `kind`. The item's metadata is read in place:
    /// nothing is copied out of it.
    static func writeRows(_ kind: Kind, of item: MediaItem, to rows: inout TableRowWriter) {
        /// Writes a row of the item's metadata: the item's id, then `cells`.
        func row(_ cells: (inout TableRowWriter) -> Void) {
            rows.beginRow()
            rows.text(orEmpty: item.mediaID)
            cells(&rows)
            rows.endRow()
        }
        switch kind {
        case .media:
            rows.beginRow()
            item.writeTableCells(to: &rows)
            rows.endRow()
        case .issues, .tags:
            // The item's own metadata (object index empty), then each object's, with the object's index.
            forEachContent(of: item.metadataItems) { content in writeIssueOrTag(kind, content, objectIndex: nil, row) }
            forEachObject(of: item) { object, objectIndex in
                forEachContent(of: object.metadataItems) { content in writeIssueOrTag(kind, content, objectIndex: objectIndex, row) }
            }
        case .labels:
            forEachContent(of: item.metadataItems) { content in
                if case .imageLabel(let label) = content { row { label.writeTableCells(to: &$0) } }
            }
        case .objects:
            forEachObject(of: item) { object, objectIndex in
                row { rows in
                    rows.integer(objectIndex)
                    object.writeTableCells(to: &rows)
                }
            }
        case .frames:
            forEachContent(of: item.metadataItems) { content in
                guard case .videoInfo(let video) = content else { return }
                row { rows in
                    rows.text(orEmpty: item.fileName)
                    video.writeTableCells(to: &rows)
                }
            }
        }
    }

    /// Writes the row of an issue (or user tag), after the index of the object it is on.
    private static func writeIssueOrTag(
        _ kind: Kind, _ content: MetadataItem.Content, objectIndex: Int?, _ row: ((inout TableRowWriter) -> Void) -> Void
    ) {
        switch content {
        case .issue(let issue) where kind == .issues: row { $0.integer(orEmpty: objectIndex); issue.writeTableCells(to: &$0) }
        case .userTag(let tag) where kind == .tags: row { $0.integer(orEmpty: objectIndex); tag.writeTableCells(to: &$0) }
        default: break
        }
    }

    /// Calls `body` with the content of each of `metadataItems`, read in place: indexing the
    /// array would copy each metadata item out of it first.
    private static func forEachContent(of metadataItems: [MetadataItem], _ body: (MetadataItem.Content) -> Void) {
        metadataItems.withUnsafeBufferPointer { metadataItems in
            for index in metadataItems.indices { body(metadataItems[index].content) }
        }
    }

    /// Calls `body` with each object label of `item` and its index among them, in place.
    private static func forEachObject(of item: MediaItem, _ body: (ObjectLabel, Int) -> Void) {
        var objectIndex = 0
        forEachContent(of: item.metadataItems) { content in
            if case .objectLabel(let object) = content {
                body(object, objectIndex)
                objectIndex += 1
            }
        }
    }
}

/// The rows of a run of consecutive items, written as the items are read.
struct ItemRows: Sendable {
    /// The writer the rows are written with. A class, so that the rows are written in place
    /// (a partial result is copied as a value); one run's writer is used by one thread at a
    /// time: the worker that writes the run, then the loop that writes it out.
    final class Writer: @unchecked Sendable {
        var rows: TableRowWriter

        init(_ rows: consuming TableRowWriter) {
            self.rows = rows
        }
    }

    let writer: Writer
    /// The items the rows are of.
    var mediaItems = 0

    init(format: TableRowWriter.Format, columns: [String]) {
        writer = Writer(TableRowWriter(format: format, columns: columns, capacity: ItemRows.initialRoom))
    }

    /// Room for the rows of a few items (a row of `table issues` takes about a hundred bytes);
    /// the writer grows for a run of many. The serial walk makes a run of each item.
    private static var initialRoom: Int { 4096 }
}

extension TableCommand.Format {
    /// How a ``TableRowWriter`` writes rows in this format.
    var rowFormat: TableRowWriter.Format {
        switch self {
        case .csv: .csv
        case .tsv: .tsv
        case .ndjson: .ndjson
        }
    }
}

extension TableRowWriter {
    /// A text cell, or an empty one for no value.
    mutating func text(orEmpty text: String?) {
        if let text { self.text(text) } else { empty() }
    }

    /// A whole-number cell, or an empty one for no value.
    mutating func integer(orEmpty value: Int?) {
        if let value { integer(value) } else { empty() }
    }
}

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

    @Argument(help: "The export: a path, or - or nothing for standard input.")
    var file: String?

    @OptionGroup var read: ReadOptions

    @Option(help: "csv, tsv or ndjson.")
    var format: Format = .csv

    @Option(name: [.short, .customLong("output")], help: "Write to this file instead of standard output.")
    var output: String?

    func run() async throws {
        try await ExportRun.perform(file, read, properties: .only(Self.properties(kind))) { run in
            let out = run.adopt(try OutputStream(path: output))
            let table = TableFormat(columns: Self.columns(kind), format: format)
            try out.write(table.header)
            // Each item's rows are composed on the worker that read it.
            let kind = kind
            let rows = run.reader.mediaItems(mappedBy: { item in
                var rows = TableRows(format: table)
                Self.appendRows(kind, of: item, to: &rows)
                return rows.bytes
            })
            for try await itemRows in rows {
                run.input.progress.addItem()
                if !itemRows.isEmpty { try out.write(itemRows) }
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

    /// Appends the rows of `item` for a table of `kind`. The item's metadata is read in place:
    /// nothing is copied out of it but the cells.
    static func appendRows(_ kind: Kind, of item: MediaItem, to rows: inout TableRows) {
        let id = item.mediaID.map(TableCell.text) ?? .empty
        switch kind {
        case .media:
            rows.append { item.appendTableCells(to: &$0) }
        case .issues, .tags:
            // The item's own metadata (object index empty), then each object's, with the object's index.
            func appendRows(of metadataItems: [MetadataItem], objectIndex: Int?) {
                let objectCell = objectIndex.map(TableCell.integer) ?? .empty
                // Read in place: indexing the array copies each metadata item out of it first.
                metadataItems.withUnsafeBufferPointer { metadataItems in
                    for index in metadataItems.indices {
                        switch metadataItems[index].content {
                        case .issue(let issue) where kind == .issues: rows.append(id, objectCell) { issue.appendTableCells(to: &$0) }
                        case .userTag(let tag) where kind == .tags: rows.append(id, objectCell) { tag.appendTableCells(to: &$0) }
                        default: break
                        }
                    }
                }
            }
            appendRows(of: item.metadataItems, objectIndex: nil)
            forEachObject(of: item) { object, objectIndex in appendRows(of: object.metadataItems, objectIndex: objectIndex) }
        case .labels:
            for index in item.metadataItems.indices {
                if case .imageLabel(let label) = item.metadataItems[index].content { rows.append(id) { label.appendTableCells(to: &$0) } }
            }
        case .objects:
            forEachObject(of: item) { object, objectIndex in
                rows.append(id, .integer(objectIndex)) { object.appendTableCells(to: &$0) }
            }
        case .frames:
            for index in item.metadataItems.indices {
                if case .videoInfo(let video) = item.metadataItems[index].content {
                    rows.append(id, item.fileName.map(TableCell.text) ?? .empty) { video.appendTableCells(to: &$0) }
                }
            }
        }
    }

    /// Calls `body` with each object label of `item` and its index among them, in place.
    private static func forEachObject(of item: MediaItem, _ body: (ObjectLabel, Int) -> Void) {
        var objectIndex = 0
        item.metadataItems.withUnsafeBufferPointer { metadataItems in
            for index in metadataItems.indices {
                if case .objectLabel(let object) = metadataItems[index].content {
                    body(object, objectIndex)
                    objectIndex += 1
                }
            }
        }
    }
}

/// The rows of one item, as the bytes of a table's format: one array of cells is reused for
/// every row.
struct TableRows {
    let format: TableFormat
    private(set) var bytes: [UInt8] = []
    private var cells: [TableCell] = []

    init(format: TableFormat) {
        self.format = format
        cells.reserveCapacity(format.columns.count)
    }

    /// Appends one row: the cells that say whose row it is (`first`, `second`), then those
    /// `appendCells` appends.
    mutating func append(_ first: TableCell? = nil, _ second: TableCell? = nil, _ appendCells: (inout [TableCell]) -> Void) {
        cells.removeAll(keepingCapacity: true)
        if let first { cells.append(first) }
        if let second { cells.append(second) }
        appendCells(&cells)
        // Room for a few rows at once, rather than growing from nothing row by row.
        if bytes.isEmpty { bytes.reserveCapacity(Self.initialRoom) }
        format.append(cells, to: &bytes)
    }

    /// Bytes enough for the rows of most items: a row of `table issues` takes about a hundred.
    private static var initialRoom: Int { 512 }
}

/// Rows as CSV (RFC 4180), TSV or NDJSON objects.
///
/// Each row is composed as bytes: no `String` is made for a cell, and text is
/// checked for characters to quote byte by byte.
struct TableFormat: Sendable {
    let columns: [String]
    let format: TableCommand.Format

    /// The header row (none for NDJSON).
    var header: String {
        switch format {
        case .csv: columns.map(Self.csvField).joined(separator: ",") + "\r\n"
        case .tsv: columns.joined(separator: "\t") + "\n"
        case .ndjson: ""
        }
    }

    /// Appends `row`, with its line ending, to `line`.
    func append(_ row: [TableCell], to line: inout [UInt8]) {
        switch format {
        case .csv: Self.append(row, separator: UInt8(ascii: ","), lineEnd: "\r\n", to: &line, putText: Self.putCSVText)
        case .tsv: Self.append(row, separator: UInt8(ascii: "\t"), lineEnd: "\n", to: &line, putText: Self.putTSVText)
        case .ndjson:
            var writer = JSONWriter()
            writer.beginObject()
            for (column, cell) in zip(columns, row) {
                writer.key(column)
                switch cell {
                case .empty: writer.null()
                case .text(let text): writer.string(text)
                case .integer(let value): writer.integer(value)
                case .number(let value): writer.double(value)
                }
            }
            writer.endObject()
            writer.withBytes { line.append(contentsOf: $0) }
            line.append(0x0A)
        }
    }

    /// Appends the cells of a CSV or TSV row, between `separator`s, and `lineEnd`: text through
    /// `putText`, numbers as their digits, nothing for an empty cell. Room for the longest the row
    /// can be (every text byte escaped) is made once, and the row is written in it.
    private static func append(
        _ row: [TableCell], separator: UInt8, lineEnd: StaticString, to line: inout [UInt8],
        putText: (UnsafeRawBufferPointer, inout UnsafeMutablePointer<UInt8>) -> Void
    ) {
        var room = row.count + lineEnd.utf8CodeUnitCount
        for cell in row {
            switch cell {
            case .empty: break
            case .text(let text): room += 2 * text.utf8.count + 2
            case .integer: room += JSONWriter.longestDecimal
            case .number: room += JSONWriter.longestDouble
            }
        }
        line.append(maximum: room) { at in
            for (position, cell) in row.enumerated() {
                if position > 0 { put(separator, at: &at) }
                switch cell {
                case .empty: break
                case .text(let text): text.withUTF8Bytes { putText($0, &at) }
                case .integer(let value): JSONWriter.putDecimal(value, at: &at)
                case .number(let value): JSONWriter.putDouble(value, at: &at)
                }
            }
            for index in 0..<lineEnd.utf8CodeUnitCount { put(lineEnd.utf8Start[index], at: &at) }
        }
    }

    @inline(__always)
    private static func put(_ byte: UInt8, at: inout UnsafeMutablePointer<UInt8>) {
        at.pointee = byte
        at += 1
    }

    /// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.
    private static func putCSVText(_ text: UnsafeRawBufferPointer, at: inout UnsafeMutablePointer<UInt8>) {
        guard needsCSVQuotes(text) else {
            if let base = text.baseAddress { at.update(from: base.assumingMemoryBound(to: UInt8.self), count: text.count) }
            at += text.count
            return
        }
        put(UInt8(ascii: "\""), at: &at)
        for byte in text {
            put(byte, at: &at)
            if byte == UInt8(ascii: "\"") { put(byte, at: &at) }
        }
        put(UInt8(ascii: "\""), at: &at)
    }

    /// Whether `text` holds a comma, a quote or a line break.
    private static func needsCSVQuotes(_ text: UnsafeRawBufferPointer) -> Bool {
        ByteWord.containsAny(UInt8(ascii: ","), UInt8(ascii: "\""), 0x0A, 0x0D, in: text)
    }

    /// TSV has no quoting: tabs, line breaks and backslashes are escaped as \t, \n, \r, \\.
    private static func putTSVText(_ text: UnsafeRawBufferPointer, at: inout UnsafeMutablePointer<UInt8>) {
        for byte in text {
            let escaped: UInt8? = switch byte {
            case 0x09: UInt8(ascii: "t")
            case 0x0A: UInt8(ascii: "n")
            case 0x0D: UInt8(ascii: "r")
            case UInt8(ascii: "\\"): UInt8(ascii: "\\")
            default: nil
            }
            if let escaped {
                put(UInt8(ascii: "\\"), at: &at)
                put(escaped, at: &at)
            } else {
                put(byte, at: &at)
            }
        }
    }

    /// A header field, quoted as RFC 4180 asks.
    static func csvField(_ text: String) -> String {
        var line: [UInt8] = []
        append([.text(text)], separator: UInt8(ascii: ","), lineEnd: "", to: &line, putText: putCSVText)
        return String(decoding: line, as: UTF8.self)
    }
}

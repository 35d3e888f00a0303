/// Writes the rows of a flat table, cell by cell, as CSV (RFC 4180), TSV or NDJSON objects:
/// the rows `vlx table` writes, for spreadsheets, pandas and SQL.
///
/// A row is ``beginRow()``, one cell per column (``text(_:)``, ``integer(_:)``,
/// ``number(_:)`` or ``empty()``), then ``endRow()``. The types of the format write
/// their own cells, in the order of their `tableColumns`: `writeTableCells(to:)`.
///
/// ```swift
/// var rows = TableRowWriter(format: .csv, columns: Issue.tableColumns)
/// rows.writeHeader()
/// rows.beginRow()
/// issue.writeTableCells(to: &rows)
/// rows.endRow()
/// let text = rows.takeBytes()
/// ```
///
/// Each cell is written into the bytes as it comes: no array of cells is built and read
/// again, and no `String` is made for a number. Text is checked for what must be quoted or
/// escaped eight bytes at a time.
public struct TableRowWriter: ~Copyable {
    /// How rows are written.
    public enum Format: Sendable {
        /// RFC 4180: fields between commas, a field with a comma, quote or line break quoted
        /// and its quotes doubled, CRLF after each row; an empty cell is an empty field.
        case csv
        /// Fields between tabs, a line feed after each row; tabs, line breaks and backslashes in
        /// text are escaped as `\t`, `\n`, `\r` and `\\`. An empty cell is an empty field.
        case tsv
        /// One JSON object per line, with a member per column; an empty cell is `null`.
        case ndjson
    }

    /// How rows are written.
    public let format: Format
    /// The table's columns, in order: the header, and the keys of NDJSON rows.
    public let columns: [String]
    private var output: JSONWriter
    /// How many cells the open row has so far.
    public private(set) var cellCount = 0

    /// Creates a writer of rows with these columns, with room for `capacity` bytes before it grows.
    public init(format: Format, columns: [String], capacity: Int = 512) {
        self.format = format
        self.columns = columns
        output = JSONWriter(capacity: capacity)
    }

    /// How many bytes were written.
    public var count: Int { output.count }

    /// Calls `body` with the rows written so far, as UTF-8, in place.
    public func withBytes<Result, Failure: Error>(_ body: (UnsafeRawBufferPointer) throws(Failure) -> Result) throws(Failure) -> Result {
        try output.withBytes(body)
    }

    /// The rows written so far, and the writer emptied (with its room kept) for more.
    public mutating func takeBytes() -> [UInt8] {
        output.takeBytes()
    }

    /// Writes the header row: the column names, as fields (CSV, TSV); nothing for NDJSON,
    /// whose rows name their columns.
    public mutating func writeHeader() {
        guard format != .ndjson else { return }
        beginRow()
        for column in columns { text(column) }
        endRow()
    }

    /// Starts a row.
    public mutating func beginRow() {
        cellCount = 0
        if format == .ndjson {
            output.beginDocument()
            output.beginObject()
        }
    }

    /// Ends the row, with its line ending.
    public mutating func endRow() {
        switch format {
        case .csv:
            output.appendVerbatim(UInt8(ascii: "\r"))
            output.appendVerbatim(0x0A)
        case .tsv:
            output.appendVerbatim(0x0A)
        case .ndjson:
            output.endObject()
            output.appendVerbatim(0x0A)
        }
    }

    /// A cell with no value.
    public mutating func empty() {
        startCell()
        if format == .ndjson { output.null() }
    }

    /// A cell of text.
    public mutating func text(_ text: String) {
        startCell()
        text.withUTF8Bytes { bytes in
            switch format {
            case .csv: output.appendVerbatim(maximum: 2 * bytes.count + 2) { at in Self.putCSVText(bytes, at: &at) }
            case .tsv: output.appendVerbatim(maximum: 2 * bytes.count) { at in Self.putTSVText(bytes, at: &at) }
            case .ndjson: output.string(utf8: bytes)
            }
        }
    }

    /// A cell holding a whole number, in decimal.
    public mutating func integer(_ value: Int) {
        numberCell(maximum: JSONWriter.longestDecimal) { at in JSONWriter.putDecimal(value, at: &at) }
    }

    /// A cell holding a finite number, in its shortest form that reads back the same (`0.88`, `6120.0`).
    public mutating func number(_ value: Double) {
        numberCell(maximum: JSONWriter.longestDouble) { at in JSONWriter.putDouble(value, at: &at) }
    }

    /// A cell holding number text that `put` writes, of at most `maximum` bytes: a JSON value
    /// in NDJSON, the same text alone in CSV and TSV.
    @inline(__always)
    private mutating func numberCell(maximum: Int, _ put: (inout UnsafeMutablePointer<UInt8>) -> Void) {
        startCell()
        if format == .ndjson {
            output.value(maximum: maximum, put)
        } else {
            output.appendVerbatim(maximum: maximum, put)
        }
    }

    /// Writes what comes before a cell: its separator, or for NDJSON its column's key.
    @inline(__always)
    private mutating func startCell() {
        switch format {
        case .csv: if cellCount > 0 { output.appendVerbatim(UInt8(ascii: ",")) }
        case .tsv: if cellCount > 0 { output.appendVerbatim(UInt8(ascii: "\t")) }
        case .ndjson:
            precondition(cellCount < columns.count, "a row has more cells than the table has columns")
            output.key(columns[cellCount])
        }
        cellCount += 1
    }

    @inline(__always)
    private static func put(_ byte: UInt8, at: inout UnsafeMutablePointer<UInt8>) {
        at.pointee = byte
        at += 1
    }

    /// Copies a text that needs no quotes or escapes as it is.
    @inline(__always)
    private static func putVerbatim(_ text: UnsafeRawBufferPointer, at: inout UnsafeMutablePointer<UInt8>) {
        if let base = text.baseAddress { at.update(from: base.assumingMemoryBound(to: UInt8.self), count: text.count) }
        at += text.count
    }

    /// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.
    private static func putCSVText(_ text: UnsafeRawBufferPointer, at: inout UnsafeMutablePointer<UInt8>) {
        guard ByteWord.containsAny(UInt8(ascii: ","), UInt8(ascii: "\""), 0x0A, 0x0D, in: text) else { return putVerbatim(text, at: &at) }
        put(UInt8(ascii: "\""), at: &at)
        for byte in text {
            put(byte, at: &at)
            if byte == UInt8(ascii: "\"") { put(byte, at: &at) }
        }
        put(UInt8(ascii: "\""), at: &at)
    }

    /// TSV has no quoting: tabs, line breaks and backslashes are escaped as \t, \n, \r, \\.
    private static func putTSVText(_ text: UnsafeRawBufferPointer, at: inout UnsafeMutablePointer<UInt8>) {
        guard ByteWord.containsAny(0x09, 0x0A, 0x0D, UInt8(ascii: "\\"), in: text) else { return putVerbatim(text, at: &at) }
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
}

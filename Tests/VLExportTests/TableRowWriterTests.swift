import Foundation
import Testing
import TestSupport
import VLExport

/// The table writer against rows written the slow and obvious way: RFC 4180 for CSV, the
/// backslash escapes for TSV, and JSON objects for NDJSON, row after row.
@Suite(.hangLimit) struct TableRowWriterTests {
    enum Cell {
        case empty, text(String), integer(Int), number(Double)
    }

    /// Rows of fields between `separator`s, each row ended by `lineEnd`: a text cell through
    /// `field`, a number as its `description`, nothing for an empty cell.
    static func referenceFields(_ rows: [[Cell]], separator: String, lineEnd: String, field: (String) -> String) -> String {
        rows.map { row in
            row.map { cell -> String in
                switch cell {
                case .empty: ""
                case .integer(let value): String(value)
                case .number(let value): value.description
                case .text(let text): field(text)
                }
            }.joined(separator: separator) + lineEnd
        }.joined()
    }

    static func referenceCSV(_ rows: [[Cell]]) -> String {
        referenceFields(rows, separator: ",", lineEnd: "\r\n") { text in
            guard text.unicodeScalars.contains(where: { ",\"\n\r".unicodeScalars.contains($0) }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
    }

    static func referenceTSV(_ rows: [[Cell]]) -> String {
        referenceFields(rows, separator: "\t", lineEnd: "\n") { text in
            var out = ""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\t": out += "\\t"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\\": out += "\\\\"
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out
        }
    }

    static func referenceNDJSON(_ rows: [[Cell]], columns: [String]) -> String {
        func string(_ text: String) -> String { String(decoding: JSONWriterTests.referenceString(text), as: UTF8.self) }
        return rows.map { row in
            "{" + zip(columns, row).map { column, cell -> String in
                let value = switch cell {
                case .empty: "null"
                case .integer(let value): String(value)
                case .number(let value): value.description
                case .text(let text): string(text)
                }
                return string(column) + ":" + value
            }.joined(separator: ",") + "}\n"
        }.joined()
    }

    /// Rows of every kind of cell: texts with each character that is quoted or escaped at the
    /// start, in the middle and at the end, across the eight-byte words the writer checks.
    static let rows: [[Cell]] = {
        let specials = [",", "\"", "\n", "\r", "\t", "\\", "é", "日本"]
        var texts = ["", "plain", "exactly8", "sixteen bytes ok"]
        for special in specials {
            texts += [special, special + "start", "end" + special, "in the mid" + special + "dle of a longer text"]
        }
        var rows: [[Cell]] = texts.map { [.text($0), .integer(texts.count), .empty, .number(0.905807)] }
        rows.append([.empty, .empty, .empty, .empty])
        rows.append([.integer(Int.min), .integer(0), .integer(Int.max), .integer(-42)])
        rows.append([.number(6120), .number(-3.25), .number(0.1), .number(1_234_567.5)])
        return rows
    }()

    static func written(_ format: TableRowWriter.Format, header: Bool) -> String {
        var writer = TableRowWriter(format: format, columns: ["a", "b\"quoted\"", "c,comma", "d"], capacity: 16)
        if header { writer.writeHeader() }
        for row in rows {
            writer.beginRow()
            for cell in row {
                switch cell {
                case .empty: writer.empty()
                case .text(let text): writer.text(text)
                case .integer(let value): writer.integer(value)
                case .number(let value): writer.number(value)
                }
            }
            #expect(writer.cellCount == row.count)
            writer.endRow()
        }
        return String(decoding: writer.takeBytes(), as: UTF8.self)
    }

    @Test func csvRowsAreRFC4180() {
        let header = Self.referenceCSV([[.text("a"), .text("b\"quoted\""), .text("c,comma"), .text("d")]])
        #expect(Self.written(.csv, header: true) == header + Self.referenceCSV(Self.rows))
    }

    @Test func tsvRowsEscapeTabsLineBreaksAndBackslashes() {
        #expect(Self.written(.tsv, header: true) == "a\tb\"quoted\"\tc,comma\td\n" + Self.referenceTSV(Self.rows))
    }

    @Test func ndjsonRowsAreOneObjectPerLine() throws {
        let columns = ["a", "b\"quoted\"", "c,comma", "d"]
        // No header: each object names its columns.
        let text = Self.written(.ndjson, header: true)
        #expect(text == Self.referenceNDJSON(Self.rows, columns: columns))
        for line in text.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?.count == columns.count)
        }
    }
}

import Testing
import TestSupport
import VLExport

/// The writer against a plain reference: every string, at every length and with an escape at
/// every position, comes out as the byte-by-byte escaping of RFC 8259 gives it, and reads back.
@Suite(.hangLimit) struct JSONWriterTests {
    /// The escaping the writer must give, written the slow and obvious way.
    static func referenceString(_ text: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        let hex = Array("0123456789abcdef".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += Array(#"\""#.utf8)
            case UInt8(ascii: "\\"): out += Array(#"\\"#.utf8)
            case 0x0A: out += Array(#"\n"#.utf8)
            case 0x0D: out += Array(#"\r"#.utf8)
            case 0x09: out += Array(#"\t"#.utf8)
            case 0x08: out += Array(#"\b"#.utf8)
            case 0x0C: out += Array(#"\f"#.utf8)
            case 0..<0x20: out += Array(#"\u00"#.utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return out
    }

    @Test func stringsAreEscapedAsTheReferenceDoes() throws {
        let specials: [String] = ["\"", "\\", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{01}", "\u{1F}", "é", "🚀", "/", "\u{7F}"]
        var texts: [String] = [""]
        // Every length the short copies and the word-wise scan treat apart (below 4, 8, 16
        // and 32 bytes, and past them), with a special character at every position.
        for length in 0...40 {
            let plain = String(repeating: "a", count: length)
            texts.append(plain)
            for special in specials {
                for position in 0...length {
                    texts.append(String(plain.prefix(position)) + special + String(plain.dropFirst(position)))
                }
            }
        }
        var generator = SeededGenerator.printingSeed(for: "JSONWriterTests")
        for _ in 0..<300 {
            let scalars = (0..<Int.random(in: 0...40, using: &generator)).map { _ in
                Unicode.Scalar(UInt8.random(in: 0...0x7F, using: &generator))
            }
            texts.append(String(String.UnicodeScalarView(scalars)))
        }
        for text in texts {
            // As a value after another (with its comma), as a key, and on its own.
            var writer = JSONWriter()
            writer.beginArray()
            writer.integer(1)
            writer.string(text)
            writer.endArray()
            #expect(writer.bytes == Array("[1,".utf8) + Self.referenceString(text) + [UInt8(ascii: "]")], "\(text.debugDescription)")
            #expect(try JSONValue(parsing: writer.bytes) == .array([.number(JSONNumber(text: "1")), .string(text)]))

            var object = JSONWriter()
            object.beginObject()
            object.plainKey("first")
            object.null()
            object.key(text)
            object.double(0.25)
            object.endObject()
            #expect(object.bytes == Array(#"{"first":null,"#.utf8) + Self.referenceString(text) + Array(":0.25}".utf8), "\(text.debugDescription)")

            var alone = JSONWriter()
            alone.writeString(text)
            #expect(alone.bytes == Self.referenceString(text))
        }
    }

    @Test func containersAndNumbersTakeTheirCommas() throws {
        var writer = JSONWriter()
        writer.beginObject()
        writer.plainKey("a")
        writer.beginArray()
        writer.beginObject()
        writer.endObject()
        writer.beginArray()
        writer.endArray()
        writer.double(6120)
        writer.double(-0.5)
        writer.integer(-42)
        writer.integer(Int.min)
        writer.endArray()
        writer.plainKey("b")
        writer.write(.object(JSONObject([JSONMember(key: "x\"", value: .bool(true))])))
        writer.endObject()
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"a":[{},[],6120.0,-0.5,-42,-9223372036854775808],"b":{"x\"":true}}"#)
    }

    /// The writer keeps its text in memory of its own: what it writes past its first room
    /// (strings longer than it, and many small writes) is all there after it grows, and a taken
    /// text leaves the writer empty for the next document, without a comma carried over.
    @Test func itGrowsAndHandsOverItsText() throws {
        var writer = JSONWriter(capacity: 64)
        let long = String(repeating: "long \"text\" ", count: 40)
        var expected: [JSONValue] = []
        writer.beginArray()
        for number in 0..<500 {
            writer.integer(number)
            expected.append(.number(JSONNumber(text: String(number))))
            if number % 100 == 0 {
                writer.string(long)
                expected.append(.string(long))
            }
        }
        writer.endArray()
        #expect(writer.count == writer.bytes.count)
        #expect(writer.withBytes { try? JSONValue(parsing: $0) } == .array(expected))
        let taken = writer.takeBytes()
        #expect(try JSONValue(parsing: taken) == .array(expected))
        #expect(writer.count == 0)
        writer.integer(7)
        writer.appendVerbatim(0x0A)
        #expect(writer.bytes == Array("7\n".utf8))
    }
}

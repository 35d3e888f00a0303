import Testing
import TestSupport
import VLExport

/// The typed model's readings of the format's loose values.
@Suite(.hangLimit) struct ModelTests {
    @Test(arguments: [
        ("3.38MB", 3_544_187), ("48.27KB", 49_428), ("32.00KB", 32_768), ("7 B", 7), ("1.5 GB", 1_610_612_736), ("120", 120),
        ("2 KiB", 2048), ("3mb", 3_145_728), ("1TB", 1_099_511_627_776), ("9 b ", 9),
    ])
    func fileSizesGiveBinaryByteCounts(_ text: String, _ bytes: Int) {
        #expect(FileSize(text: text).approximateBytes == bytes)
        #expect(FileSize(text: text).text == text)
    }

    @Test(arguments: ["big", "", "3.38 parsecs", "-1KB", "5 kbytes", "MB", "1.5 XB", "1.5 é"])
    func unreadableFileSizesKeepTheirText(_ text: String) {
        #expect(FileSize(text: text).approximateBytes == nil)
        #expect(FileSize(text: text).description == text)
    }

    @Test func frameTimestampsReadClockAndSeconds() {
        #expect(FrameTimestamp(text: "01:42:00")?.seconds == 6120)
        #expect(FrameTimestamp(text: "00:00:00.567")?.seconds == 0.567)
        #expect(FrameTimestamp(text: "02:05")?.seconds == 125)
        #expect(FrameTimestamp(text: "12.25")?.seconds == 12.25)
        #expect(FrameTimestamp(text: "soon") == nil)
        #expect(FrameTimestamp(text: "1:2:3:4") == nil)
        #expect(FrameTimestamp(seconds: 3.5).text == nil)
    }

    @Test func issueTypesNormaliseBothSpellings() {
        #expect(IssueType(rawValue: "duplicate").kind == .duplicates)
        #expect(IssueType(rawValue: "duplicates").kind == .duplicates)
        #expect(IssueType(rawValue: "mislabel").kind == .mislabels)
        #expect(IssueType(rawValue: "label_outlier").kind == .labelOutlier)
        #expect(IssueType(rawValue: "glare").kind == .other)
        #expect(IssueType(rawValue: "glare").rawValue == "glare")
    }

    @Test func mediaTypeKeepsUnknownValues() {
        #expect(MediaType(rawValue: "image") == .image)
        #expect(MediaType(rawValue: "video_frame") == .videoFrame)
        #expect(MediaType(rawValue: "video") == .other("video"))
        #expect(MediaType(rawValue: "video").rawValue == "video")
    }

    @Test func numberTextConvertsExactly() throws {
        var generator = SeededGenerator(state: 42)
        for _ in 0..<20_000 {
            let whole = Int.random(in: 0...999_999, using: &generator)
            let fraction = Int.random(in: 0...999_999_999, using: &generator)
            let text = (Bool.random(using: &generator) ? "-" : "") + "\(whole).\(fraction)"
            #expect(JSONNumber(text: text).doubleValue == Double(text)!, "\(text)")
        }
        // Scores as exports write them: the shortest text that reads back as the same double (16, 17 digits).
        for _ in 0..<20_000 {
            let value = Double.random(in: 0..<1, using: &generator)
            #expect(JSONNumber(text: value.description).doubleValue == value, "\(value)")
        }
        // The fast path's edges (digits as one integer up to 2^53, 22 decimals) and the forms past them,
        // against the standard library.
        for text in ["0.977624", "-0.0", "0.000000000000001", "123456789012345", "1234567890123456",
                     "0.30774942779222325", "999999999999999.9", "1.5e3", "-12.25", "0",
                     "0.9007199254740992", "0.9007199254740993", "9007199254740993", "-9007199254740992",
                     "0.0000000000000000000001", "0.00000000000000000000001", "1.0000000000000000000001",
                     "18446744073709551615", "0.1844674407370955161"] {
            #expect(JSONNumber(text: text).doubleValue == Double(text)!, "\(text)")
        }
        #expect(JSONNumber(text: "1e400").doubleValue == .infinity)
        #expect(JSONNumber(text: "-0").doubleValue.sign == .minus)
        #expect(JSONNumber(text: "3.0").intValue == 3)
        #expect(JSONNumber(text: "3e2").intValue == 300)
        #expect(JSONNumber(text: "3.5").intValue == nil)
        #expect(JSONNumber(text: "123456789012345678901234567890").intValue == nil)
    }

    @Test func outOfRangeNumbersInKnownFieldsAreSchemaErrors() throws {
        let item: JSONValue = .object(["uniqueness_score": .number(JSONNumber(text: "1e999"))])
        #expect {
            _ = try MediaItem(json: item, index: 4, schema: .strict)
        } throws: { error in
            let error = error as? VLExportError
            return error?.path == "media_items[4].uniqueness_score" && error?.message == "number 1e999 is out of range for a 64-bit float"
        }
        // Tolerant, the number is kept as written.
        let tolerant = try MediaItem(json: item, index: 4)
        #expect(tolerant.uniquenessScore == nil)
        #expect(tolerant.otherFields["uniqueness_score"] == .number(JSONNumber(text: "1e999")))
    }

    @Test func duplicateKeysKeepTheLastValueInTheTypedModel() throws {
        let value = try JSONValue(parsing: #"{"height": 1, "height": 2}"#)
        guard case .object(let object) = value else {
            Testing.Issue.record("expected an object")
            return
        }
        #expect(object.count == 2)
        #expect(object["height"] == .number(JSONNumber(text: "2")))
        #expect(try MediaItem(json: value, index: 0).height == 2)
    }
}

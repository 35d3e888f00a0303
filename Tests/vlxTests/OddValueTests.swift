import Foundation
import Testing
import TestSupport

/// Real exports drift from the documented types. Every reading command goes
/// through an odd value: exit 0, the value kept, a located warning on
/// standard error (the first 20, then a count); validate reports each one.
@Suite(.hangLimit) struct OddValueTests {
    /// 25 items, each with one confidence that is not a number, and one whose media type is an object.
    /// Bytes rather than Data: LeakSanitizer flags Data built up in a static.
    static let bytes: [UInt8] = {
        var items = (0..<25).map { index in
            #"{"media_id": "m\#(index)", "metadata_items": [{"type": "issue", "properties": {"issue_type": "duplicates", "confidence": "high"}}]}"#
        }
        items.append(#"{"media_id": "good", "height": "12", "media_type": {"kind": "image"}, "metadata_items": [{"type": "issue", "properties": {"issue_type": "blur", "confidence": "0.5"}}]}"#)
        return Array(("{\"media_items\": [\n" + items.joined(separator: ",\n") + "\n]}").utf8)
    }()

    static var document: Data { Data(bytes) }

    @Test func everyReadingCommandGoesThroughOddValues() throws {
        for arguments in [["ndjson", "--normalize"], ["stats"], ["table", "issues"], ["table", "media"], ["filter", "--issue", "blur"], ["ndjson"]] {
            let result = try vlx(arguments, stdin: Self.document)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            let warnings = result.stderr.split(separator: "\n")
            // Each command reads what it needs: the odd values it meets are those in what it reads.
            let mediaType = #"<stdin>:27:52: media_items[25].media_type: expected string, found object"#
            let confidence = #"<stdin>:2:114: media_items[0].metadata_items[0].properties.confidence: expected number, found string "high""#
            switch arguments {
            case ["ndjson"]:
                // The lossless walk never looks at types.
                #expect(warnings.isEmpty, "\(arguments)")
            case ["stats"], ["table", "media"]:
                #expect(warnings == [Substring(mediaType)], "\(arguments)")
            case ["table", "issues"]:
                #expect(warnings.count == 21, "\(arguments): \(result.stderr)")
                #expect(warnings.first.map(String.init) == confidence, "\(arguments)")
                #expect(warnings.last == "vlx: <stdin>: 5 more values could not be read as their fields' kinds (25 in all; vlx validate lists them)")
            default:
                #expect(warnings.count == 21, "\(arguments): \(result.stderr)")
                #expect(warnings.first.map(String.init) == confidence, "\(arguments)")
                #expect(warnings.last == "vlx: <stdin>: 6 more values could not be read as their fields' kinds (26 in all; vlx validate lists them)", "\(arguments)")
            }
            let quiet = try vlx(arguments + ["--quiet"], stdin: Self.document)
            #expect(quiet.status == 0)
            #expect(quiet.stderr.isEmpty, "\(arguments)")
        }
    }

    @Test func theOddValueIsKeptAsItStandsAndCounted() throws {
        let normalized = try vlx(["ndjson", "--normalize", "--quiet"], stdin: Self.document)
        #expect(normalized.lines.count == 26)
        #expect(normalized.lines.first == #"{"media_id":"m0","metadata_items":[{"metadata_type":"issue","properties":{"issue_type":"duplicates","confidence":"high"}}]}"#)
        // Numbers written as strings are read as numbers.
        #expect(normalized.lines.last == #"{"media_id":"good","height":12,"metadata_items":[{"metadata_type":"issue","properties":{"issue_type":"blur","confidence":0.5}}],"media_type":{"kind":"image"}}"#)
        let stats = try vlx(["stats", "--json", "--quiet"], stdin: Self.document)
        let counted = try run("python3", ["-c", "import json, sys; s = json.load(sys.stdin); print(s['nonconforming_values'], s['media_items'])"], stdin: stats.stdout)
        #expect(counted.lines == ["{'media_type': 1} 26"])
        let filtered = try vlx(["filter", "--issue", "duplicates", "--min-confidence", "0.1", "--quiet"], stdin: Self.document)
        #expect(filtered.lines.isEmpty, "a confidence that cannot be read matches no threshold")
    }

    @Test func validateReportsEachOneAndStrictSchemaStopsAtTheFirst() throws {
        let validation = try vlx(["validate", "--max-errors", "100"], stdin: Self.document)
        #expect(validation.status == 1)
        #expect(validation.lines.count == 27)
        #expect(validation.lines.last == "<stdin>: 26 problems")
        let strict = try vlx(["ndjson", "--normalize", "--strict-schema"], stdin: Self.document)
        #expect(strict.status == 1)
        #expect(strict.lines.isEmpty)
        #expect(strict.stderr == #"vlx: <stdin>:2:114: media_items[0].metadata_items[0].properties.confidence: expected number, found string "high""# + "\n")
    }

    /// An export from the generator with odd values of every kind it knows in a quarter of its
    /// items, and a key written twice in a tenth: every command goes through it, and validate
    /// finds each odd value and each repeated key the generator wrote.
    @Test func everyCommandGoesThroughAGeneratedExportWithOddValues() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let export = scratch.appendingPathComponent("odd.json").path
        let generated = try run("sh", ["-c", "'\(Paths.generator)' --items 400 --odd 0.25 --repeated-keys 0.1 --seed 11 > '\(export)'"])
        #expect(generated.status == 0)
        // "vlx-generate: 108 odd values and 46 repeated keys in 400 items"
        let counts = generated.stderr.split(separator: " ")
        let odd = try #require(counts.count > 5 ? Int(counts[1]) : nil, "\(generated.stderr)")
        let repeatedKeys = try #require(counts.count > 5 ? Int(counts[5]) : nil, "\(generated.stderr)")
        #expect(odd > 50)
        #expect(repeatedKeys > 20)

        let commands: [[String]] = [
            ["ndjson"], ["ndjson", "--normalize"], ["stats", "--json"], ["info"], ["filter", "--issue", "duplicates"],
            ["filter", "--format", "export", "--min-uniqueness", "0.5"],
            ["table", "media"], ["table", "issues"], ["table", "labels"], ["table", "objects"], ["table", "tags"], ["table", "frames"],
            ["split", "--shards", "3", "-o", scratch.appendingPathComponent("shards").path],
            ["coco"], ["merge"], ["merge", "--format", "ndjson"],
        ]
        for arguments in commands {
            let result = try vlx(arguments + [export, "--quiet"])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(result.stderr.isEmpty, "\(arguments)")
        }
        // Every item reaches NDJSON, odd or not, and each line is JSON that jq reads.
        let lines = try vlx(["ndjson", export])
        #expect(lines.lines.count == 400)
        let normalized = try vlx(["ndjson", "--normalize", "--quiet", export])
        let jq = try run("jq", ["-c", "type"], stdin: normalized.stdout)
        #expect(jq.status == 0)
        #expect(jq.lines.count == 400)
        // validate reports exactly the values the generator made odd, and warns once for each
        // key it wrote twice (the typed walk vouches for the other items' keys: see
        // DuplicateKeyTests), with every core and with one worker.
        for threads in ["0", "1", "2"] {
            let validation = try vlx(["validate", "--max-errors", "10000", "--threads", threads, export])
            #expect(validation.status == 1)
            #expect(validation.lines.last == "\(export): \(odd) problems")
            #expect(validation.lines.filter { $0.contains("warning: ") && $0.hasSuffix("the key appears more than once; the last value counts") }.count == repeatedKeys)
        }
        let strict = try vlx(["ndjson", "--normalize", "--strict-schema", export])
        #expect(strict.status == 1)
    }
}

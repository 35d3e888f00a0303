import Foundation
import Testing

/// Commands that read several exports read them as one dataset: the pages of an export give
/// what the whole export gives, and a fault names the page it is in.
@Suite(.hangLimit) struct DatasetTests {
    /// Cuts the export argv[1] into pages of argv[3] items in the folder argv[2], each a valid
    /// export whose info declares its own total (the last page pretty-printed); prints their count.
    static let pagesProgram = #"""
    import json, os, sys
    export = json.load(open(sys.argv[1]))
    items, size = export['media_items'], int(sys.argv[3])
    for number, start in enumerate(range(0, len(items), size)):
        page = items[start:start + size]
        info = dict(export['info'], total_media_items=len(page))
        with open(os.path.join(sys.argv[2], f'page-{number}.json'), 'w') as f:
            json.dump({'info': info, 'media_items': page}, f, indent=2 if start + size >= len(items) else None)
    print(number + 1)
    """#

    @Test func pagesGiveWhatTheWholeExportGives() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let whole = Paths.fixture("real-export-extreme.json")
        #expect(try python(Self.pagesProgram, [whole, scratch.path, "17"]) == "4")
        let pages = (0..<4).map { scratch.appendingPathComponent("page-\($0).json").path }
        let commands: [[String]] = [
            ["ndjson"], ["ndjson", "--normalize"], ["ndjson", "--limit", "30"], ["stats"], ["stats", "--json"],
            ["filter", "--issue", "duplicates", "--min-confidence", "0.97"], ["filter", "-v", "--label", "snow", "--format", "export"],
            ["filter", "--issue", "duplicates", "--limit", "25"], ["table", "objects"], ["table", "issues", "--format", "tsv"],
            ["table", "media", "--limit", "20"], ["clean", "--dedupe", "--drop-issue", "blur"],
            ["sample", "-n", "9", "--seed", "5"],
        ]
        for command in commands {
            for threads in ["0", "2"] {
                let fromWhole = try vlx(command + ["--threads", threads, whole])
                let fromPages = try vlx(command + ["--threads", threads] + pages)
                #expect(fromWhole.status == 0 && fromPages.status == 0, "\(command): \(fromPages.stderr)")
                #expect(fromPages.stdout == fromWhole.stdout, "\(command), threads \(threads)")
                #expect(!fromWhole.stdout.isEmpty, "\(command)")
                if command[0] == "clean" { #expect(fromPages.stderr == fromWhole.stderr) }
            }
        }
    }

    /// A page cut short ends the run with exit 1 and an error naming that page; the items of the
    /// pages before it are in the partial output.
    @Test func aFaultNamesThePageItIsIn() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let whole = Paths.fixture("real-export-extreme.json")
        _ = try python(Self.pagesProgram, [whole, scratch.path, "20"])
        let cut = scratch.appendingPathComponent("cut.json")
        let second = try Data(contentsOf: scratch.appendingPathComponent("page-1.json"))
        try second.prefix(second.count / 2).write(to: cut)
        let pages = [scratch.appendingPathComponent("page-0.json").path, cut.path, scratch.appendingPathComponent("page-2.json").path]
        let output = scratch.appendingPathComponent("items.ndjson").path
        for command in [["ndjson", "-o", output], ["stats"], ["filter", "--media-type", "video_frame"], ["table", "media"]] {
            let result = try vlx(command + pages)
            #expect(result.status == 1, "\(command)")
            #expect(result.stderr.contains("vlx: \(cut.path):1:"), "\(command): \(result.stderr)")
        }
        let partial = try String(contentsOfFile: output + ".partial", encoding: .utf8)
        #expect(partial.split(separator: "\n").count >= 20)
        #expect(!FileManager.default.fileExists(atPath: output))
        // validate checks every export, the ones after a broken one too, each with its verdict.
        let validated = try vlx(["validate"] + pages)
        #expect(validated.status == 1)
        #expect(validated.lines.filter { $0.contains(": valid, ") }.count == 2, "\(validated.text)")
        #expect(validated.lines.contains("\(cut.path): 1 problem"), "\(validated.text)")
        // NDJSON of items is not an export; the error says what it looks like.
        let lines = try vlx(["stats", "-"], stdin: try vlx(["ndjson", whole]).stdout)
        #expect(lines.status == 1 && lines.stderr.contains("it looks like a media item, as in NDJSON of items"), "\(lines.stderr)")
        let twice = try vlx(["stats", "-", "-"])
        #expect(twice.status == 2 && twice.stderr.contains("can be given once"))
    }
}

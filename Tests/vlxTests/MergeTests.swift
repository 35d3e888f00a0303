import Foundation
import Testing
import TestSupport

/// `vlx merge` over overlapping pages of one export, as users of large datasets export them,
/// in every container, checked against the pages with Python's `json` and by `vlx validate`.
@Suite(.hangLimit) struct MergeTests {
    /// Cuts an export into pages that overlap (each page repeats the last items of the one before)
    /// and writes them as exports: FOLDER/page-N.json, and the items a merge keeps (each media_id
    /// once, the first copy; every item without one) to FOLDER/expected.json. Prints the number
    /// of pages, of items kept and of repeats left out.
    static let pagesProgram = #"""
    import json, os, sys
    source, folder, page_size, overlap = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    export = json.load(open(source, 'rb'))
    items = export['media_items']
    start, number, seen, kept, repeats = 0, 0, set(), [], 0
    while start < len(items):
        page = items[start:start + page_size]
        info = dict(export['info'], total_media_items=len(page))
        with open(os.path.join(folder, f'page-{number}.json'), 'w') as f:
            json.dump({'info': info, 'media_items': page}, f, indent=1 if number % 2 else None)
        for item in page:
            media_id = item.get('media_id') if isinstance(item, dict) else None
            if not isinstance(media_id, str):
                kept.append(item)
            elif media_id in seen:
                repeats += 1
            else:
                seen.add(media_id)
                kept.append(item)
        number += 1
        start += page_size - overlap
    json.dump(kept, open(os.path.join(folder, 'expected.json'), 'w'))
    print(number, len(kept), repeats)
    """#

    @Test func overlappingPagesInEveryContainerGiveEachItemOnceInOrder() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let source = scratch.appendingPathComponent("source.json").path
        try run(Paths.generator, ["--items", "2000", "--seed", "21", "--odd", "0.02"]).stdout.write(to: URL(fileURLWithPath: source))
        let printed = try python(Self.pagesProgram, [source, scratch.path, "500", "50"])
        let counts = printed.split(separator: " ").compactMap { Int($0) }
        try #require(counts.count == 3)
        let (kept, repeats) = (counts[1], counts[2])
        #expect(counts[0] == 5 && kept >= 2000 && repeats > 150, "\(counts)")

        // Page 1 as gzip, page 2 in a ZIP archive, page 3 on standard input.
        let page = { (number: Int) in scratch.appendingPathComponent("page-\(number).json").path }
        #expect(try run("gzip", ["-k", page(1)]).status == 0)
        #expect(try run("zip", ["-q", "-j", page(2) + ".zip", page(2)]).status == 0)
        let inputs = [page(0), page(1) + ".gz", page(2) + ".zip", "-", page(4)]
        let merged = scratch.appendingPathComponent("merged.json").path
        let result = try vlx(["merge"] + inputs + ["-o", merged], stdinFile: page(3))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("vlx merge: \(kept) items written from 5 inputs; \(repeats) repeated media_ids left out (0 with different content)"), "\(result.stderr)")

        let check = try python("""
        import json, sys
        merged = json.load(open(sys.argv[1], 'rb'))
        expected = json.load(open(sys.argv[2], 'rb'))
        print(merged['info']['total_media_items'], merged['media_items'] == expected, merged['info']['description'])
        """, [merged, scratch.appendingPathComponent("expected.json").path])
        #expect(check.hasPrefix("\(kept) True "), "\(check)")
        #expect(check.hasSuffix("(merged by vlx merge from 5 exports)"), "\(check)")
        // vlx validate reads it as an export; its only problems are the odd values of the items kept.
        let validation = try vlx(["validate", merged])
        let problems = validation.stderr.split(separator: "\n").filter { $0.hasPrefix("\(merged):1:") }
        #expect(problems.allSatisfy { $0.contains(": expected ") }, "\(validation.stderr)")
        #expect(!validation.stderr.contains("total_media_items"), "\(validation.stderr)")
        let oddInSource = try vlx(["validate", source])
        #expect(problems.count == oddInSource.stderr.split(separator: "\n").count { $0.hasPrefix("\(source):1:") })

        // NDJSON: the same items, one per line; --keep-duplicates writes the repeats too.
        let ndjson = try vlx(["merge", "--format", "ndjson", "--quiet"] + inputs, stdinFile: page(3))
        let exportLines = try vlx(["ndjson", merged, "--quiet"])
        #expect(ndjson.status == 0 && ndjson.lines == exportLines.lines)
        let everything = try vlx(["merge", "--format", "ndjson", "--keep-duplicates", "--quiet"] + inputs, stdinFile: page(3))
        #expect(everything.lines.count == kept + repeats)
    }

    @Test func aRepeatWithOtherContentIsReportedWithBothPlacesAndTheFirstCopyKept() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let first = Paths.fixture("real-export-extreme.json")
        let second = scratch.appendingPathComponent("second.json").path
        // The second export repeats three items, one of them changed and written differently
        // (pretty, another key order would count as a change; white space does not), and adds
        // one without a media_id.
        let ids = try python("""
        import json, sys
        items = json.load(open(sys.argv[1], 'rb'))['media_items']
        copies = [dict(item) for item in items[:3]]
        copies[2]['file_name'] = 'changed.jpg'
        json.dump({'media_items': copies + [{'file_name': 'no-id.jpg'}], 'info': {}}, open(sys.argv[2], 'w'), indent=2)
        print(items[2]['media_id'])
        """, [first, second])
        let result = try vlx(["merge", first, second, "--format", "ndjson"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.lines.count == 57)
        #expect(result.stderr.contains("vlx merge: media_id \(ids): \(second) item 2 differs from the copy kept, \(first) item 2; left out"), "\(result.stderr)")
        #expect(result.stderr.contains("3 repeated media_ids left out (1 with different content); 1 items without a media_id kept"), "\(result.stderr)")
        let original = try vlx(["ndjson", first])
        #expect(Array(result.lines.prefix(56)) == original.lines)
    }

    @Test func aCutPageEndsTheMergeWithTheItemsBeforeTheCut() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let whole = try run(Paths.generator, ["--items", "200", "--seed", "22"]).stdout
        let cut = scratch.appendingPathComponent("cut.json").path
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: cut))
        let merged = scratch.appendingPathComponent("merged.json").path
        let result = try vlx(["merge", Paths.fixture("real-export-extreme.json"), cut, "-o", merged, "--quiet"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("vlx: \(cut):"), "\(result.stderr)")
        // The output of a run that did not complete is not put in place: it waits at NAME.partial.
        #expect(!FileManager.default.fileExists(atPath: merged))
        #expect(result.stderr.contains("vlx: \(merged) was not created; the output of the "), "\(result.stderr)")
        let beforeCut = try vlx(["ndjson", cut, "--quiet"])
        #expect(result.stderr.contains("the \(56 + beforeCut.lines.count) media items read before the run stopped is in \(merged).partial\n"), "\(result.stderr)")
        let validation = try vlx(["validate", merged + ".partial", "--quiet"])
        #expect(validation.status == 0, "\(validation.stderr)")
        let count = try vlx(["ndjson", merged + ".partial", "--quiet"])
        #expect(count.lines.count == 56 + beforeCut.lines.count)
    }
}

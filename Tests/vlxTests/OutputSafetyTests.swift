import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The user's files come first: no output destroys an input, a file output is put in place only
/// when its run is complete, and a folder holds one run.
@Suite(.hangLimit) struct OutputSafetyTests {
    static let real = Paths.fixture("real-export-extreme.json")

    /// Each command that writes a file: its arguments given the input and the output.
    static let fileWriters: [(name: String, arguments: @Sendable (String, String) -> [String])] = [
        ("ndjson", { ["ndjson", $0, "-o", $1] }),
        ("normalize", { ["ndjson", "--normalize", $0, "-o", $1] }),
        ("filter", { ["filter", $0, "--format", "export", "-o", $1] }),
        ("table", { ["table", "issues", $0, "--output", $1] }),
        ("coco", { ["coco", "--media-type", "video_frame", $0, "-o", $1] }),
        ("merge", { ["merge", OutputSafetyTests.real, $0, "-o", $1] }),
        ("clean", { ["clean", "--dedupe", "--format", "export", $0, "-o", $1] }),
        ("clean --dropped", { ["clean", "--dedupe", $0, "--dropped", $1] }),
        ("sample", { ["sample", "-n", "5", "--seed", "1", $0, "-o", $1] }),
    ]

    @Test func anOutputThatIsTheInputIsRefusedAndTheInputKept() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let original = try Data(contentsOf: URL(fileURLWithPath: Self.real))
        let input = scratch.appendingPathComponent("more.json").path
        let link = scratch.appendingPathComponent("link.json").path
        let hardLink = scratch.appendingPathComponent("hard.json").path
        try original.write(to: URL(fileURLWithPath: input))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "more.json")
        #expect(Glibc.link(input, hardLink) == 0)
        for writer in Self.fileWriters {
            for output in [input, link, hardLink] {
                let result = try vlx(writer.arguments(input, output))
                #expect(result.status == 2, "\(writer.name) -o \(output): \(result.stderr)")
                #expect(result.stderr.hasPrefix("vlx: the output \(output) is the input \(input)"), "\(writer.name): \(result.stderr)")
                #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == original, "\(writer.name) changed its input")
            }
        }
        // An input named as the output's partial file would be replaced or removed by the run.
        let partialInput = scratch.appendingPathComponent("sub.json.partial").path
        try original.write(to: URL(fileURLWithPath: partialInput))
        let partial = try vlx(["filter", partialInput, "--format", "export", "-o", scratch.appendingPathComponent("sub.json").path])
        #expect(partial.status == 2)
        #expect(partial.stderr.contains("which is the input \(partialInput)"), "\(partial.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: partialInput)) == original)
        try FileManager.default.removeItem(atPath: partialInput)
        // The input read through the link, and the output named directly.
        let throughLink = try vlx(["ndjson", link, "-o", input])
        #expect(throughLink.status == 2)
        #expect(throughLink.stderr.contains("(the same file by another name or link)"), "\(throughLink.stderr)")
        // coco's categories are an input too.
        let categories = scratch.appendingPathComponent("categories.json").path
        try Data(#"["person", "car"]"#.utf8).write(to: URL(fileURLWithPath: categories))
        let coco = try vlx(["coco", input, "--categories", categories, "-o", categories])
        #expect(coco.status == 2, "\(coco.stderr)")
        #expect(try String(contentsOfFile: categories, encoding: .utf8) == #"["person", "car"]"#)
        // Standard output appended to the input would be read again for ever (cat(1) refuses it too).
        let appended = try run("bash", ["-c", "'\(Paths.vlx)' ndjson '\(input)' >> '\(input)'"])
        #expect(appended.status == 2)
        #expect(appended.stderr.hasPrefix("vlx: standard output is the input \(input)"), "\(appended.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == original)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted() == ["categories.json", "hard.json", "link.json", "more.json"])
    }

    /// A complete run replaces the destination: through a link, the file it names (the link stays);
    /// a new file gets the mode the umask allows, a replaced one keeps its own.
    @Test func aCompleteRunPutsItsOutputInPlace() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let expected = try vlx(["ndjson", Self.real]).stdout
        let new = scratch.appendingPathComponent("new.ndjson").path
        let made = try run("bash", ["-c", "umask 027; '\(Paths.vlx)' ndjson '\(Self.real)' -o '\(new)'"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: new)) == expected)
        #expect(try FileManager.default.attributesOfItem(atPath: new)[.posixPermissions] as? Int == 0o640)

        let existing = scratch.appendingPathComponent("existing.ndjson").path
        try Data("old\n".utf8).write(to: URL(fileURLWithPath: existing))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: existing)
        let link = scratch.appendingPathComponent("link.ndjson").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "existing.ndjson")
        #expect(try vlx(["ndjson", Self.real, "-o", link]).status == 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "existing.ndjson")
        #expect(try Data(contentsOf: URL(fileURLWithPath: existing)) == expected)
        #expect(try FileManager.default.attributesOfItem(atPath: existing)[.posixPermissions] as? Int == 0o600)

        // A complete run removes the NAME.partial an earlier run that stopped left.
        let partial = existing + ".partial"
        try Data("{\"media_id\":\"cut\"}\n".utf8).write(to: URL(fileURLWithPath: partial))
        #expect(try vlx(["ndjson", Self.real, "-o", existing]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: partial))

        // --strict-schema is not ignored by the lossless writer: it reads every value as its kind.
        let odd = scratch.appendingPathComponent("odd.json").path
        try Data(#"{"media_items": [{"media_id": "a"}, {"width": "abc"}, {"media_id": "c"}]}"#.utf8).write(to: URL(fileURLWithPath: odd))
        let strict = try vlx(["ndjson", "--strict-schema", odd])
        #expect(strict.status == 1)
        #expect(strict.lines == [#"{"media_id":"a"}"#])
        #expect(strict.stderr.hasPrefix("vlx: \(odd):1:47: media_items[1].width: expected integer, found string \"abc\""), "\(strict.stderr)")
        try FileManager.default.removeItem(atPath: odd)

        // A run that stops writes its partial output beside the file a link names; both stay.
        let cut = scratch.appendingPathComponent("cut.json").path
        try Data(try Data(contentsOf: URL(fileURLWithPath: Self.real)).prefix(60_000)).write(to: URL(fileURLWithPath: cut))
        let before = try Data(contentsOf: URL(fileURLWithPath: existing))
        let stopped = try vlx(["ndjson", cut, "-o", link])
        #expect(stopped.status == 1)
        #expect(stopped.stderr.hasSuffix("vlx: \(link) was left as it was; the output of the 17 media items read before the run stopped is in \(existing).partial\n"), "\(stopped.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: existing)) == before)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "existing.ndjson")
        try FileManager.default.removeItem(atPath: existing + ".partial")
        try FileManager.default.removeItem(atPath: cut)

        // A file the user may not write is not replaced (root may write any file: run as nobody).
        let locked = scratch.appendingPathComponent("locked").path
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o777])
        let readOnly = locked + "/read-only.ndjson"
        try Data("mine\n".utf8).write(to: URL(fileURLWithPath: readOnly))
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: readOnly)
        let asNobody = getuid() == 0 ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
        let refused = try run("env", asNobody + [Paths.vlx, "ndjson", Self.real, "-o", readOnly])
        #expect(refused.status == 3)
        #expect(refused.stderr == "vlx: cannot write \(readOnly): Permission denied\n")
        #expect(try String(contentsOfFile: readOnly, encoding: .utf8) == "mine\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: locked) == ["read-only.ndjson"])
        try FileManager.default.removeItem(atPath: locked)

        // A path that names no file is refused before anything is read.
        #expect(try vlx(["ndjson", Self.real, "-o", ""]).status == 2)
        #expect(try vlx(["ndjson", Self.real, "-o", scratch.appendingPathComponent("new-folder/").path + "/"]).status == 2)

        // A destination that is no regular file is written as it is.
        #expect(try vlx(["ndjson", Self.real, "-o", "/dev/null"]).status == 0)
        // A folder, and a link to nothing, are refused before anything is read.
        let folder = try vlx(["ndjson", Self.real, "-o", scratch.path])
        #expect(folder.status == 2)
        #expect(folder.stderr == "vlx: the output \(scratch.path) is a folder; give a file's path\n")
        let dangling = scratch.appendingPathComponent("dangling").path
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: "nowhere")
        #expect(try vlx(["ndjson", Self.real, "-o", dangling]).status == 2)
        // A folder that does not exist cannot hold the output: an I/O failure, and nothing made.
        let missing = scratch.appendingPathComponent("missing/out.ndjson").path
        let unwritable = try vlx(["ndjson", Self.real, "-o", missing])
        #expect(unwritable.status == 3)
        #expect(unwritable.stderr.hasPrefix("vlx: cannot write \(missing): cannot create a file in "), "\(unwritable.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted() == ["dangling", "existing.ndjson", "link.ndjson", "new.ndjson"])
    }

    @Test func splitRefusesAUsedFolderAndOverwriteReplacesIt() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let folder = scratch.appendingPathComponent("shards").path
        let first = try vlx(["split", Self.real, "--shards", "3", "-o", folder])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["_SUCCESS", "_manifest.json", "part-00000.ndjson", "part-00001.ndjson", "part-00002.ndjson"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/_SUCCESS")).isEmpty)
        let before = try folderContents(folder)

        // A second run into the same folder is refused, and the folder is left as it was.
        let again = try vlx(["split", Self.real, "--shards", "2", "--output", folder])
        #expect(again.status == 2)
        #expect(again.stderr == "vlx: the folder \(folder) is not empty (it holds _SUCCESS, _manifest.json, part-00000.ndjson and 2 more); give --overwrite to replace what it holds, or a new or empty folder\n")
        #expect(try folderContents(folder) == before)

        // --overwrite replaces everything, a file the user put there and a subfolder included.
        try Data("mine".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
        try FileManager.default.createDirectory(atPath: folder + "/old/deeper", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/old/deeper/part-9.ndjson"))
        // The old option name still works.
        let overwritten = try vlx(["split", Self.real, "--shards", "2", "--out", folder, "--overwrite"])
        #expect(overwritten.status == 0, "\(overwritten.stderr)")
        #expect(overwritten.stderr == "vlx split: --overwrite removed what \(folder) held: _SUCCESS, _manifest.json, notes.txt and 4 more\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["_SUCCESS", "_manifest.json", "part-00000.ndjson", "part-00001.ndjson"])
        let duck = try python("""
        import duckdb, sys
        print(duckdb.sql(f"select count(*), count(distinct media_id) from read_json('{sys.argv[1]}/*.ndjson', format='newline_delimited')").fetchall())
        """, [folder])
        #expect(duck == "[(56, 56)]")

        // --overwrite never deletes an input: not one inside the folder, not one below it.
        try FileManager.default.createDirectory(atPath: folder + "/inputs", withIntermediateDirectories: true)
        let inside = folder + "/inputs/export.json"
        try FileManager.default.copyItem(atPath: Self.real, toPath: inside)
        let refused = try vlx(["split", inside, "--shards", "2", "-o", folder, "--overwrite"])
        #expect(refused.status == 2)
        #expect(refused.stderr == "vlx: the folder \(folder) holds the input \(inside); --overwrite would delete it: choose another folder\n")
        #expect(FileManager.default.contentsEqual(atPath: inside, andPath: Self.real))

        // A run that stops before its first item leaves the folder as it was, --overwrite or not.
        let notAnExport = scratch.appendingPathComponent("coco.json").path
        try Data(#"{"images": [], "annotations": []}"#.utf8).write(to: URL(fileURLWithPath: notAnExport))
        let held = try folderContents(folder)
        let failed = try vlx(["split", notAnExport, "--shards", "2", "-o", folder, "--overwrite"])
        #expect(failed.status == 1)
        #expect(!failed.stderr.contains("removed"), "\(failed.stderr)")
        #expect(try folderContents(folder) == held)
        let newFolder = scratch.appendingPathComponent("never").path
        #expect(try vlx(["split", notAnExport, "--shards", "2", "-o", newFolder]).status == 1)
        #expect(!FileManager.default.fileExists(atPath: newFolder))

        // A file where the folder should be is refused.
        let file = scratch.appendingPathComponent("file").path
        try Data().write(to: URL(fileURLWithPath: file))
        #expect(try vlx(["split", Self.real, "--shards", "2", "-o", file]).status == 2)
        // Giving the folder twice, or not at all, is a usage error.
        for (first, second) in [("-o", "--out"), ("--output", "--out"), ("--output", "-o")] {
            let twice = try vlx(["split", Self.real, "--shards", "2", first, folder, second, folder + "2"])
            #expect(twice.status == 2)
            #expect(twice.stderr.hasPrefix("vlx: -o/--output/--out is given 2 times"), "\(twice.stderr)")
        }
        #expect(try vlx(["split", Self.real, "--shards", "2"]).status == 2)
    }

    @Test func splitWritesNoEmptyPartAndSaysSo() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let folder = scratch.appendingPathComponent("shards").path
        let result = try vlx(["split", Self.real, "--shards", "1000", "-o", folder])
        #expect(result.status == 0)
        #expect(result.stderr == "vlx split: 56 media items, fewer than --shards 1000: 56 parts written, none empty\n")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(files.count == 58)
        for file in files where file.hasPrefix("part-") {
            #expect(try String(contentsOfFile: folder + "/" + file, encoding: .utf8).split(separator: "\n").count == 1)
        }
        let manifest = try run("jq", ["-c", "[.complete, (.shards | length), ([.shards[].media_items] | min)]", folder + "/_manifest.json"])
        #expect(manifest.lines == ["[true,56,1]"])
    }

    /// A repeated condition means any of its values; different conditions all hold. Checked
    /// against Python's reading of the same rules over a generated export.
    @Test func repeatedConditionsMeanAnyOfAndConditionsCombineWithAnd() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let export = scratch.appendingPathComponent("export.json").path
        try run(Paths.generator, ["--items", "1500", "--seed", "29"]).stdout.write(to: URL(fileURLWithPath: export))
        let vocabulary = try python("""
        import json, sys
        items = json.load(open(sys.argv[1]))['media_items']
        def meta(item):
            for m in item.get('metadata_items', []):
                yield m
                if m.get('type', m.get('metadata_type')) == 'object_label':
                    yield from m.get('properties', {}).get('metadata_items', [])
        labels, tags, types = {}, {}, {}
        for item in items:
            types[item.get('media_type')] = types.get(item.get('media_type'), 0) + 1
            for m in meta(item):
                kind, p = m.get('type', m.get('metadata_type')), m.get('properties', {})
                if kind in ('image_label', 'object_label') and 'category_name' in p: labels[p['category_name']] = 1
                if kind == 'user_tag' and 'tag_name' in p: tags[p['tag_name']] = 1
        print(json.dumps([sorted(labels)[:3], sorted(tags)[:2], sorted(t for t in types if t)]))
        """, [export])
        let words = try JSONSerialization.jsonObject(with: Data(vocabulary.utf8)) as! [[String]]
        let (labels, tags, mediaTypes) = (words[0], words[1], words[2])
        // The generator writes one tag name: the second is one no item has.
        #expect(labels.count == 3 && tags.count == 1 && mediaTypes.count == 2, "\(words)")
        let cases: [[String]] = [
            ["--label", labels[0], "--label", labels[1]],
            ["--label", labels[0], "--label", labels[1], "--label", labels[2], "--tag", tags[0]],
            ["--tag", "no such tag", "--tag", tags[0]],
            ["--media-type", mediaTypes[0], "--media-type", mediaTypes[1], "--issue", "duplicate"],
            ["--media-type", mediaTypes[1], "--issue", "blur", "--issue", "mislabels", "--min-confidence", "0.5"],
            ["--issue", "outliers", "--label", labels[2], "--min-uniqueness", "0.3"],
        ]
        for arguments in cases {
            let filtered = try vlx(["filter", export, "--quiet"] + arguments)
            #expect(filtered.status == 0, "\(filtered.stderr)")
            let got = filtered.lines.map { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["media_id"] as? String ?? ""
            }
            let expected = try python(Self.filterReference, [export] + arguments).split(separator: "\n").map(String.init)
            #expect(got == expected, "\(arguments): \(got.count) items, expected \(expected.count)")
            #expect(!expected.isEmpty, "\(arguments) selects nothing: the case tests too little")
        }
    }

    /// `vlx filter`'s rules, read from its help: any of a repeated condition's values, every condition.
    static let filterReference = #"""
import json, sys
items = json.load(open(sys.argv[1]))['media_items']
args = sys.argv[2:]
wanted = {}
for name, value in zip(args[::2], args[1::2]):
    wanted.setdefault(name, []).append(value)
spell = {'duplicate': 'duplicates', 'mislabel': 'mislabels', 'outlier': 'outliers', 'blurry': 'blur', 'label_outliers': 'label_outlier'}
def kind(name): return spell.get(name, name)
def number(value):
    try: return float(value)
    except (TypeError, ValueError): return None
def meta(item):
    for m in item.get('metadata_items', []):
        yield m
        if m.get('type', m.get('metadata_type')) == 'object_label':
            yield from m.get('properties', {}).get('metadata_items', [])
def own(item, nested_kinds):
    for m in item.get('metadata_items', []):
        yield m
        if m.get('type', m.get('metadata_type')) == 'object_label':
            for n in m.get('properties', {}).get('metadata_items', []):
                if n.get('type', n.get('metadata_type')) in nested_kinds: yield n
def typ(m): return m.get('type', m.get('metadata_type'))
for item in items:
    if '--media-type' in wanted and item.get('media_type') not in wanted['--media-type']: continue
    score = number(item.get('uniqueness_score'))
    if '--min-uniqueness' in wanted and (-1 if score is None else score) < float(wanted['--min-uniqueness'][0]): continue
    if '--issue' in wanted or '--min-confidence' in wanted:
        kinds = [kind(k) for k in wanted.get('--issue', [])]
        threshold = float(wanted['--min-confidence'][0]) if '--min-confidence' in wanted else None
        def ok(p):
            if kinds and kind(p.get('issue_type')) not in kinds: return False
            if threshold is not None:
                c = number(p.get('confidence'))
                return c is not None and c >= threshold
            return True
        if not any(ok(m.get('properties', {})) for m in own(item, ['issue']) if typ(m) == 'issue'): continue
    if '--label' in wanted:
        if not any(m.get('properties', {}).get('category_name') in wanted['--label'] for m in item.get('metadata_items', []) if typ(m) in ('image_label', 'object_label')): continue
    if '--tag' in wanted:
        if not any(m.get('properties', {}).get('tag_name') in wanted['--tag'] for m in own(item, ['user_tag']) if typ(m) == 'user_tag'): continue
    print(item.get('media_id'))
"""#

    @Test func aValueThatSelectsNothingIsSaidWithTheValuesThatExist() throws {
        let result = try vlx(["filter", Self.real, "--issue", "dupes", "--label", "Person", "--label", "person", "--media-type", "imag", "--tag", "x"])
        #expect(result.status == 0)
        #expect(result.lines.isEmpty)
        #expect(result.stderr == """
        vlx filter: no item has media type "imag"; the closest seen: video_frame (56 items)
        vlx filter: no item has issue type "dupes"; the closest seen: duplicates (40 items), blur (4 items), outliers (2 items)
        vlx filter: no item has label "Person"; the closest seen: person (41 items), peak (10 items), narrow (3 items), terrain (3 items), parka (2 items), …
        vlx filter: no item has tag "x"; no item has any tag

        """)
        // A value that some item has is not mentioned, whatever the other conditions select.
        let found = try vlx(["filter", Self.real, "--label", "person", "--issue", "duplicate"])
        #expect(found.status == 0)
        #expect(found.stderr.isEmpty, "\(found.stderr)")
        let coco = try vlx(["coco", Self.real, "--media-type", "image", "--media-type", "video_frame", "--media-type", "vidoe_frame", "-o", "/dev/null"])
        #expect(coco.status == 0)
        #expect(coco.stderr.hasSuffix("vlx coco: no item has media type \"vidoe_frame\"; the closest seen: video_frame (56 items)\n"), "\(coco.stderr)")
        #expect(coco.stderr.contains("vlx coco: no item has media type \"image\"; the closest seen: video_frame (56 items)\n"), "\(coco.stderr)")
        // --quiet says nothing.
        #expect(try vlx(["filter", Self.real, "--tag", "x", "--quiet"]).stderr.isEmpty)
    }

    @Test func mistakesOnTheCommandLineAreUsageErrors() throws {
        let outOfRange = try vlx(["filter", Self.real, "--min-confidence", "1.5"])
        #expect(outOfRange.status == 2)
        #expect(outOfRange.stderr.hasPrefix("Error: --min-confidence takes a number from 0 to 1, not 1.5."), "\(outOfRange.stderr)")
        // A negative number is a value, not an option.
        let negative = try vlx(["filter", Self.real, "--min-uniqueness", "-0.1"])
        #expect(negative.status == 2)
        #expect(negative.stderr.hasPrefix("Error: --min-uniqueness takes a number from 0 to 1, not -0.1."), "\(negative.stderr)")
        #expect(try vlx(["stats", Self.real, "--threads", "-1"]).stderr.hasPrefix("Error: --threads must be between 0 and 256."))
        #expect(try vlx(["filter", Self.real, "--min-confidence", "nan"]).status == 2)

        let repeated = try vlx(["filter", Self.real, "--format", "export", "-o", "/dev/null", "--format=ndjson"])
        #expect(repeated.status == 2)
        #expect(repeated.stderr == "vlx: --format is given 2 times (export, ndjson) but takes one value; give it once\n")
        let output = try vlx(["ndjson", Self.real, "-o", "/dev/null", "--output", "/dev/null"])
        #expect(output.stderr == "vlx: -o/--output is given 2 times (/dev/null, /dev/null) but takes one value; give it once\n")
        // Flags and options that collect values may repeat.
        #expect(try vlx(["ndjson", Self.real, "-q", "--quiet", "-o", "/dev/null"]).status == 0)

        // An error of a limit or of the strict dialect names the flag that changes it, not the
        // reader's option.
        let large = try vlx(["ndjson", "--max-item-bytes", "100", Self.real])
        #expect(large.stderr.hasSuffix("media item is larger than the limit of 100 bytes (--max-item-bytes raises it)\n"), "\(large.stderr)")
        let deep = try vlx(["ndjson", "--max-depth", "3", Self.real])
        #expect(deep.stderr.contains("nesting is deeper than the limit of 3 levels (--max-depth raises it)"), "\(deep.stderr)")
        let comma = try vlx(["ndjson"], stdin: Data(#"{"media_items": [{"a": 1},]}"#.utf8))
        #expect(comma.stderr.contains("(strict JSON forbids it; --lenient accepts it)"), "\(comma.stderr)")

        let misspelt = try vlx(["stat", Self.real])
        #expect(misspelt.status == 2)
        #expect(misspelt.stderr == "vlx: 'stat' is not a vlx command; did you mean 'stats'? See 'vlx --help'.\n")
        let help = try vlx(["help", "nosuch"])
        #expect(help.status == 2)
        #expect(help.stderr.hasPrefix("vlx: 'nosuch' is not a vlx command; the commands are ndjson, info, stats,"), "\(help.stderr)")
        #expect(try vlx(["help", "stats"]).status == 0)
    }

    /// With no FILE and a terminal on standard input, vlx says what it wants instead of waiting.
    @Test func aTerminalOnStandardInputWithNoFileIsAUsageError() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let log = scratch.appendingPathComponent("terminal.log").path
        // script(1) gives vlx a terminal on standard input; its own input is empty, so a wait would hang.
        let result = try run("script", ["-qec", "'\(Paths.vlx)' stats; echo status $?", log])
        #expect(result.status == 0)
        let screen = String(decoding: try Data(contentsOf: URL(fileURLWithPath: log)), as: UTF8.self)
        #expect(screen.contains("vlx: no export given, and standard input is a terminal: give a FILE, or pipe an export in (- reads the terminal)"), "\(screen)")
        #expect(screen.contains("status 2"), "\(screen)")
    }

    /// Every file below a folder, by path from it, with its bytes (a folder as empty bytes).
    func folderContents(_ folder: String) throws -> [String: Data] {
        var contents: [String: Data] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: folder) {
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isFolder)
            contents[name] = isFolder.boolValue ? Data() : try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
        }
        return contents
    }
}

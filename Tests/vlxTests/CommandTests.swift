import Foundation
import Testing
import TestSupport

/// vlx end to end: the built binary, its stdout, stderr and exit status, read by real clients.
@Suite(.hangLimit) struct CommandTests {
    static let real = Paths.fixture("real-export-extreme.json")
    static let seed = Paths.fixture("seed-example.json")
    static let edge = Paths.fixture("edge-cases.json")

    /// The real export in every container vlx reads, as (description, arguments, stdin file).
    static func inputKinds(in scratch: URL) throws -> [(String, [String], String?)] {
        let gzip = scratch.appendingPathComponent("export.json.gz").path
        try run("sh", ["-c", "gzip -c '\(real)' > '\(gzip)'"])
        let zip = scratch.appendingPathComponent("download.zip").path
        try run("sh", ["-c", "cd '\(Paths.fixtures.path)' && zip -q '\(zip)' README.md real-export-extreme.json"])
        // ZIP64 records, the entry stored rather than deflated.
        let zip64 = scratch.appendingPathComponent("download64.zip").path
        try run("sh", ["-c", "cd '\(Paths.fixtures.path)' && zip -q -0 -fz '\(zip64)' real-export-extreme.json"])
        // Written as a stream (sizes in data descriptors), with the attribute file macOS adds first.
        let streamed = scratch.appendingPathComponent("streamed.zip").path
        _ = try python("""
            import io, sys, zipfile
            class Stream(io.RawIOBase):
                def __init__(self): self.data = bytearray()
                def writable(self): return True
                def write(self, b): self.data += b; return len(b)
            stream = Stream()
            with zipfile.ZipFile(stream, 'w', compression=zipfile.ZIP_DEFLATED) as archive:
                with archive.open('__MACOSX/._real-export-extreme.json', 'w') as entry: entry.write(b'\\x00\\x05\\x16\\x07 not json')
                with archive.open('real-export-extreme.json', 'w') as entry: entry.write(open(sys.argv[1], 'rb').read())
            open(sys.argv[2], 'wb').write(stream.data)
            """, [real, streamed])
        // A name that says nothing: the container is recognised by its first bytes.
        let disguised = scratch.appendingPathComponent("export.bin").path
        try FileManager.default.copyItem(atPath: gzip, toPath: disguised)
        return [
            ("plain path", [real], nil), ("plain stdin", [], real), ("plain -", ["-"], real),
            ("gzip path", [gzip], nil), ("gzip stdin", [], gzip), ("gzip by magic bytes", [disguised], nil),
            ("zip path", [zip], nil), ("zip stdin", [], zip), ("zip64 stored", [zip64], nil), ("zip streamed from macOS", [streamed], nil),
        ]
    }

    @Test func ndjsonIsLosslessFromEveryInputKind() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        // Python reads the source whole and each line, and compares values, key order included.
        let check = """
        import json, sys
        src = json.load(open(sys.argv[1]), object_pairs_hook=lambda p: p)
        items = dict(src)["media_items"]
        lines = open(sys.argv[2]).read().splitlines()
        got = [json.loads(l, object_pairs_hook=lambda p: p) for l in lines]
        print(len(lines), got == items)
        """
        for (kind, arguments, stdin) in try Self.inputKinds(in: scratch) {
            let result = try vlx(["ndjson"] + arguments, stdinFile: stdin)
            #expect(result.status == 0, "\(kind): \(result.stderr)")
            #expect(result.stderr == "", "\(kind)")
            let out = scratch.appendingPathComponent("out.ndjson")
            try result.stdout.write(to: out)
            #expect(try python(check, [Self.real, out.path]) == "56 True", "\(kind)")
        }
    }

    @Test func everySubcommandGivesTheSameOutputFromEveryInputKind() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let commands: [[String]] = [
            ["ndjson", "--normalize"], ["info", "--json"], ["info"], ["stats", "--json"], ["stats"], ["validate"],
            ["filter", "--issue", "duplicates", "--min-confidence", "0.97"], ["filter", "--label", "snowboarder", "--format", "export"],
            ["table", "media"], ["table", "issues", "--format", "tsv"], ["table", "objects", "--format", "ndjson"],
        ]
        let kinds = try Self.inputKinds(in: scratch)
        for command in commands {
            let reference = try vlx(command + [Self.real])
            #expect(reference.status == 0, "\(command): \(reference.stderr)")
            #expect(!reference.stdout.isEmpty)
            for (kind, arguments, stdin) in kinds {
                let result = try vlx(command + arguments, stdinFile: stdin)
                #expect(result.status == 0, "\(command) \(kind): \(result.stderr)")
                // Only the input's name may differ (validate prints it): a path, or <stdin>.
                let name = arguments.first.flatMap { $0 == "-" ? nil : $0 } ?? "<stdin>"
                let shown = kind.hasPrefix("zip") ? name + ":real-export-extreme.json" : name
                let output = command.first == "validate" ? result.text.replacingOccurrences(of: shown, with: Self.real) : result.text
                #expect(output == reference.text, "\(command) \(kind)")
            }
        }
        // split, compared by what the parts hold.
        for (kind, arguments, stdin) in kinds {
            let directory = scratch.appendingPathComponent("split-\(kind.replacingOccurrences(of: " ", with: "-"))").path
            let result = try vlx(["split", "--shards", "2", "-o", directory] + arguments, stdinFile: stdin)
            #expect(result.status == 0, "split \(kind): \(result.stderr)")
            let lines = try run("sh", ["-c", "cat '\(directory)'/part-*.ndjson | sort | md5sum"])
            let expected = try run("sh", ["-c", "'\(Paths.vlx)' ndjson '\(Self.real)' | sort | md5sum"])
            #expect(lines.text == expected.text, "split \(kind)")
        }
    }

    @Test func jqAndDuckDBReadTheNDJSON() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("items.ndjson").path
        #expect(try vlx(["ndjson", Self.real, "-o", out]).status == 0)
        let ids = try run("jq", ["-r", ".media_id", out])
        #expect(ids.status == 0)
        let expected = try python("import json,sys; print('\\n'.join(i['media_id'] for i in json.load(open(sys.argv[1]))['media_items']))", [Self.real])
        #expect(ids.text.trimmingCharacters(in: .newlines) == expected)
        let duck = try python("""
        import duckdb, sys
        print(duckdb.sql(f"select count(*), count(distinct media_id), sum(len(metadata_items)) from read_json('{sys.argv[1]}', format='newline_delimited')").fetchall())
        """, [out])
        #expect(duck == "[(56, 56, 1085)]")
    }

    @Test func normalizeWritesOneCanonicalShape() throws {
        let result = try vlx(["ndjson", "--normalize", "--lenient", Self.seed])
        #expect(result.status == 0)
        let direct = try run("python3", ["-c", """
        import json, sys
        items = [json.loads(l) for l in sys.stdin.read().splitlines()]
        metas = [m for i in items for m in i['metadata_items']]
        nested = [n for m in metas for n in m['properties'].get('metadata_items', [])]
        print(len(items), all('metadata_type' in m and 'type' not in m for m in metas + nested),
              items[0]['metadata_items'][0]['properties']['confidence'], items[0]['file_size_bytes'],
              items[1]['metadata_items'][2]['properties']['bbox'], items[2]['metadata_items'][0]['metadata_type'])
        """], stdin: result.stdout)
        #expect(direct.status == 0, "\(direct.stderr)")
        #expect(direct.lines == ["3 True 0.88 7707034 [50.0, 50.0, 150.0, 150.0] video_info"])
    }

    @Test func infoPrintsTheInfoAndStopsReadingWhenItComesFirst() throws {
        let human = try vlx(["info", Self.real])
        #expect(human.status == 0)
        #expect(human.lines.contains("dataset         Extreme"))
        #expect(human.lines.contains("media items     56"))
        let json = try vlx(["info", "--json", Self.edge])
        #expect(json.text == #"{"schema_version":"1.1","dataset":"Edge cases ✓","export_time":"2025-02-15T18:23:34.164184","total_media_items":3,"vendor_field":true}"# + "\n")
        // Everything after info is broken, and info still reads: it stopped there.
        let broken = Data(#"{"info": {"dataset": "early"}, "media_items": [{"media_id": ]]]"#.utf8)
        let early = try vlx(["info", "--json"], stdin: broken)
        #expect(early.status == 0, "\(early.stderr)")
        #expect(early.text == #"{"dataset":"early"}"# + "\n")
    }

    @Test func statsCountWhatPythonCounts() throws {
        let result = try vlx(["stats", "--json", Self.real])
        #expect(result.status == 0)
        #expect(result.stderr == "")
        let oracle = try python("""
        import json, sys, collections
        d = json.load(open(sys.argv[1]))
        items = d['media_items']
        metas = [m for i in items for m in i['metadata_items']]
        objects = [m for m in metas if m['type'] == 'object_label']
        nested = [n for o in objects for n in o['properties']['metadata_items']]
        issues = [m for m in metas + nested if m['type'] == 'issue']
        def names(kind, key):
            return dict(collections.Counter(m['properties'].get(key, '(none)') for m in metas + nested if m['type'] == kind))
        print(json.dumps({
          'media_items': len(items),
          'media_types': dict(sorted(collections.Counter(i['media_type'] for i in items).items())),
          'metadata_types': dict(sorted(collections.Counter(m['type'] for m in metas).items())),
          'issue_types': dict(sorted(collections.Counter(m['properties']['issue_type'] for m in issues).items())),
          'objects': len(objects),
          'duplicate_groups': len({m['properties']['duplicate_group_id'] for m in issues if 'duplicate_group_id' in m['properties']}),
          'labels': names('image_label', 'category_name'),
          'tags': names('user_tag', 'tag_name'),
          'object_categories': dict(collections.Counter(o['properties'].get('category_name', '(none)') for o in objects)),
          'items_with_issues': sum(1 for i in items if any(m['type'] == 'issue' for m in i['metadata_items'])
                                   or any(n['type'] == 'issue' for m in i['metadata_items'] if m['type'] == 'object_label' for n in m['properties']['metadata_items'])),
        }, sort_keys=True))
        """, [Self.real])
        let mine = try run("python3", ["-c", """
        import json, sys
        s = json.loads(sys.stdin.read())
        keys = ['media_items', 'media_types', 'metadata_types', 'issue_types', 'objects', 'duplicate_groups', 'labels', 'tags', 'object_categories', 'items_with_issues']
        print(json.dumps({k: s[k] for k in keys}, sort_keys=True))
        """], stdin: result.stdout)
        #expect(mine.text.trimmingCharacters(in: .newlines) == oracle)
        let readable = try vlx(["stats", Self.real])
        #expect(readable.lines.first == "media items: 56")
    }

    @Test func validateListsEveryProblemWithItsLocation() throws {
        let bad = Data("""
        {"media_items": [
        {"media_id": "a", "height": 3},
          {"media_id": "b", "height": "abc"},
         {"media_id": "c", "metadata_items": [{"type": "issue", "properties": {"confidence": true}}]}
        ], "info": {"total_media_items": 5}}
        """.utf8)
        let result = try vlx(["validate"], stdin: bad)
        #expect(result.status == 1)
        #expect(result.lines == [
            #"<stdin>:3:31: media_items[1].height: expected integer, found string "abc""#,
            "<stdin>:4:86: media_items[2].metadata_items[0].properties.confidence: expected number, found boolean true",
            "<stdin>: warning: info.total_media_items says 5 but media_items holds 3",
            "<stdin>: 2 problems",
        ])
        let strict = try vlx(["validate", Self.seed])
        #expect(strict.status == 1)
        #expect(strict.lines.first?.hasPrefix(Self.seed + ":67:41: trailing comma before '}'") == true)
        let lenient = try vlx(["validate", "--lenient", Self.seed])
        #expect(lenient.status == 0)
        #expect(lenient.lines == [Self.seed + ": valid, 3 media items"])
        let capped = try vlx(["validate", "--max-errors", "1"], stdin: bad)
        #expect(capped.status == 1)
        #expect(capped.lines.last == "<stdin>: 1 problem (stopped at --max-errors)")
    }

    @Test func filterKeepsWhatPythonKeeps() throws {
        let result = try vlx(["filter", "--issue", "duplicates", "--min-confidence", "0.97", Self.real])
        #expect(result.status == 0)
        let expected = try python("""
        import json, sys
        d = json.load(open(sys.argv[1]))
        def issues(i):
            for m in i['metadata_items']:
                if m['type'] == 'issue': yield m['properties']
                if m['type'] == 'object_label':
                    for n in m['properties']['metadata_items']:
                        if n['type'] == 'issue': yield n['properties']
        print(' '.join(i['media_id'] for i in d['media_items'] if any(p['issue_type'] == 'duplicates' and p['confidence'] >= 0.97 for p in issues(i))))
        """, [Self.real])
        let ids = result.lines.map { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["media_id"] as? String ?? "?"
        }
        #expect(ids.joined(separator: " ") == expected)
        #expect(!ids.isEmpty)

        // String confidences count as numbers; the documented spelling "duplicate" matches "duplicates".
        let documented = try vlx(["filter", "--lenient", "--issue", "duplicates", "--min-confidence", "0.88", Self.seed])
        #expect(documented.lines.count == 2)
        let tagged = try vlx(["filter", "--lenient", "--tag", "accepted", Self.seed])
        #expect(tagged.lines.count == 1)
        let labelled = try vlx(["filter", "--lenient", "--label", "parking lot", "--media-type", "video_frame", Self.seed])
        #expect(labelled.lines.count == 1)

        let export = try vlx(["filter", "--label", "snowboarder", "--format", "export", Self.real])
        let counts = try run("jq", ["-c", "[.info.total_media_items, (.media_items | length), .info.dataset]"], stdin: export.stdout)
        #expect(counts.lines == [#"[37,37,"Extreme"]"#])
    }

    @Test func tablesAreCSVThatPythonReads() throws {
        let issues = try vlx(["table", "issues", Self.real])
        #expect(issues.status == 0)
        let parsed = try run("python3", ["-c", """
        import csv, sys, io
        rows = list(csv.DictReader(io.StringIO(sys.stdin.read(), newline='')))
        print(len(rows), sum(1 for r in rows if r['object_index'] != ''), rows[0]['issue_type'], rows[0]['confidence'])
        """], stdin: issues.stdout)
        #expect(parsed.lines == ["433 130 duplicates 0.977624"])

        let media = try vlx(["table", "media", Self.edge])
        let quoted = try run("python3", ["-c", """
        import csv, sys, io
        rows = list(csv.reader(io.StringIO(sys.stdin.read(), newline='')))
        print(len(rows), rows[1][3])
        """], stdin: media.stdout)
        #expect(quoted.lines == [#"4 photos/café "quoted" \ back/slash.jpg"#])

        let objects = try vlx(["table", "objects", "--format", "ndjson", Self.edge])
        #expect(objects.lines == [
            #"{"media_id":"00000000-0000-4000-8000-000000000002","object_index":0,"category_id":null,"category_name":"person","source":"User","original_id":7,"bbox_x":10.5,"bbox_y":20.0,"bbox_width":100.0,"bbox_height":200.25,"uniqueness_score":null,"url":null,"cluster_id":null,"metadata_items":1}"#,
        ])
        let frames = try vlx(["table", "frames", "--format", "tsv", "--lenient", Self.seed])
        #expect(frames.lines == [
            "media_id\tfile_name\tvideo_name\tframe_timestamp_seconds\tframe_timestamp\tframe_number\tvideo_id\ttimestamp_seconds\ttimestamp",
            "b570353c-1216-4b73-9a83-57cb4791503e\tsome-video-frame1.jpg\tsome-video.mov\t6120.0\t01:42:00\t\t\t\t",
        ])
        let tags = try vlx(["table", "tags", "--lenient", Self.seed])
        #expect(tags.lines.count == 3)
        let labels = try vlx(["table", "labels", Self.real])
        #expect(labels.lines.count == 679)
    }

    /// A comma, quote or line break at any position of a text of any length (the quoting test
    /// reads eight bytes at a time) is quoted, and Python's csv reads back the text as written.
    @Test func csvQuotesEveryFieldThatNeedsIt() throws {
        var names: [String] = []
        for length in 0...20 {
            let plain = String(repeating: "n", count: length)
            names.append(plain)
            for special in [",", "\"", "\n", "\r", "\r\n"] {
                for position in 0...length {
                    names.append(String(plain.prefix(position)) + special + String(plain.dropFirst(position)))
                }
            }
        }
        let items = names.enumerated().map { ["media_id": "m\($0.offset)", "file_name": $0.element] }
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let export = scratch.appendingPathComponent("names.json")
        try JSONSerialization.data(withJSONObject: ["media_items": items]).write(to: export)
        let table = try vlx(["table", "media", export.path])
        #expect(table.status == 0)
        let read = try run("python3", ["-c", """
        import csv, io, json, sys
        print(json.dumps([row['file_name'] for row in csv.DictReader(io.StringIO(sys.stdin.read(), newline=''))]))
        """], stdin: table.stdout)
        let readNames = try #require(try JSONSerialization.jsonObject(with: read.stdout) as? [String])
        #expect(readNames.count == names.count)
        let firstDifference = names.indices.first { $0 < readNames.count && readNames[$0] != names[$0] }
        #expect(firstDifference == nil, "\(firstDifference.map { names[$0].debugDescription } ?? "")")
    }

    /// TSV has no quoting: a tab, line break or backslash in a text is written as its escape,
    /// at any place in the text, and nothing else is changed.
    @Test func tsvEscapesTabsLineBreaksAndBackslashes() throws {
        let names = ["plain", "a\tb", "\tfirst", "last\n", "cr\rlf\r\n", "back\\slash", "\\\\", "mixed \"quote\", comma\t\\"]
        let items = names.enumerated().map { ["media_id": "m\($0.offset)", "file_name": $0.element] }
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let export = scratch.appendingPathComponent("tsv.json")
        try JSONSerialization.data(withJSONObject: ["media_items": items]).write(to: export)
        let table = try vlx(["table", "media", "--format", "tsv", export.path])
        #expect(table.status == 0)
        // The third column; nil for a line cut short by a line break left in a text.
        let fileNames = table.lines.dropFirst().map { line -> Substring? in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            return fields.count > 2 ? fields[2] : nil
        }
        #expect(fileNames == [
            "plain", #"a\tb"#, #"\tfirst"#, #"last\n"#, #"cr\rlf\r\n"#, #"back\\slash"#, #"\\\\"#, #"mixed "quote", comma\t\\"#,
        ])
    }

    @Test func splitWritesShardsThatDuckDBReads() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        for gzip in [false, true] {
            let directory = scratch.appendingPathComponent(gzip ? "gz" : "plain").path
            let result = try vlx(["split", Self.real, "--shards", "3", "-o", directory] + (gzip ? ["--gzip"] : []))
            #expect(result.status == 0, "\(result.stderr)")
            let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            let suffix = gzip ? ".ndjson.gz" : ".ndjson"
            #expect(files == ["_SUCCESS", "_manifest.json", "part-00000" + suffix, "part-00001" + suffix, "part-00002" + suffix])
            let duck = try python("""
            import duckdb, sys
            print(duckdb.sql(f"select count(*), count(distinct media_id) from read_json('{sys.argv[1]}/*{sys.argv[2]}', format='newline_delimited')").fetchall())
            """, [directory, suffix])
            #expect(duck == "[(56, 56)]")
            let manifest = try run("jq", ["-c", "[.media_items, ([.shards[].media_items] | add), .info.dataset, (.shards | length)]", directory + "/_manifest.json"])
            #expect(manifest.lines == [#"[56,56,"Extreme",3]"#])
            // About equal: no part more than a quarter larger than the smallest.
            let sizes = try run("jq", ["-c", "[.shards[].ndjson_bytes] | [min, max]", directory + "/_manifest.json"])
            let bounds = try JSONSerialization.jsonObject(with: sizes.stdout) as? [Int] ?? [0, 0]
            #expect(bounds[1] <= bounds[0] * 5 / 4)
        }
    }

    @Test func invalidDataExitsOneAfterWritingEveryCompleteItem() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let cut = scratch.appendingPathComponent("cut.json").path
        try Data(try Data(contentsOf: URL(fileURLWithPath: Self.real)).prefix(100_000)).write(to: URL(fileURLWithPath: cut))
        let result = try vlx(["ndjson", cut])
        #expect(result.status == 1)
        #expect(result.stderr == "vlx: \(cut):1:100001: the input ends inside media_items[27]\n")
        #expect(result.lines.count == 27)

        let strict = try vlx(["ndjson", Self.seed])
        #expect(strict.status == 1)
        #expect(strict.lines.count == 1)
        #expect(strict.stderr.hasPrefix("vlx: \(Self.seed):67:41: trailing comma"))

        let gzip = scratch.appendingPathComponent("cut.json.gz").path
        try run("sh", ["-c", "gzip -c '\(Self.real)' | head -c 5000 > '\(gzip)'"])
        let truncatedGzip = try vlx(["ndjson", gzip])
        #expect(truncatedGzip.status == 1)
        #expect(truncatedGzip.stderr == "vlx: \(gzip): the gzip data is cut short\n")

        let zip = scratch.appendingPathComponent("nojson.zip").path
        try run("sh", ["-c", "cd '\(Paths.fixtures.path)' && zip -q '\(zip)' README.md"])
        let noEntry = try vlx(["ndjson", zip])
        #expect(noEntry.status == 1)
        #expect(noEntry.stderr == "vlx: \(zip): the ZIP archive holds no .json entry\n")
    }

    /// Under `taskset -c 0` (one core: NDJSON from one worker, typed commands on the serial
    /// walk) every command writes what the serial walk writes, on a whole export, on odd
    /// values, on gzip and on an export cut short, with the same error and exit status.
    @Test func oneCoreWritesWhatTheSerialWalkWrites() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let cut = scratch.appendingPathComponent("cut.json").path
        try Data(try Data(contentsOf: URL(fileURLWithPath: Self.real)).prefix(100_000)).write(to: URL(fileURLWithPath: cut))
        let gzip = scratch.appendingPathComponent("export.json.gz").path
        try run("sh", ["-c", "gzip -c '\(Self.real)' > '\(gzip)'"])
        let commands: [[String]] = [["ndjson"], ["ndjson", "--normalize"], ["stats", "--json"], ["validate"], ["table", "issues"]]
        for input in [Self.real, Paths.fixture("odd-values.json"), gzip, cut] {
            for command in commands {
                let serial = try vlx(command + ["--threads", "0", input])
                let oneCore = try run("taskset", ["-c", "0", Paths.vlx] + command + [input])
                #expect(oneCore.status == serial.status, "\(command) \(input)")
                #expect(oneCore.stdout == serial.stdout, "\(command) \(input)")
                #expect(oneCore.stderr == serial.stderr, "\(command) \(input)")
            }
        }
        let oneCoreCut = try run("taskset", ["-c", "0", Paths.vlx, "ndjson", cut])
        #expect(oneCoreCut.status == 1)
        #expect(oneCoreCut.lines.count == 27)
    }

    /// A damaged or unreadable archive exits 1 with what is wrong with it, after every item
    /// read before the fault.
    @Test func damagedZipArchivesAreLocatedFailures() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let made = try python("""
            import sys, zipfile, zlib
            real, folder = sys.argv[1], sys.argv[2]
            data = open(real, 'rb').read()
            with zipfile.ZipFile(folder + '/bzip2.zip', 'w', compression=zipfile.ZIP_BZIP2) as archive:
                archive.writestr('export.json', data)
            with zipfile.ZipFile(folder + '/stored.zip', 'w') as archive:
                archive.writestr('export.json', data)
            stored = open(folder + '/stored.zip', 'rb').read()
            # A letter changed in a string: still JSON, but not what the CRC-32 says.
            at = stored.index(b'snowboarder')
            open(folder + '/crc.zip', 'wb').write(stored[:at] + b'S' + stored[at + 1:])
            with zipfile.ZipFile(folder + '/deflated.zip', 'w', compression=zipfile.ZIP_DEFLATED) as archive:
                archive.writestr('export.json', data)
            deflated = bytearray(open(folder + '/deflated.zip', 'rb').read())
            deflated[60] ^= 0xFF
            open(folder + '/corrupt.zip', 'wb').write(deflated)
            open(folder + '/cut.zip', 'wb').write(deflated[:3000])
            print('made')
            """, [Self.real, scratch.path])
        #expect(made == "made")
        let cases: [(String, String, Int?)] = [
            ("bzip2.zip", "cannot extract export.json from the ZIP archive: export.json is compressed with bzip2 (method 12); vlx reads stored and deflated entries", 0),
            ("crc.zip", "cannot extract export.json from the ZIP archive: export.json does not match its CRC-32 and size: the archive is damaged", 56),
            ("corrupt.zip", "cannot extract export.json from the ZIP archive: the deflate data is corrupt: ", nil),
            ("cut.zip", "not a readable ZIP archive (no end of central directory record)", 0),
        ]
        for (name, message, items) in cases {
            let path = scratch.appendingPathComponent(name).path
            let result = try vlx(["ndjson", path])
            #expect(result.status == 1, "\(name)")
            #expect(result.stderr.hasPrefix("vlx: \(path): \(message)"), "\(name): \(result.stderr)")
            if let items { #expect(result.lines.count == items, "\(name)") }
        }
    }

    @Test func ioFailuresExitThreeAndUsageErrorsTwo() throws {
        let full = try run("sh", ["-c", "'\(Paths.vlx)' ndjson '\(Self.real)' > /dev/full"])
        #expect(full.status == 3)
        #expect(full.stderr == "vlx: cannot write standard output: No space left on device\n")
        let directory = try vlx(["stats", Paths.fixtures.path])
        #expect(directory.status == 3)
        #expect(directory.stderr == "vlx: cannot open \(Paths.fixtures.path): it is a directory\n")
        let missing = try vlx(["info", "/nonexistent/export.json"])
        #expect(missing.status == 3)
        #expect(missing.stderr == "vlx: cannot open /nonexistent/export.json: No such file or directory\n")
        let usage = try vlx(["ndjson", "--no-such-option"])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("Unknown option '--no-such-option'"))
        let badValue = try vlx(["table", "rocks", Self.real])
        #expect(badValue.status == 2)
        let help = try vlx(["--help"])
        #expect(help.status == 0)
        #expect(help.text.contains("3  I/O failure"))
    }

    @Test func theProgressLineShowsOnATerminalOnly() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let log = scratch.appendingPathComponent("terminal.log").path
        // script(1) gives vlx a terminal; standard output still goes to a file.
        let command = "'\(Paths.vlx)' ndjson '\(Self.real)' > /dev/null"
        #expect(try run("script", ["-qec", command, log]).status == 0)
        let screen = String(decoding: try Data(contentsOf: URL(fileURLWithPath: log)), as: UTF8.self)
        // Shown from the first item: bytes read of the total, percent, ETA, rate, items.
        #expect(screen.contains(" MB of 0.2 MB ("), "\(screen)")
        #expect(screen.contains("%)  ETA 0:00  "), "\(screen)")
        #expect(screen.contains(" MB/s  1 item\u{1B}[K"))
        // The line is cleared at the end, so the terminal is left clean.
        #expect(screen.contains("\r\u{1B}[K"))
        let quiet = scratch.appendingPathComponent("quiet.log").path
        #expect(try run("script", ["-qec", command.replacingOccurrences(of: "ndjson", with: "ndjson --no-progress"), quiet]).status == 0)
        #expect(!String(decoding: try Data(contentsOf: URL(fileURLWithPath: quiet)), as: UTF8.self).contains("MB/s"))
        // Not a terminal: nothing on standard error at all.
        #expect(try vlx(["ndjson", Self.real]).stderr == "")
    }

    /// vlx grows the pipes it reads and writes to 1 MiB (F_GETPIPE_SZ is 1032), so that a
    /// 256 KiB write fits whole; a pipe it has not touched keeps Linux's 64 KiB.
    @Test func thePipesVlxReadsAndWritesHoldOneMebibyte() throws {
        let pipeSize = "python3 -c 'import fcntl; print(fcntl.fcntl(0, 1032))'"
        let written = try run("sh", ["-c", "'\(Paths.vlx)' ndjson '\(Self.real)' | { cat > /dev/null; \(pipeSize); }"])
        #expect(written.lines == ["1048576"])
        let read = try run("sh", ["-c", "cat '\(Self.real)' | { '\(Paths.vlx)' ndjson > /dev/null; \(pipeSize); }"])
        #expect(read.lines == ["1048576"])
        let untouched = try run("sh", ["-c", "cat '\(Self.real)' | { cat > /dev/null; \(pipeSize); }"])
        #expect(untouched.lines == ["65536"])
    }

    @Test func anUnreadableFileExitsThree() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.path)
        let locked = scratch.appendingPathComponent("locked.json").path
        try FileManager.default.copyItem(atPath: Self.real, toPath: locked)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: locked)
        // Root reads any file: run vlx as nobody then, so the permission applies.
        let asNobody = getuid() == 0 ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
        let result = try run("env", asNobody + [Paths.vlx, "ndjson", locked])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr == "vlx: cannot open \(locked): Permission denied\n")
        #expect(result.stdout.isEmpty)
    }

    @Test func aReaderThatClosesThePipeEndsVlxQuietly() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let big = scratch.appendingPathComponent("big.json").path
        #expect(try run("sh", ["-c", "'\(Paths.generator)' --size 50M --seed 3 > '\(big)'"]).status == 0)
        let result = try run("bash", ["-c", "'\(Paths.vlx)' ndjson '\(big)' | head -1; echo \"status ${PIPESTATUS[0]}\""])
        #expect(result.stderr == "")
        #expect(result.lines.count == 2)
        #expect(result.lines.first?.hasPrefix("{\"media_id\":") == true)
        #expect(result.lines.last == "status 0")
    }
}

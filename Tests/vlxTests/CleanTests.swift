import Foundation
import Testing

/// `vlx clean`, `filter --invert`, `sample` and `--limit`, checked against Python references
/// written from the rules with `json.load`, and against the tools their output feeds.
@Suite(.hangLimit) struct CleanTests {
    /// Writes an export whose duplicate clusters look like real ones to argv[1], from seed argv[2]:
    /// one group per similarity threshold, the groups of a stricter threshold inside those of a
    /// looser one, members spread over the export, groups of one, integer and UUID group ids,
    /// both spellings of the type and of the metadata type key, confidences as numbers, strings
    /// or missing, other issues on items and on objects, and objects with duplicate groups of
    /// their own. Items have file paths under dir-N/, some only a file name.
    static let generator = #"""
    import json, random, sys, uuid
    path, seed = sys.argv[1], int(sys.argv[2])
    rng = random.Random(seed)
    count = 240
    items = [{'media_id': str(uuid.UUID(int=rng.getrandbits(128))), 'media_type': 'image',
              'file_name': f'img-{n}.jpg', 'metadata_items': []} for n in range(count)]
    for n, item in enumerate(items):
        if n % 9 != 4:
            item['file_path'] = f'dir-{n % 5}/img-{n}.jpg'
    def key():
        return rng.choice(['type', 'metadata_type'])
    def confidence():
        value = round(rng.uniform(0.5, 1.0), 3)
        return rng.choice([value, value, str(value), None])
    def issue(kind, extra=None):
        properties = {'issue_type': kind}
        value = confidence()
        if value is not None:
            properties['confidence'] = value
        properties.update(extra or {})
        return {key(): 'issue', 'properties': properties}
    group_counter = [0]
    def group_id():
        group_counter[0] += 1
        return group_counter[0] if rng.random() < 0.5 else str(uuid.UUID(int=rng.getrandbits(128)))
    # Clusters over the loosest threshold, split further at each stricter one.
    members = list(range(count))
    rng.shuffle(members)
    clusters, position = [], 0
    while position < 150:
        size = rng.choice([1, 2, 2, 3, 4, 6])
        clusters.append(members[position:position + size])
        position += size
    def split(cluster, thresholds):
        if not thresholds:
            return
        group = group_id()
        for member in cluster:
            items[member]['metadata_items'].append(issue(rng.choice(['duplicates', 'duplicate']),
                {'duplicate_group_id': group, 'duplicate_threshold': thresholds[0]}))
        kept = [m for m in cluster if rng.random() < 0.7]
        if kept:
            split(kept, thresholds[1:])
    for cluster in clusters:
        split(cluster, [0.96, 0.97, 0.98, 0.99])
    for item in items:
        for kind in ['blur', 'dark', 'outliers', 'mislabels']:
            if rng.random() < 0.12:
                item['metadata_items'].append(issue(kind))
        for _ in range(rng.choice([0, 0, 1, 2])):
            nested = []
            if rng.random() < 0.3:
                nested.append(issue(rng.choice(['blur', 'dark', 'mislabels'])))
            if rng.random() < 0.3:
                nested.append(issue('duplicates', {'duplicate_group_id': group_id()}))
            item['metadata_items'].append({key(): 'object_label', 'properties': {
                'category_name': rng.choice(['cat', 'dog']), 'bbox': [1, 2, 3, 4], 'metadata_items': nested}})
        rng.shuffle(item['metadata_items'])
    json.dump({'info': {'dataset': 'clusters', 'description': 'generated', 'total_media_items': count},
               'media_items': items}, open(path, 'w'))
    """#

    /// The rules of `vlx clean`, applied with `json.load`: argv[1] the export, argv[2] the
    /// types to drop (comma-separated), argv[3] the threshold or "none", argv[4] "dedupe" or not.
    /// Prints the items kept (objects removed) as one JSON line, then each dropped item as a JSON
    /// line [media_id, path, reason, detail].
    static let reference = #"""
    import json, sys
    export = json.load(open(sys.argv[1]))
    drop = [t for t in sys.argv[2].split(',') if t]
    threshold = None if sys.argv[3] == 'none' else float(sys.argv[3])
    dedupe = sys.argv[4] == 'dedupe'
    kinds = {'duplicate': 'duplicates', 'duplicates': 'duplicates', 'outlier': 'outliers', 'outliers': 'outliers',
             'mislabel': 'mislabels', 'mislabels': 'mislabels', 'blur': 'blur', 'dark': 'dark'}
    def kind(name):
        return kinds.get(name, name)
    def mtype(m):
        return m.get('metadata_type', m.get('type'))
    def counts(p):
        if threshold is None:
            return True
        c = p.get('confidence')
        return c is not None and float(c) >= threshold
    def drops(p):
        return kind(p.get('issue_type')) in [kind(t) for t in drop] and counts(p)
    kept, dropped, claimed = [], [], {}
    for item in export['media_items']:
        path = item.get('file_path', item.get('file_name', ''))
        own = [m['properties'] for m in item['metadata_items'] if mtype(m) == 'issue']
        flagged = [p for p in own if drops(p)]
        if flagged:
            c = flagged[0].get('confidence')
            dropped.append([item['media_id'], path, kind(flagged[0]['issue_type']), '' if c is None else repr(float(c))])
            continue
        groups = [str(p['duplicate_group_id']) for p in own if dedupe and kind(p['issue_type']) == 'duplicates' and counts(p)]
        keeper = next((claimed[g] for g in groups if g in claimed), None)
        if keeper is not None:
            dropped.append([item['media_id'], path, 'duplicate', keeper])
            continue
        for g in groups:
            claimed[g] = item['media_id']
        item['metadata_items'] = [m for m in item['metadata_items'] if not (mtype(m) == 'object_label'
            and any(mtype(n) == 'issue' and drops(n['properties']) for n in m['properties']['metadata_items']))]
        kept.append(item)
    print(json.dumps(kept))
    for row in dropped:
        print(json.dumps(row))
    """#

    /// Reads vlx clean's NDJSON (argv[1]) and TSV (argv[2]) and prints them as the reference does.
    static let readOutputs = #"""
    import csv, json, sys
    kept = [json.loads(line) for line in open(sys.argv[1])]
    print(json.dumps(kept))
    with open(sys.argv[2], newline='') as f:
        rows = list(csv.reader(f, delimiter='\t', quoting=csv.QUOTE_NONE))
    assert rows[0] == ['media_id', 'file_path', 'reason', 'detail'], rows[0]
    for row in rows[1:]:
        if row[2] != 'duplicate' and row[3]:
            row[3] = repr(float(row[3]))
        print(json.dumps(row))
    """#

    static func generatedExport(seed: Int, in scratch: URL) throws -> String {
        let path = scratch.appendingPathComponent("clusters-\(seed).json").path
        _ = try python(generator, [path, String(seed)])
        return path
    }

    @Test(arguments: [
        (["blur", "dark"], "0.8", true),
        (["outlier", "duplicate"], "none", false),
        ([], "0.9", true),
        (["mislabels"], "none", true),
    ])
    func cleanKeepsWhatTheReferenceKeeps(drop: [String], threshold: String, dedupe: Bool) throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        for seed in [1, 2, 3] {
            let export = try Self.generatedExport(seed: seed, in: scratch)
            let expected = try python(Self.reference, [export, drop.joined(separator: ","), threshold, dedupe ? "dedupe" : "no"])
            let kept = scratch.appendingPathComponent("kept.ndjson").path
            let dropped = scratch.appendingPathComponent("dropped.tsv").path
            var arguments = ["clean", export, "-o", kept, "--dropped", dropped]
            for type in drop { arguments += ["--drop-issue", type] }
            if threshold != "none" { arguments += ["--min-confidence", threshold] }
            if dedupe { arguments.append("--dedupe") }
            for threads in ["0", "2"] {
                let result = try vlx(arguments + ["--threads", threads])
                #expect(result.status == 0, "\(result.stderr)")
                let written = try python(Self.readOutputs, [kept, dropped])
                #expect(written == expected, "seed \(seed), threads \(threads), \(arguments)")
                // The summary counts what the files hold.
                let keptCount = try String(contentsOfFile: kept, encoding: .utf8).split(separator: "\n").count
                #expect(result.stderr.contains("kept \(keptCount) of 240 media items"), "\(result.stderr)")
            }
        }
    }

    /// The export format is a valid export of the same items, its total and description saying so.
    @Test func cleanWritesAValidExport() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let export = try Self.generatedExport(seed: 4, in: scratch)
        let lines = try vlx(["clean", "--dedupe", "--drop-issue", "blur", export])
        let document = try vlx(["clean", "--dedupe", "--drop-issue", "blur", "--format", "export", export])
        #expect(document.status == 0)
        try lines.stdout.write(to: scratch.appendingPathComponent("lines"))
        let compared = try run("python3", ["-c", """
        import json, sys
        d = json.load(sys.stdin)
        lines = [json.loads(l) for l in open(sys.argv[1])]
        print(d['media_items'] == lines, d['info']['total_media_items'] == len(lines), 'cleaned by vlx clean: kept' in d['info']['description'])
        """, scratch.appendingPathComponent("lines").path], stdin: document.stdout)
        #expect(compared.lines == ["True True True"], "\(compared.stderr)")
        #expect(try vlx(["validate", "-"], stdin: document.stdout).status == 0)
    }

    /// `--format paths` feeds rsync: the files copied are those of the items kept.
    @Test func pathsFeedRsync() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let export = try Self.generatedExport(seed: 5, in: scratch)
        let source = scratch.appendingPathComponent("source")
        _ = try python("""
        import json, os, sys
        for item in json.load(open(sys.argv[1]))['media_items']:
            path = os.path.join(sys.argv[2], item.get('file_path', item['file_name']))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, 'w').write(item['media_id'])
        """, [export, source.path])
        let expected = try vlx(["clean", "--dedupe", "--drop-issue", "dark", export])
        let expectedPaths = try run("python3", ["-c", """
        import json, sys
        print('\\n'.join(sorted(i.get('file_path', i['file_name']) for i in map(json.loads, sys.stdin))))
        """], stdin: expected.stdout)
        for nul in [false, true] {
            let listed = try vlx(["clean", "--dedupe", "--drop-issue", "dark", "--format", "paths", export] + (nul ? ["-0"] : []))
            #expect(listed.status == 0)
            let list = scratch.appendingPathComponent("list")
            try listed.stdout.write(to: list)
            let destination = scratch.appendingPathComponent("copy-\(nul)")
            let rsync = try run("rsync", ["-a", "--files-from=\(list.path)"] + (nul ? ["--from0"] : []) + [source.path + "/", destination.path + "/"])
            #expect(rsync.status == 0, "\(rsync.stderr)")
            let copied = try run("find", [destination.path, "-type", "f", "-printf", "%P\\n"])
            #expect(copied.lines.sorted() == expectedPaths.lines, "nul: \(nul)")
            #expect(!copied.lines.isEmpty)
        }
    }

    /// Mistakes a tired user makes are refused before anything is read or written.
    @Test func cleanRefusesWhatWouldDoNothingOrTheWrongThing() throws {
        let seed = Paths.fixture("real-export-extreme.json")
        let nothing = try vlx(["clean", seed])
        #expect(nothing.status == 2 && nothing.stderr.contains("Nothing to leave out"))
        let nul = try vlx(["clean", "--dedupe", "-0", seed])
        #expect(nul.status == 2 && nul.stderr.contains("--format paths"))
        let same = try vlx(["clean", "--dedupe", seed, "-o", "x", "--dropped", "x"])
        #expect(same.status == 2)
        // The same file spelt two ways is refused too, before either is written.
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("out").path
        let twoSpellings = try vlx(["clean", "--dedupe", seed, "-o", out, "--dropped", scratch.path + "/./out"])
        #expect(twoSpellings.status == 2 && twoSpellings.stderr.contains("are the same file"), "\(twoSpellings.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
        // A known type in another case is that type.
        let capitalised = try vlx(["clean", "--drop-issue", "Duplicates", seed])
        #expect(capitalised.stderr.contains("left out 40: 40 duplicates"), "\(capitalised.stderr)")
        let overInput = try vlx(["clean", "--dedupe", seed, "--dropped", seed])
        #expect(overInput.status == 2 && overInput.stderr.contains("input"), "\(overInput.stderr)")
        let misspelt = try vlx(["clean", "--drop-issue", "blurr", seed])
        #expect(misspelt.status == 0 && misspelt.stderr.contains("'blurr', which is not one Visual Layer reports"))
    }

    /// `filter --invert` writes the complement of `filter`, and together they are every item, in order.
    @Test func invertedFilterIsTheComplementInOrder() throws {
        let real = Paths.fixture("real-export-extreme.json")
        let all = try vlx(["ndjson", real]).lines
        for condition in [["--issue", "duplicates", "--min-confidence", "0.97"], ["--label", "snow"], ["--media-type", "video_frame"]] {
            let matched = try vlx(["filter"] + condition + [real]).lines
            let inverted = try vlx(["filter", "-v"] + condition + [real]).lines
            #expect(matched.count + inverted.count == all.count, "\(condition)")
            #expect(inverted == all.filter { !Set(matched).contains($0) }, "\(condition)")
        }
    }

    /// `--limit N` writes what `head` would keep of the whole output.
    @Test func limitEqualsHead() throws {
        let real = Paths.fixture("real-export-extreme.json")
        for n in [0, 1, 7, 100] {
            #expect(try vlx(["ndjson", "--limit", "\(n)", real]).lines == Array(try vlx(["ndjson", real]).lines.prefix(n)))
            #expect(try vlx(["ndjson", "--normalize", "--limit", "\(n)", real]).lines
                == Array(try vlx(["ndjson", "--normalize", real]).lines.prefix(n)))
            #expect(try vlx(["filter", "--issue", "duplicates", "--limit", "\(n)", real]).lines
                == Array(try vlx(["filter", "--issue", "duplicates", real]).lines.prefix(n)))
            #expect(try vlx(["table", "media", "--limit", "\(n)", real]).lines == Array(try vlx(["table", "media", real]).lines.prefix(n + 1)))
        }
    }

    /// `sample -n` keeps exactly N distinct items of the export, in its order, the same for a seed;
    /// over many seeds each item is kept about equally often; `--fraction` keeps about P of them.
    @Test func sampleIsExactSeededAndUniform() throws {
        let real = Paths.fixture("real-export-extreme.json")
        let all = try vlx(["ndjson", real]).lines
        let position = Dictionary(uniqueKeysWithValues: all.enumerated().map { ($1, $0) })
        var kept = [Int](repeating: 0, count: all.count)
        let runs = 160
        for seed in 0..<runs {
            let sample = try vlx(["sample", "-n", "7", "--seed", "\(seed)", real])
            #expect(sample.status == 0)
            let positions = sample.lines.compactMap { position[$0] }
            #expect(positions.count == 7 && Set(positions).count == 7, "seed \(seed)")
            #expect(positions == positions.sorted(), "seed \(seed)")
            for index in positions { kept[index] += 1 }
        }
        #expect(try vlx(["sample", "-n", "7", "--seed", "3", real]).stdout == (try vlx(["sample", "-n", "7", "--seed", "3", real]).stdout))
        #expect(try vlx(["sample", "-n", "7", "--seed", "3", real]).stdout != (try vlx(["sample", "-n", "7", "--seed", "4", real]).stdout))
        #expect(try vlx(["sample", "-n", "100", "--seed", "3", real]).lines == all)
        // Chi-square over the 56 items (55 degrees of freedom): 99.9% of uniform samplers stay under 93.2.
        let expected = Double(runs * 7) / Double(all.count)
        let chiSquare = kept.reduce(0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chiSquare < 93.2, "chi-square \(chiSquare) over \(kept)")

        // Cut short, the run still writes a sample of the items read before the fault, as partial.
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let cut = scratch.appendingPathComponent("cut.json")
        try Data(contentsOf: URL(fileURLWithPath: real)).prefix(100_000).write(to: cut)
        let output = scratch.appendingPathComponent("sample.ndjson").path
        let stopped = try vlx(["sample", "-n", "5", "--seed", "1", cut.path, "-o", output])
        #expect(stopped.status == 1)
        let partial = try String(contentsOfFile: output + ".partial", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(partial.count == 5 && partial.allSatisfy { (position[$0] ?? 99) < 27 }, "\(partial.count)")

        let fraction = try vlx(["sample", "--fraction", "0.5", "--seed", "1", real]).lines
        #expect(fraction.allSatisfy { position[$0] != nil } && (15...41).contains(fraction.count), "\(fraction.count)")
        #expect(try vlx(["sample", "-n", "3", "--fraction", "0.5", real]).status == 2)
    }
}

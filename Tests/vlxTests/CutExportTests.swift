import Foundation
import Testing
import TestSupport

/// An export cut short (a failed download): every writer exits 1, leaves its destination as it
/// was, and its output, at NAME.partial, holds exactly the complete items before the cut,
/// finished (gzip trailers, documents, manifests), and read back by zcat, jq and Python's csv
/// and json. Nothing else is left in the folder.
@Suite(.hangLimit) struct CutExportTests {
    /// Each writer: a name, and its arguments given the input and an output path (a folder, for split).
    static let writers: [(name: String, arguments: @Sendable (String, String) -> [String])] = [
        ("ndjson", { ["ndjson", $0, "-o", $1] }),
        ("ndjson-stdout", { input, _ in ["ndjson", input] }),
        ("normalize", { ["ndjson", "--normalize", $0, "-o", $1] }),
        ("split", { ["split", $0, "--shards", "3", "-o", $1] }),
        ("split-gzip", { ["split", $0, "--shards", "3", "--gzip", "-o", $1] }),
        ("table-media", { ["table", "media", $0, "-o", $1] }),
        ("table-issues", { ["table", "issues", $0, "-o", $1] }),
        ("table-labels", { ["table", "labels", $0, "-o", $1] }),
        ("table-objects", { ["table", "objects", $0, "-o", $1] }),
        ("table-tags", { ["table", "tags", $0, "-o", $1] }),
        ("table-frames", { ["table", "frames", $0, "--format", "tsv", "-o", $1] }),
        ("filter-ndjson", { ["filter", $0, "--media-type", "image", "-o", $1] }),
        ("filter-export", { ["filter", $0, "--issue", "duplicates", "--format", "export", "-o", $1] }),
        ("stats", { input, _ in ["stats", "--json", input] }),
        ("coco", { ["coco", $0, "-o", $1] }),
    ]

    /// Whether a writer writes a file of its own (not standard output, not a folder).
    static func writesFile(_ name: String) -> Bool {
        !["ndjson-stdout", "stats", "split", "split-gzip"].contains(name)
    }

    /// Runs every writer on `input`, into `directory`; returns each one's exit status. A writer
    /// that fails must leave its file output at NAME.partial, which is then moved to NAME for
    /// the checks; `earlier` holds what each destination held before (nil: nothing), which a
    /// failed run must leave as it was.
    func runWriters(on input: String, into directory: URL, earlier: URL? = nil) throws -> [String: Int32] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var statuses: [String: Int32] = [:]
        var outputless: [String] = []
        for writer in Self.writers {
            let output = directory.appendingPathComponent(writer.name).path
            let earlierOutput = earlier.map { $0.appendingPathComponent(writer.name).path }
            if let earlierOutput, Self.writesFile(writer.name) { try FileManager.default.copyItem(atPath: earlierOutput, toPath: output) }
            let result = try vlx(writer.arguments(input, output) + ["--quiet"])
            if writer.name == "stats", result.status != 0, result.stdout.isEmpty {
                // Stopped before its first item: stats prints nothing.
                outputless.append(writer.name)
            } else if writer.name == "ndjson-stdout" || writer.name == "stats" {
                try result.stdout.write(to: URL(fileURLWithPath: output))
            }
            statuses[writer.name] = result.status
            if result.status != 0 {
                #expect(result.stderr.hasPrefix("vlx: \(input):"), "\(writer.name): \(result.stderr)")
                if Self.writesFile(writer.name) {
                    if let earlierOutput {
                        #expect(FileManager.default.contentsEqual(atPath: output, andPath: earlierOutput), "\(writer.name) changed its destination")
                        try FileManager.default.removeItem(atPath: output)
                    }
                    #expect(!FileManager.default.fileExists(atPath: output), "\(writer.name) wrote its destination")
                    if result.stderr.hasSuffix("; no media item was read\n") {
                        // A run that read no item keeps no partial output.
                        #expect(!FileManager.default.fileExists(atPath: output + ".partial"))
                        outputless.append(writer.name)
                    } else {
                        #expect(result.stderr.contains("is in \(output).partial\n"), "\(writer.name): \(result.stderr)")
                        try? FileManager.default.moveItem(atPath: output + ".partial", toPath: output)
                    }
                } else if writer.name.hasPrefix("split") {
                    #expect(!FileManager.default.fileExists(atPath: output + "/_SUCCESS"), "\(writer.name) says it succeeded")
                    // Stopped before its first item: the folder it made is gone again.
                    if !FileManager.default.fileExists(atPath: output) { outputless.append(writer.name) }
                }
            } else if writer.name.hasPrefix("split") {
                #expect(FileManager.default.fileExists(atPath: output + "/_SUCCESS"), "\(writer.name) has no _SUCCESS")
            }
        }
        // Only the outputs are there: no temporary file was left.
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(left == Self.writers.map(\.name).filter { !outputless.contains($0) }.sorted(), "\(left)")
        return statuses
    }

    @Test func everyWriterKeepsExactlyTheCompleteItemsBeforeACut() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let full = scratch.appendingPathComponent("full.json").path
        let generated = try run(Paths.generator, ["--items", "600", "--seed", "7", "--odd", "0.01"])
        #expect(generated.status == 0)
        try generated.stdout.write(to: URL(fileURLWithPath: full))
        let bytes = generated.stdout

        let reference = try runWriters(on: full, into: scratch.appendingPathComponent("full"))
        #expect(reference.values.allSatisfy { $0 == 0 }, "\(reference)")

        // Cuts: one inside info, twelve spread over media_items, one just after an item's
        // closing brace and one just before it.
        let itemEnds = try python(Self.itemEndsProgram, [full]).split(separator: " ").compactMap { Int($0) }
        #expect(itemEnds.count == 600)
        let start = itemEnds[0] - 100
        var cuts = [60] + (1...12).map { start + (bytes.count - start) * $0 / 13 }
        cuts += [itemEnds[301], itemEnds[301] - 1]

        var checked = 0
        var expectedChecks = 0
        for (number, cut) in cuts.enumerated() {
            let input = scratch.appendingPathComponent("cut-\(number).json").path
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: input))
            let outputs = scratch.appendingPathComponent("cut-\(number)")
            // Half the cuts find the whole export's outputs at their destinations.
            let earlier = number.isMultiple(of: 2) ? scratch.appendingPathComponent("full") : nil
            let statuses = try runWriters(on: input, into: outputs, earlier: earlier)
            #expect(statuses.values.allSatisfy { $0 == 1 }, "cut at \(cut): \(statuses)")
            let expectedItems = itemEnds.count { $0 <= cut }
            let report = try python(
                Self.checkProgram,
                [scratch.appendingPathComponent("full").path, outputs.path, full, String(expectedItems)]
            )
            let lines = report.split(separator: "\n").map(String.init)
            // Writers that read no item before the cut leave no output to check.
            let outputless = Self.writers.count - (try FileManager.default.contentsOfDirectory(atPath: outputs.path).count)
            #expect(outputless == 0 || expectedItems == 0)
            #expect(lines.count == Self.writers.count - outputless, "\(report)")
            expectedChecks += Self.writers.count - outputless
            for line in lines {
                #expect(line.hasSuffix(" ok"), "cut at \(cut), \(expectedItems) complete items: \(line)")
                if line.hasSuffix(" ok") { checked += 1 }
            }
        }
        #expect(checked == expectedChecks)
        print("CutExportTests: \(Self.writers.count) writers x \(cuts.count) cuts = \(checked) outputs checked")
    }

    /// Prints the byte offset just past each media item of an export, found with Python's own parser.
    static let itemEndsProgram = #"""
import json, sys
# latin-1 keeps one character per byte, so positions are byte offsets.
text = open(sys.argv[1], 'rb').read().decode('latin-1')
position = text.index('[', text.index('"media_items"')) + 1
decoder = json.JSONDecoder()
ends = []
while True:
    while text[position] in ' \t\r\n,':
        position += 1
    if text[position] == ']':
        break
    _, position = decoder.raw_decode(text, position)
    ends.append(position)
print(' '.join(map(str, ends)))
"""#

    /// Compares each writer's output on a cut export with its output on the whole export, restricted
    /// to the first N items; prints "WRITER ok" or what differs.
    static let checkProgram = #"""
import csv, glob, gzip, json, os, subprocess, sys
full, cut, source, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

def lines(path):
    with open(path, 'rb') as file:
        return file.read().decode('utf-8').splitlines()

def jq_reads(path):
    return subprocess.run(['jq', '-c', '.', path], capture_output=True).returncode == 0

items = json.load(open(source, 'rb'))['media_items']
kept = {item.get('media_id') for item in items[:count] if isinstance(item, dict)}
reference = lines(os.path.join(full, 'ndjson'))

def check(name):
    path = os.path.join(cut, name)
    if name in ('ndjson', 'ndjson-stdout', 'normalize'):
        got = lines(path)
        expected = lines(os.path.join(full, name))[:count]
        [json.loads(line) for line in got]
        if got != expected: return f'{len(got)} lines, expected {len(expected)}'
        if not jq_reads(path): return 'jq cannot read it'
    elif name.startswith('split'):
        manifest = json.load(open(os.path.join(path, '_manifest.json')))
        got = []
        for part in sorted(glob.glob(os.path.join(path, 'part-*'))):
            if part.endswith('.gz'):
                unzipped = subprocess.run(['zcat', part], capture_output=True)
                if unzipped.returncode != 0: return f'zcat fails on {part}: {unzipped.stderr}'
                got += unzipped.stdout.decode('utf-8').splitlines()
            else:
                got += lines(part)
        [json.loads(line) for line in got]
        if sorted(got) != sorted(reference[:count]): return f'{len(got)} lines in the parts, expected {count}'
        if manifest['complete'] is not False: return 'the manifest says complete'
        if manifest['media_items'] != count: return f"the manifest counts {manifest['media_items']}"
        if sum(part['media_items'] for part in manifest['shards']) != count: return 'the parts do not add up'
    elif name.startswith('table'):
        dialect = 'excel-tab' if name == 'table-frames' else 'excel'
        got = list(csv.reader(open(path, newline='', encoding='utf-8'), dialect))
        whole = list(csv.reader(open(os.path.join(full, name), newline='', encoding='utf-8'), dialect))
        column = whole[0].index('media_id')
        expected = [whole[0]] + [row for row in whole[1:] if row[column] in kept]
        if got != expected: return f'{len(got)} rows, expected {len(expected)}'
    elif name == 'filter-ndjson':
        got = lines(path)
        expected = [line for line in lines(os.path.join(full, name)) if json.loads(line).get('media_id') in kept]
        if got != expected: return f'{len(got)} lines, expected {len(expected)}'
        if not jq_reads(path): return 'jq cannot read it'
    elif name == 'filter-export':
        document = json.load(open(path, 'rb'))
        whole = json.load(open(os.path.join(full, name), 'rb'))['media_items']
        expected = [item for item in whole if item.get('media_id') in kept]
        if document['media_items'] != expected: return f"{len(document['media_items'])} items, expected {len(expected)}"
        if document['info']['total_media_items'] != len(expected): return 'total_media_items is not the count'
        if not jq_reads(path): return 'jq cannot read it'
    elif name == 'stats':
        stats = json.load(open(path, 'rb'))
        if stats['complete'] is not False: return 'stats says complete'
        if stats['media_items'] != count: return f"stats counts {stats['media_items']}"
    elif name == 'coco':
        document = json.load(open(path, 'rb'))
        whole = json.load(open(os.path.join(full, name), 'rb'))
        images = [image for image in whole['images'] if image['media_id'] in kept]
        if document['images'] != images: return f"{len(document['images'])} images, expected {len(images)}"
        ids = {image['id'] for image in images}
        annotations = [annotation for annotation in whole['annotations'] if annotation['image_id'] in ids]
        if document['annotations'] != annotations: return f"{len(document['annotations'])} annotations, expected {len(annotations)}"
        if document['categories'] != whole['categories'][:len(document['categories'])]: return 'the categories are not the first ones seen'
        if not jq_reads(path): return 'jq cannot read it'
    return 'ok'

for name in sorted(os.listdir(cut)):
    try:
        print(name, check(name))
    except Exception as error:
        print(name, 'fails:', repr(error))
"""#
}

import Foundation
import Testing
import TestSupport

/// `vlx coco` read by real pycocotools, and compared item by item with the export it came from,
/// read on its own by Python's `json`.
@Suite(.hangLimit) struct COCOTests {
    /// Loads the dataset with pycocotools and checks it against the source export: the images,
    /// one per media item object in order, with its media_id and file; each object label with a
    /// usable box and a category name as an annotation of its image, with its box, area and
    /// category; the counts of images, annotations and categories. Prints the three counts.
    static let checker = #"""
    import json, re, sys
    from pycocotools.coco import COCO
    source_path, coco_path, categories_path, objects_only, media_type = sys.argv[1:6]
    with open(source_path) as f:
        source = json.load(f)
    coco = COCO(coco_path)
    fixed = None
    if categories_path:
        with open(categories_path) as f:
            listed = json.load(f)
        listed = listed['categories'] if isinstance(listed, dict) else listed
        fixed = {c['name'] if isinstance(c, dict) else c for c in listed}
    NUMBER = re.compile(r'-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$')
    def number(value):
        if isinstance(value, bool): return None
        if isinstance(value, (int, float)): return float(value)
        if isinstance(value, str) and NUMBER.match(value.strip()): return float(value)
        return None
    def text(value):
        if isinstance(value, str): return value
        if isinstance(value, int) and not isinstance(value, bool): return str(value)
        return None
    expected = []
    for item in source['media_items']:
        if not isinstance(item, dict): continue
        if media_type and item.get('media_type') != media_type: continue
        boxes = []
        metadata = item.get('metadata_items')
        for element in metadata if isinstance(metadata, list) else []:
            if not isinstance(element, dict): continue
            kind = element.get('type', element.get('metadata_type'))
            properties = element.get('properties')
            if kind != 'object_label' or not isinstance(properties, dict): continue
            box = properties.get('bbox')
            if not isinstance(box, list) or len(box) != 4: continue
            box = [number(v) for v in box]
            if None in box or box[2] <= 0 or box[3] <= 0: continue
            name = text(properties.get('category_name'))
            if name is None or (fixed is not None and name not in fixed): continue
            boxes.append((box, name))
        if objects_only and not boxes: continue
        expected.append((item, boxes))
    images = coco.loadImgs(coco.getImgIds())
    assert len(images) == len(expected), (len(images), len(expected))
    annotation_count = 0
    for image, (item, boxes) in zip(images, expected):
        assert image['media_id'] == text(item.get('media_id')), (image, item.get('media_id'))
        assert image['file_name'] == text(item.get('file_path', item.get('file_name'))), image
        annotations = coco.loadAnns(coco.getAnnIds(imgIds=[image['id']]))
        assert len(annotations) == len(boxes), (image, annotations, boxes)
        for annotation, (box, name) in zip(annotations, boxes):
            assert annotation['image_id'] == image['id']
            assert annotation['bbox'] == box, (annotation['bbox'], box)
            assert abs(annotation['area'] - box[2] * box[3]) <= 1e-9 * box[2] * box[3], annotation
            assert annotation['iscrowd'] == 0
            assert coco.loadCats(annotation['category_id'])[0]['name'] == name, (annotation, name)
        annotation_count += len(annotations)
    assert annotation_count == len(coco.getAnnIds())
    names = {name for _, boxes in expected for _, name in boxes}
    if fixed is None:
        assert sorted(c['name'] for c in coco.loadCats(coco.getCatIds())) == sorted(names)
    print(len(images), annotation_count, len(coco.getCatIds()))
    """#

    /// Runs `vlx coco` on `export` with `options` and checks its output with pycocotools;
    /// returns the checker's counts and vlx's standard error.
    static func check(_ export: String, _ options: [String] = [], categories: String? = nil) throws -> (counts: [Int], stderr: String) {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let output = scratch.appendingPathComponent("coco.json").path
        var arguments = ["coco", export, "-o", output] + options
        if let categories { arguments += ["--categories", categories] }
        let result = try vlx(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        let mediaType = options.firstIndex(of: "--media-type").map { options[$0 + 1] } ?? ""
        let printed = try python(checker, [
            export, output, categories ?? "", options.contains("--with-objects-only") ? "1" : "", mediaType,
        ])
        let counts = printed.split(separator: "\n").last.map { $0.split(separator: " ").compactMap { Int($0) } } ?? []
        // vlx's own count line (not printed with --quiet) agrees with what pycocotools loaded.
        if counts.count == 3, !options.contains("--quiet") {
            #expect(result.stderr.contains("vlx coco: \(counts[0]) images, \(counts[1]) annotations, \(counts[2]) categories"), "\(result.stderr)")
        }
        return (counts, result.stderr)
    }

    @Test func pycocotoolsLoadsTheRealExportAsItsItemsAndBoxes() throws {
        let (counts, _) = try Self.check(Paths.fixture("real-export-extreme.json"))
        #expect(counts.count == 3 && counts[1] > 0, "\(counts)")
    }

    @Test func oddValuesAreLeftOutAndCounted() throws {
        let (counts, stderr) = try Self.check(Paths.fixture("odd-values.json"), ["--quiet"])
        #expect(counts.count == 3, "\(counts)")
        // --quiet silences warnings and the summary alike.
        #expect(stderr.isEmpty, "\(stderr)")
        let (_, loud) = try Self.check(Paths.fixture("odd-values.json"))
        #expect(loud.contains("objects without a usable box"), "\(loud)")
        #expect(loud.contains("elements of media_items that are not objects left out"), "\(loud)")
    }

    @Test func generatedExportsOfEveryStyle() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        for (name, generatorOptions) in [("plain", ["--items", "1500", "--seed", "11"]), ("odd", ["--items", "1500", "--seed", "12", "--odd", "0.2", "--info-last", "--pretty"])] {
            let export = scratch.appendingPathComponent("\(name).json").path
            try run(Paths.generator, generatorOptions).stdout.write(to: URL(fileURLWithPath: export))
            let (all, _) = try Self.check(export)
            #expect(all.count == 3 && all[0] > 1000 && all[1] > 0, "\(name): \(all)")
            let (objectsOnly, _) = try Self.check(export, ["--with-objects-only", "--media-type", "image"])
            #expect(objectsOnly.count == 3 && objectsOnly[0] < all[0] && objectsOnly[1] > 0, "\(name): \(objectsOnly) of \(all)")
        }
    }

    @Test func aFixedCategoryListGivesTheIdsOfAnotherDataset() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        // Ids from an earlier dataset, reversed so that first-seen order cannot give them by chance.
        let first = scratch.appendingPathComponent("first.json").path
        #expect(try vlx(["coco", Paths.fixture("real-export-extreme.json"), "-o", first, "--quiet"]).status == 0)
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: first))) as? [String: Any])
        let categories = try #require(listed["categories"] as? [[String: Any]])
        let reversed = categories.reversed().enumerated().map { position, category in
            ["id": position + 10, "name": category["name"]!, "supercategory": "thing"]
        }
        let list = scratch.appendingPathComponent("categories.json").path
        try JSONSerialization.data(withJSONObject: reversed).write(to: URL(fileURLWithPath: list))

        let (counts, stderr) = try Self.check(Paths.fixture("odd-values.json"), categories: list)
        #expect(counts.count == 3 && counts[2] == categories.count, "\(counts)")
        #expect(stderr.contains("objects of a category not in --categories left out"), "\(stderr)")
        // The dataset's categories are the list, ids and all.
        let output = scratch.appendingPathComponent("second.json").path
        #expect(try vlx(["coco", Paths.fixture("odd-values.json"), "-o", output, "--categories", list, "--quiet"]).status == 0)
        let second = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any])
        let written = try #require(second["categories"] as? [[String: Any]])
        #expect(written.map { $0["id"] as? Int } == reversed.map { $0["id"] as? Int })
        #expect(written.map { $0["name"] as? String } == reversed.map { $0["name"] as? String })
        // A list that repeats a name is refused as a usage error.
        let repeated = scratch.appendingPathComponent("repeated.json").path
        try Data(#"["cat", "dog", "cat"]"#.utf8).write(to: URL(fileURLWithPath: repeated))
        let refused = try vlx(["coco", Paths.fixture("odd-values.json"), "--categories", repeated])
        #expect(refused.status == 2 && refused.stderr.contains("repeats"), "\(refused.stderr)")
    }

    @Test func aCutExportGivesAValidDatasetOfTheItemsBeforeTheCut() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let whole = try Data(contentsOf: URL(fileURLWithPath: Paths.fixture("real-export-extreme.json")))
        let cut = scratch.appendingPathComponent("cut.json").path
        try whole.prefix(whole.count * 2 / 3).write(to: URL(fileURLWithPath: cut))
        let output = scratch.appendingPathComponent("coco.json").path
        let result = try vlx(["coco", cut, "-o", output, "--quiet"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
        let complete = try vlx(["ndjson", cut, "--quiet"])
        let printed = try python("""
        import sys
        from pycocotools.coco import COCO
        coco = COCO(sys.argv[1])
        print(len(coco.getImgIds()))
        """, [output + ".partial"])
        #expect(printed.split(separator: "\n").last.map(String.init) == String(complete.lines.count), "\(printed)")
    }
}

import VLExport

/// Writes a COCO object-detection dataset, one media item at a time, in bounded memory.
///
/// The document is `{"images":[…],"annotations":[…],"categories":[…],"info":{…},"licenses":[]}`.
/// Images are written as items arrive; their annotations go to a ``SpoolFile`` and are
/// copied after the last image, so memory holds one item and the categories whatever the
/// export's size. Finished on any way out, the document is valid COCO holding the images
/// read so far and all of their annotations.
final class COCODataset: FinishingOutput {
    /// What was left out or written incompletely, reported when the dataset is finished.
    struct Counts {
        var images = 0
        var annotations = 0
        var imagesWithoutSize = 0
        var imagesWithoutFile = 0
        var objectsWithoutBox = 0
        var objectsWithoutCategory = 0
        var objectsOfUnlistedCategory = 0
        var itemsWithoutObjects = 0
        var itemsNotObjects = 0
    }

    private let out: OutputStream
    private let annotations: SpoolFile
    private var categories: COCOCategories
    private let info: () -> ExportInfo?
    private var writer = JSONWriter()
    private var annotationWriter = JSONWriter()
    private(set) var counts = Counts()
    /// Where the counts go: standard error, unless the user asked for quiet.
    private let report: (String) -> Void

    init(_ out: OutputStream, categories: COCOCategories, info: @escaping () -> ExportInfo?, report: @escaping (String) -> Void) throws(CLIFailure) {
        self.out = out
        self.categories = categories
        self.info = info
        self.report = report
        annotations = try SpoolFile(purpose: "the COCO annotations")
        try out.write("{\"images\":[")
    }

    /// Writes the item as an image and its objects with a usable box as annotations; with
    /// `objectsOnly`, an item with no such object is left out. Returns whether it was written.
    @discardableResult
    func append(_ item: MediaItem, objectsOnly: Bool) throws(CLIFailure) -> Bool {
        guard !item.isUnreadable else {
            counts.itemsNotObjects += 1
            return false
        }
        let imageID = counts.images + 1
        var annotationCount = 0
        annotationWriter.reset()
        for object in item.objectLabels {
            guard let box = object.boundingBox, Self.isUsable(box) else {
                counts.objectsWithoutBox += 1
                continue
            }
            guard let name = object.categoryName else {
                counts.objectsWithoutCategory += 1
                continue
            }
            guard let categoryID = categories.id(for: name) else {
                counts.objectsOfUnlistedCategory += 1
                continue
            }
            annotationCount += 1
            writeAnnotation(id: counts.annotations + annotationCount, imageID: imageID, categoryID: categoryID, box: box, object: object)
        }
        if annotationCount == 0 {
            counts.itemsWithoutObjects += 1
            if objectsOnly { return false }
        }
        writer.reset()
        writer.beginObject()
        writer.plainKey("id")
        writer.integer(imageID)
        writer.plainKey("file_name")
        if let file = item.filePath ?? item.fileName {
            writer.string(file)
        } else {
            counts.imagesWithoutFile += 1
            writer.null()
        }
        if item.width == nil || item.height == nil { counts.imagesWithoutSize += 1 }
        writer.plainKey("width")
        if let width = item.width { writer.integer(width) } else { writer.null() }
        writer.plainKey("height")
        if let height = item.height { writer.integer(height) } else { writer.null() }
        writer.plainKey("media_id")
        if let mediaID = item.mediaID { writer.string(mediaID) } else { writer.null() }
        writer.endObject()
        if counts.images > 0 { try out.write(CollectionOfOne(UInt8(ascii: ","))) }
        try writer.withBytes { bytes throws(CLIFailure) in try out.write(bytes) }
        try annotationWriter.withBytes { bytes throws(CLIFailure) in try annotations.stream.write(bytes) }
        counts.images += 1
        counts.annotations += annotationCount
        return true
    }

    /// A box COCO can use: finite, with a width and a height above zero.
    static func isUsable(_ box: BoundingBox) -> Bool {
        [box.x, box.y, box.width, box.height].allSatisfy(\.isFinite) && box.width > 0 && box.height > 0
    }

    /// One annotation, with a comma before it unless it is the dataset's first.
    private func writeAnnotation(id: Int, imageID: Int, categoryID: Int, box: BoundingBox, object: ObjectLabel) {
        // The writer puts commas between the annotations of one item; this one goes between items.
        if id > 1, annotationWriter.count == 0 { annotationWriter.appendVerbatim(UInt8(ascii: ",")) }
        annotationWriter.beginObject()
        annotationWriter.plainKey("id")
        annotationWriter.integer(id)
        annotationWriter.plainKey("image_id")
        annotationWriter.integer(imageID)
        annotationWriter.plainKey("category_id")
        annotationWriter.integer(categoryID)
        annotationWriter.plainKey("bbox")
        annotationWriter.beginArray()
        for value in [box.x, box.y, box.width, box.height] { Self.writeNumber(value, to: &annotationWriter) }
        annotationWriter.endArray()
        annotationWriter.plainKey("area")
        Self.writeNumber(box.width * box.height, to: &annotationWriter)
        annotationWriter.plainKey("iscrowd")
        annotationWriter.integer(0)
        annotationWriter.plainKey("segmentation")
        annotationWriter.beginArray()
        annotationWriter.endArray()
        // The object's own issues and tags, as CVAT's COCO export keeps an object's attributes.
        annotationWriter.plainKey("attributes")
        annotationWriter.beginObject()
        annotationWriter.plainKey("issues")
        annotationWriter.beginArray()
        for metadata in object.metadataItems {
            if case .issue = metadata.content { metadata.writeNormalizedProperties(to: &annotationWriter) }
        }
        annotationWriter.endArray()
        annotationWriter.plainKey("user_tags")
        annotationWriter.beginArray()
        for metadata in object.metadataItems {
            if case .userTag(let tag) = metadata.content, let name = tag.tagName { annotationWriter.string(name) }
        }
        annotationWriter.endArray()
        annotationWriter.endObject()
        annotationWriter.endObject()
    }

    /// A whole number as an integer (`10`, as exports write pixels), any other as its shortest form.
    private static func writeNumber(_ value: Double, to writer: inout JSONWriter) {
        if value.rounded() == value, abs(value) < 0x1p53 {
            writer.integer(Int(value))
        } else {
            writer.double(value)
        }
    }

    func finish(complete: Bool) throws(CLIFailure) {
        try out.write("],\"annotations\":[")
        try annotations.copy(to: out)
        writer.reset()
        writer.beginArray()
        for category in categories.list {
            writer.beginObject()
            writer.plainKey("id")
            writer.integer(category.id)
            writer.plainKey("name")
            writer.string(category.name)
            writer.plainKey("supercategory")
            writer.string(category.supercategory ?? "")
            writer.endObject()
        }
        writer.endArray()
        try out.write("],\"categories\":")
        try writer.withBytes { bytes throws(CLIFailure) in try out.write(bytes) }
        try out.write(",\"info\":")
        try out.write(Self.cocoInfo(info()).compactJSON)
        try out.write(",\"licenses\":[]}\n")
        try out.flush()
        report(summary)
    }

    /// COCO's `info` from the export's: what the dataset is, where, which version, by whom, when.
    static func cocoInfo(_ info: ExportInfo?) -> JSONValue {
        var object = JSONObject()
        func add(_ key: String, _ text: String?) {
            if let text { object.append(key: key, value: .string(text)) }
        }
        add("description", info?.description ?? info?.dataset)
        add("url", info?.datasetURL)
        add("version", info?.schemaVersion)
        if let year = info?.exportTime.flatMap({ Int($0.prefix(4)) }) {
            object.append(key: "year", value: .integer(year))
        }
        add("contributor", info?.exportedBy)
        add("date_created", info?.exportTime)
        return .object(object)
    }

    /// The counts, and each kind of thing left out or written without a value.
    var summary: String {
        var parts = ["\(counts.images) images, \(counts.annotations) annotations, \(categories.list.count) categories"]
        func note(_ count: Int, _ text: String) {
            if count > 0 { parts.append("\(count) \(text)") }
        }
        note(counts.objectsWithoutBox, "objects without a usable box (none, or not of positive finite size) left out")
        note(counts.objectsWithoutCategory, "objects without a category name left out")
        note(counts.objectsOfUnlistedCategory, "objects of a category not in --categories left out")
        note(counts.itemsNotObjects, "elements of media_items that are not objects left out")
        note(counts.itemsWithoutObjects, "items without an annotation")
        note(counts.imagesWithoutSize, "images without a width or height (written as null)")
        note(counts.imagesWithoutFile, "images without a file path or name (written as null)")
        return parts.joined(separator: "; ")
    }
}

/// The categories of a COCO dataset, with their ids.
///
/// By default each distinct `category_name` gets the next id, from 1, in the order the
/// export first names it. A fixed list (``load(_:)``) gives the ids of another dataset,
/// so that datasets made from several exports agree; names outside it are left out.
struct COCOCategories {
    struct Category {
        var id: Int
        var name: String
        var supercategory: String?
    }

    /// The categories in the order they were listed or first seen.
    private(set) var list: [Category] = []
    private var ids: [String: Int] = [:]
    /// Whether names outside the list are left out rather than added.
    private let isFixed: Bool

    /// An empty list that grows with each new name.
    init() {
        isFixed = false
    }

    private init(fixed list: [Category]) {
        isFixed = true
        self.list = list
        for category in list { ids[category.name] = category.id }
    }

    /// The id of the category `name`, added if the list is not fixed; nil if it is and lacks it.
    mutating func id(for name: String) -> Int? {
        if let id = ids[name] { return id }
        guard !isFixed else { return nil }
        let id = list.count + 1
        list.append(Category(id: id, name: name))
        ids[name] = id
        return id
    }

    /// Reads a fixed list from a JSON file: an array of names (ids from 1, in order), an array
    /// of COCO categories (`{"id": 3, "name": "cat", "supercategory": "animal"}`), or a COCO
    /// dataset, whose `categories` are taken.
    static func load(_ path: String) throws(CLIFailure) -> COCOCategories {
        let bytes: [UInt8]
        do throws(SystemError) {
            bytes = try SystemCall.readWholeFile(path)
        } catch {
            throw CLIFailure(.ioFailure, "cannot read \(path): \(error)")
        }
        let document: JSONValue
        do {
            document = try JSONValue(parsing: bytes)
        } catch {
            throw CLIFailure(.usage, "--categories \(path) is not JSON: \(error)")
        }
        var elements: [JSONValue]
        switch document {
        case .array(let array): elements = array
        case .object(let object):
            guard case .array(let array)? = object["categories"] else {
                throw CLIFailure(.usage, "--categories \(path): an object must be a COCO dataset, with a \"categories\" array")
            }
            elements = array
        default:
            throw CLIFailure(.usage, "--categories \(path): expected an array of names or of COCO categories")
        }
        var list: [Category] = []
        var seenIDs: Set<Int> = []
        var seenNames: Set<String> = []
        for (position, element) in elements.enumerated() {
            let category: Category
            switch element {
            case .string(let name):
                category = Category(id: position + 1, name: name)
            case .object(let object):
                guard case .string(let name)? = object["name"], case .number(let number)? = object["id"], let id = number.intValue else {
                    throw CLIFailure(.usage, "--categories \(path): category \(position) needs an integer \"id\" and a string \"name\"")
                }
                var supercategory: String?
                if case .string(let text)? = object["supercategory"] { supercategory = text }
                category = Category(id: id, name: name, supercategory: supercategory)
            default:
                throw CLIFailure(.usage, "--categories \(path): category \(position) is neither a name nor an object")
            }
            guard seenIDs.insert(category.id).inserted, seenNames.insert(category.name).inserted else {
                throw CLIFailure(.usage, "--categories \(path): category \(position) (\(category.id), \"\(category.name)\") repeats an id or a name")
            }
            list.append(category)
        }
        return COCOCategories(fixed: list)
    }
}

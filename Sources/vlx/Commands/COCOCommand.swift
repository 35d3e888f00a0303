import ArgumentParser
import VLExport

/// `vlx coco`: a COCO object-detection dataset, for training.
struct COCOCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coco",
        abstract: "Write a COCO object-detection dataset: one image per media item, one annotation per object label with a box.",
        discussion: """
        Images: id (from 1, in export order), file_name (the item's file_path, or
        its file_name), width, height, and media_id. Annotations: id, image_id,
        category_id, bbox [x, y, width, height] as in the export, area (width ×
        height), iscrowd 0, an empty segmentation, and attributes holding the
        object's own issues and user tags. pycocotools, torchvision, Detectron2
        and MMDetection read it.

        Categories get ids from 1 in the order the export first names them. To
        make datasets from several exports agree, give --categories FILE: a JSON
        array of names (ids from 1), an array of COCO categories ({"id", "name",
        "supercategory"}), or a COCO dataset (an earlier vlx coco output), whose
        categories are used; objects of other categories are then left out.

        Objects without a usable box (none, or not of positive finite size) or
        without a category name are left out, and so are elements of media_items
        that are not objects. What was left out, and images
        without a width or height (written as null), are counted on standard
        error. Memory stays bounded: annotations wait in a temporary file, with
        no name, until the last image is written.
        """
    )

    @OptionGroup var input: InputArguments

    @Option(help: "Keep items of this media type (image, video_frame, …); repeatable: any of them.")
    var mediaType: [String] = []

    @Flag(help: "Leave out items with no annotation.")
    var withObjectsOnly = false

    @Option(help: "Take the categories and their ids from this JSON file; other categories are left out.")
    var categories: String?

    @Option(name: [.short, .customLong("output")], help: "Write to this file instead of standard output.")
    var output: String?

    func run() async throws {
        let categoryList = try categories.map(COCOCategories.load) ?? COCOCategories()
        let conditions = ItemConditions(mediaTypes: mediaType)
        var held = HeldValues(for: conditions)
        try await ExportRun.perform(input, properties: Self.properties, alsoReading: categories.map { [$0] } ?? []) { run in
            let reader = run.reader
            let quiet = input.read.quiet
            let dataset = run.adopt(
                try COCODataset(try run.openOutput(output), categories: categoryList, info: { reader.info }) { summary in
                    if !quiet { Terminal.printError("vlx coco: \(summary)") }
                }
            )
            for try await item in reader.mediaItems {
                run.input.progress.addItem()
                held.add(item)
                guard conditions.match(item) else { continue }
                try dataset.append(item, objectsOnly: withObjectsOnly)
            }
        }
        if !input.read.quiet {
            for line in held.unmatched(conditions) { Terminal.printError("vlx coco: \(line)") }
        }
    }

    /// What the dataset is made of; the walk passes over everything else.
    static let properties = PropertySelection.only(
        Set<PropertySelection.Key>([.mediaID, .mediaType, .fileName, .filePath, .width, .height, .categoryName, .bbox, .tagName])
            .union(Issue.propertyKeys)
    )
}

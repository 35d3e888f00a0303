import VLExport

/// Writes media items as an export document: `{"media_items":[…],"info":{…}}`.
///
/// `info` goes last, because only at the end is the number of items written
/// known: its `total_media_items` is that number. Finished on any way out, the
/// document is valid JSON holding the items written so far.
final class ExportDocumentWriter: FinishingOutput {
    private let out: OutputStream
    /// Where `info` comes from: the export's, once the walk has read it (its
    /// `total_media_items` is replaced).
    private let info: () -> JSONObject
    private(set) var itemsWritten = 0

    init(_ out: OutputStream, info: @escaping () -> JSONObject) throws(CLIFailure) {
        self.out = out
        self.info = info
        try out.write("{\"media_items\":[")
    }

    /// Writes one item's JSON.
    func append(_ json: some Collection<UInt8>) throws(CLIFailure) {
        if itemsWritten > 0 { try out.write(CollectionOfOne(UInt8(ascii: ","))) }
        try out.write(json)
        itemsWritten += 1
    }

    /// Writes the JSON of `count` items, separated by commas.
    func append(joinedItems json: [UInt8], count: Int) throws(CLIFailure) {
        guard count > 0 else { return }
        if itemsWritten > 0 { try out.write(CollectionOfOne(UInt8(ascii: ","))) }
        try out.write(json)
        itemsWritten += count
    }

    func finish(complete: Bool) throws(CLIFailure) {
        var info = info()
        info.members.removeAll { $0.key == "total_media_items" }
        info.append(key: "total_media_items", value: .number(JSONNumber(text: String(itemsWritten))))
        try out.write("],\"info\":")
        try out.write(JSONValue.object(info).compactJSON)
        try out.write("}\n")
        try out.flush()
    }
}

extension ExportDocumentWriter {
    /// An export's `info` with `note` added to its description in parentheses (or as the
    /// description, when it has none): what a command did to the items.
    static func info(_ info: ExportInfo?, noting note: String) -> JSONObject {
        var object = info?.json ?? JSONObject()
        let description = info?.description.map { "\($0) (\(note))" } ?? note
        if let position = object.members.firstIndex(where: { $0.key == "description" }) {
            object.members[position].value = .string(description)
        } else {
            object.append(key: "description", value: .string(description))
        }
        return object
    }
}

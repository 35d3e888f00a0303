/// The export's `info` object: which dataset, when, by whom, and how many items.
public struct ExportInfo: Sendable, Hashable {
    /// `schema_version`, `"1.1"` so far.
    public var schemaVersion: String?
    /// `dataset`: the dataset's name.
    public var dataset: String?
    /// `description`.
    public var description: String?
    /// `dataset_url`.
    public var datasetURL: String?
    /// `dataset_creation_time`, as written (`"2023-01-01 12:34:56"` or ISO 8601 with microseconds).
    public var datasetCreationTime: String?
    /// `export_time`, as written.
    public var exportTime: String?
    /// `exported_by`.
    public var exportedBy: String?
    /// `total_media_items`, as declared; it can differ from the real count.
    public var totalMediaItems: Int?
    /// The whole `info` object as it stands in the file, all members in order.
    public var json: JSONObject

    /// Reads an `info` object.
    ///
    /// - Throws: a schema error when a known field has the wrong type.
    public init(json: JSONObject) throws(VLExportError) {
        self.json = json
        for member in json {
            let field = Field(key: FieldKey(member.key), value: member.value)
            switch field.key {
            case .known(.schemaVersion): schemaVersion = try field.string()
            case .known(.dataset): dataset = try field.string()
            case .known(.description): description = try field.string()
            case .known(.datasetURL): datasetURL = try field.string()
            case .known(.datasetCreationTime): datasetCreationTime = try field.string()
            case .known(.exportTime): exportTime = try field.string()
            case .known(.exportedBy): exportedBy = try field.string()
            case .known(.totalMediaItems): totalMediaItems = try field.int()
            default: break
            }
        }
    }
}

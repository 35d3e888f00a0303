// The canonical, typed form of a media item, for tools that want one shape
// whatever the export's spelling: the metadata type is always under
// "metadata_type", known numeric fields are numbers even when the export had
// strings, and "file_size_bytes" stands beside "file_size". Fields the format
// does not name are kept as they were, after the known ones.

extension MediaItem {
    /// The item in its canonical form.
    public var normalizedJSON: JSONValue {
        var object = JSONObject()
        object.add("media_id", mediaID.map(JSONValue.string))
        object.add("media_type", mediaType.map { .string($0.rawValue) })
        object.add("file_name", fileName.map(JSONValue.string))
        object.add("file_path", filePath.map(JSONValue.string))
        object.add("file_size", fileSize.map { .string($0.text) })
        object.add("file_size_bytes", fileSize?.approximateBytes.map(JSONValue.integer))
        object.add("height", height.map(JSONValue.integer))
        object.add("width", width.map(JSONValue.integer))
        object.add("url", url.map(JSONValue.string))
        object.add("cluster_id", clusterID.map(JSONValue.string))
        object.add("uniqueness_score", uniquenessScore.map(JSONValue.double))
        object.add("metadata_items", .array(metadataItems.map(\.normalizedJSON)))
        object.members += otherFields.members
        return .object(object)
    }
}

extension MetadataItem {
    /// The metadata item in its canonical form: `{"metadata_type": …, "properties": {…}}`.
    public var normalizedJSON: JSONValue {
        var object = JSONObject()
        object.add("metadata_type", .string(type))
        object.add("properties", .object(normalizedProperties))
        object.members += otherFields.members
        return .object(object)
    }

    private var normalizedProperties: JSONObject {
        var properties = JSONObject()
        switch content {
        case .issue(let issue):
            properties.add("issue_type", issue.issueType.map { .string($0.rawValue) })
            properties.add("confidence", issue.confidence.map(JSONValue.double))
            properties.add("duplicate_group_id", issue.duplicateGroupID.map {
                switch $0 {
                case .integer(let value): .integer(value)
                case .identifier(let value): .string(value)
                }
            })
            properties.add("duplicate_threshold", issue.duplicateThreshold.map(JSONValue.double))
            properties.add("similarity_level", issue.similarityLevel.map(JSONValue.double))
            properties.add("actual_label", issue.actualLabel.map(JSONValue.string))
            properties.add("suggested_label", issue.suggestedLabel.map(JSONValue.string))
            properties.add("suggestion_confidence", issue.suggestionConfidence.map(JSONValue.double))
            properties.add("issues_description", issue.issuesDescription.map(JSONValue.string))
            properties.members += issue.otherProperties.members
        case .userTag(let tag):
            properties.add("tag_name", tag.tagName.map(JSONValue.string))
            properties.add("assigned_date", tag.assignedDate.map(JSONValue.string))
            properties.add("assigned_by", tag.assignedBy.map(JSONValue.string))
            properties.members += tag.otherProperties.members
        case .imageLabel(let label):
            properties.add("category_id", label.categoryID.map(JSONValue.integer))
            properties.add("category_name", label.categoryName.map(JSONValue.string))
            properties.add("source", label.source.map(JSONValue.string))
            properties.add("original_id", label.originalID.map(JSONValue.integer))
            properties.members += label.otherProperties.members
        case .objectLabel(let object):
            properties.add("category_id", object.categoryID.map(JSONValue.integer))
            properties.add("category_name", object.categoryName.map(JSONValue.string))
            properties.add("source", object.source.map(JSONValue.string))
            properties.add("original_id", object.originalID.map(JSONValue.integer))
            properties.add("bbox", object.boundingBox.map { box in
                .array([box.x, box.y, box.width, box.height].map(JSONValue.double))
            })
            properties.add("url", object.url.map(JSONValue.string))
            properties.add("cluster_id", object.clusterID.map(JSONValue.string))
            properties.add("uniqueness_score", object.uniquenessScore.map(JSONValue.double))
            properties.add("metadata_items", .array(object.metadataItems.map(\.normalizedJSON)))
            properties.members += object.otherProperties.members
        case .videoInfo(let video):
            properties.add("video_name", video.videoName.map(JSONValue.string))
            properties.add("frame_timestamp", video.frameTimestamp.map(\.normalizedJSON))
            properties.add("frame_number", video.frameNumber.map(JSONValue.integer))
            properties.add("video_id", video.videoID.map(JSONValue.string))
            properties.add("timestamp", video.timestamp.map(\.normalizedJSON))
            properties.members += video.otherProperties.members
        case .caption(let caption):
            properties.add("text", caption.text.map(JSONValue.string))
            properties.add("source", caption.source.map(JSONValue.string))
            properties.members += caption.otherProperties.members
        case .unknown(let object):
            properties = object
        }
        return properties
    }
}

extension FrameTimestamp {
    /// Seconds as a number when the export gave a number; the text as written otherwise.
    var normalizedJSON: JSONValue {
        text.map(JSONValue.string) ?? .double(seconds)
    }
}

extension JSONValue {
    /// A whole number.
    public static func integer(_ value: Int) -> JSONValue {
        .number(JSONNumber(text: String(value)))
    }

    /// A finite number in its shortest form that reads back the same (`0.88`, `6120.0`).
    public static func double(_ value: Double) -> JSONValue {
        .number(JSONNumber(text: value.description))
    }
}

extension JSONObject {
    /// Adds a member when it has a value.
    fileprivate mutating func add(_ key: String, _ value: JSONValue?) {
        if let value { append(key: key, value: value) }
    }
}

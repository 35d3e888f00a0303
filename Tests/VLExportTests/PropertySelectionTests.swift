import Testing
import TestSupport
@testable import VLExport

/// A walk with a ``PropertySelection`` passes over what is not selected. Its
/// items must be the full walk's items with exactly the unselected properties
/// left out: `project` below says so property by property, on the typed
/// model, without the builder's tables.
@Suite(.hangLimit) struct PropertySelectionTests {
    /// Items with unknown fields, containers to pass over, and every kind of metadata.
    static let document = #"""
    {"info": {"dataset": "selection"}, "media_items": [
      {"media_id": "m0", "media_type": "image", "file_size": "2KB", "height": 10, "width": 20, "url": "u0",
       "extra": {"deep": [{"a": [1, {"b": null}]}, [], {}]}, "review_status": "done",
       "metadata_items": [
        {"type": "issue", "properties": {"issue_type": "duplicates", "confidence": 0.9, "duplicate_group_id": "g-1", "note": [1, 2]}},
        {"type": "image_label", "properties": {"category_name": "snow", "source": "user", "original_id": -1}, "seen": true},
        {"type": "object_label", "properties": {"category_name": "car", "bbox": [1, 2, 3, 4], "url": "o",
          "metadata_items": [{"type": "issue", "properties": {"issue_type": "blur", "confidence": "0.4"}},
                             {"type": "user_tag", "properties": {"tag_name": "t", "assigned_by": "ana"}}]}},
        {"type": "user_tag", "properties": {"tag_name": "checked", "assigned_date": "2025-01-02"}},
        {"type": "video_info", "properties": {"video_name": "v.mp4", "frame_timestamp": 3.5}},
        {"type": "caption", "properties": {"text": "a cat", "source": "Model"}},
        {"type": "future_type", "properties": {"anything": [true, {"x": 1}]}}
       ]},
      {"media_id": "m1", "media_type": "video_frame", "extra": [[[]]], "metadata_items": []}
    ]}
    """#

    static let selections: [(keys: Set<String>, keepingOtherFields: Bool)] = [
        (["media_type", "file_size", "issue_type", "duplicate_group_id", "category_name", "tag_name"], false),
        (["media_id", "bbox", "confidence", "review_status", "note"], false),
        (["url", "text", "frame_timestamp"], true),
        ([], false),
    ]

    @Test(arguments: 0..<4)
    func selectedItemsAreTheFullItemsWithTheRestLeftOut(_ selection: Int) async throws {
        let (keys, keepingOtherFields) = Self.selections[selection]
        let options = ReaderOptions(properties: .only(Set(keys.map(PropertySelection.Key.other)), keepingOtherFields: keepingOtherFields))
        for (name, bytes) in [("document", Array(Self.document.utf8)), ("real export", try Fixture.bytes("real-export-extreme.json"))] {
            let full = await typedWalk(bytes)
            let selected = await typedWalk(bytes, options: options)
            #expect(full.error == nil && selected.error == nil, "\(name)")
            #expect(selected.items.count == full.items.count, "\(name)")
            #expect(!full.items.isEmpty)
            for (item, fullItem) in zip(selected.items, full.items) {
                #expect(item == project(fullItem, keys, keepingOtherFields), "\(name): media_items[\(item.index)]")
            }
        }
    }

    @Test func theDefaultSelectionReadsEverything() async throws {
        let bytes = Array(Self.document.utf8)
        let full = await typedWalk(bytes)
        let all = await typedWalk(bytes, options: ReaderOptions(properties: .all))
        #expect(all.items == full.items)
        #expect(full.items.first?.otherFields["extra"] != nil)
        #expect(PropertySelection.all.isAll)
        #expect(!PropertySelection.only([.mediaID], keepingOtherFields: true).isAll)
        // A typed key is its name in the export, wherever it stands.
        #expect(PropertySelection.only([.issueType, .categoryName]) == PropertySelection.only([.other("issue_type"), .other("category_name")]))
    }

    @Test func aValuePassedOverIsNotCheckedAndASelectedOneIs() async throws {
        let json = Array(#"{"media_items": [{"height": "abc", "extra": {"a": [1, {"b": 2}]}, "media_type": "image"}]}"#.utf8)
        let lenient = await typedWalk(json, options: ReaderOptions(properties: .only([.mediaType])))
        #expect(lenient.error == nil)
        #expect(lenient.items.first?.mediaType == .image)
        #expect(lenient.items.first?.height == nil)
        let checked = await typedWalk(json, options: ReaderOptions(properties: .only([.height]), schema: .strict))
        let error = try #require(checked.vlError)
        #expect(error.kind == .schema)
        #expect(error.path == "media_items[0].height")
        // Tolerant, the selected odd value is kept and listed; the one passed over is not.
        let kept = await typedWalk(json, options: ReaderOptions(properties: .only([.height])))
        #expect(kept.error == nil)
        #expect(kept.items.first?.nonconforming.map(\.path) == ["height"])
        #expect(kept.items.first?.otherFields["height"] == .string("abc"))
    }

    @Test func syntaxErrorsInsideAValuePassedOverAreStillReported() async throws {
        let json = Array(#"{"media_items": [{"media_id": "a"}, {"extra": {"a": [1, 2,]}, "media_id": "b"}]}"#.utf8)
        let result = await typedWalk(json, options: ReaderOptions(properties: .only([.mediaID])))
        #expect(result.items.map(\.mediaID) == ["a"])
        #expect(result.vlError?.kind == .syntax)
    }

    @Test func propertiesWrittenBeforeTheirTypeAreReadWhole() async throws {
        let json = Array(#"{"media_items": [{"metadata_items": [{"properties": {"issue_type": "blur", "confidence": 0.5}, "type": "issue"}]}]}"#.utf8)
        let result = await typedWalk(json, options: ReaderOptions(properties: .only([.issueType])))
        guard case .issue(let issue)? = result.items.first?.metadataItems.first?.content else {
            Issue.record("expected an issue")
            return
        }
        #expect(issue.issueType?.kind == .blur)
        // More than was asked for, never less.
        #expect(issue.confidence == 0.5)
    }
}

/// The full item with what `keys` does not select left out.
private func project(_ item: MediaItem, _ keys: Set<String>, _ keepingOtherFields: Bool) -> MediaItem {
    func keep<Value>(_ key: String, _ value: Value?) -> Value? { keys.contains(key) ? value : nil }
    func others(_ object: JSONObject) -> JSONObject {
        JSONObject(object.members.filter { keepingOtherFields || keys.contains($0.key) })
    }
    func metadata(_ items: [MetadataItem]) -> [MetadataItem] {
        items.map { item in
            let content: MetadataItem.Content
            switch item.content {
            case .issue(let issue):
                content = .issue(Issue(
                    issueType: keep("issue_type", issue.issueType), confidence: keep("confidence", issue.confidence),
                    duplicateGroupID: keep("duplicate_group_id", issue.duplicateGroupID),
                    duplicateThreshold: keep("duplicate_threshold", issue.duplicateThreshold),
                    similarityLevel: keep("similarity_level", issue.similarityLevel), actualLabel: keep("actual_label", issue.actualLabel),
                    suggestedLabel: keep("suggested_label", issue.suggestedLabel),
                    suggestionConfidence: keep("suggestion_confidence", issue.suggestionConfidence),
                    issuesDescription: keep("issues_description", issue.issuesDescription), otherProperties: others(issue.otherProperties)
                ))
            case .userTag(let tag):
                content = .userTag(UserTag(
                    tagName: keep("tag_name", tag.tagName), assignedDate: keep("assigned_date", tag.assignedDate),
                    assignedBy: keep("assigned_by", tag.assignedBy), otherProperties: others(tag.otherProperties)
                ))
            case .imageLabel(let label):
                content = .imageLabel(ImageLabel(
                    categoryID: keep("category_id", label.categoryID), categoryName: keep("category_name", label.categoryName),
                    source: keep("source", label.source), originalID: keep("original_id", label.originalID),
                    otherProperties: others(label.otherProperties)
                ))
            case .objectLabel(let object):
                content = .objectLabel(ObjectLabel(
                    categoryID: keep("category_id", object.categoryID), categoryName: keep("category_name", object.categoryName),
                    source: keep("source", object.source), originalID: keep("original_id", object.originalID),
                    boundingBox: keep("bbox", object.boundingBox), uniquenessScore: keep("uniqueness_score", object.uniquenessScore),
                    url: keep("url", object.url), clusterID: keep("cluster_id", object.clusterID), metadataItems: metadata(object.metadataItems),
                    otherProperties: others(object.otherProperties)
                ))
            case .videoInfo(let video):
                content = .videoInfo(VideoInfo(
                    videoName: keep("video_name", video.videoName), frameTimestamp: keep("frame_timestamp", video.frameTimestamp),
                    frameNumber: keep("frame_number", video.frameNumber), videoID: keep("video_id", video.videoID),
                    timestamp: keep("timestamp", video.timestamp), otherProperties: others(video.otherProperties)
                ))
            case .caption(let caption):
                // The documents here write a caption's text under "text".
                content = .caption(Caption(text: keep("text", caption.text), source: keep("source", caption.source), otherProperties: others(caption.otherProperties)))
            case .unknown, .unreadable:
                // The properties of a type this version does not know are read whole.
                content = item.content
            }
            return MetadataItem(type: item.type, typeKey: item.typeKey, content: content, otherFields: others(item.otherFields))
        }
    }
    return MediaItem(
        index: item.index, mediaID: keep("media_id", item.mediaID), mediaType: keep("media_type", item.mediaType),
        fileName: keep("file_name", item.fileName), filePath: keep("file_path", item.filePath), fileSize: keep("file_size", item.fileSize),
        height: keep("height", item.height), width: keep("width", item.width), url: keep("url", item.url),
        clusterID: keep("cluster_id", item.clusterID), uniquenessScore: keep("uniqueness_score", item.uniquenessScore),
        metadataItems: metadata(item.metadataItems), otherFields: others(item.otherFields), nonconforming: item.nonconforming
    )
}

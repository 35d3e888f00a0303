import Testing
import TestSupport
@testable import VLExport

/// The streaming typed walk converts common values straight from the
/// tokenizer's bytes and sends everything else through the conversions a
/// value read whole goes through. These tests hold the two paths to the same
/// answers: every item the walk yields must equal the item read from its own
/// raw JSON with `MediaItem(json:index:)`, which never takes the fast path.
@Suite(.hangLimit) struct TypedPathTests {
    /// Items whose fields take every fast path and every way off it.
    static let variants = #"""
    {"media_items": [
      {"media_id": "m0", "media_type": "image", "file_size": "1.5KB", "height": 10, "width": "20", "uniqueness_score": "0.25",
       "url": null, "cluster_id": "c", "extra": {"k": [1, 2]},
       "metadata_items": [
        {"type": "issue", "properties": {"issue_type": "duplicates", "confidence": 0.9, "duplicate_group_id": "g-1", "duplicate_threshold": 0.96}},
        {"type": "issue", "properties": {"issue_type": "duplicate", "confidence": "0.75", "duplicate_group_id": 17, "similarity_level": "0.5"}},
        {"type": "issue", "properties": {"issue_type": "mislabel", "confidence": " 0.5 ", "suggestion_confidence": "1e-3", "actual_label": "cat", "suggested_label": "dog"}},
        {"type": "issue", "properties": {"issue_type": "not_known_yet", "confidence": null, "duplicate_group_id": null, "note": "kept"}},
        {"metadata_type": "image_label", "properties": {"category_id": 3, "category_name": "snow", "source": "user", "original_id": -1}},
        {"type": "image_label", "properties": {"category_id": 4.0, "category_name": "ski", "source": "Visual Layer"}},
        {"type": "user_tag", "properties": {"tag_name": "checked", "assigned_date": "2025-01-02", "assigned_by": "ana"}, "note": 1},
        {"type": "video_info", "properties": {"video_name": "v.mp4", "frame_timestamp": "01:42:00", "timestamp": 0.5, "frame_number": 36, "video_id": "v"}},
        {"type": "video_info", "properties": {"frame_timestamp": 3.5, "timestamp": "00:00:00.567"}},
        {"type": "caption", "properties": {"text": "a cat", "source": "Model"}},
        {"type": "caption", "properties": {"caption": "a dog"}},
        {"properties": {"issue_type": "outliers", "confidence": 0.1}, "type": "issue"},
        {"type": "issue", "properties": {"confidence": 0.2}, "properties": {"confidence": 0.3}},
        {"type": "future_type", "properties": {"anything": [true, null, {"x": 1}]}},
        {"type": "object_label", "properties": {"category_name": "car", "bbox": [1, 2.5, 3, 4], "url": "u", "cluster_id": "c2",
          "uniqueness_score": 0.5, "original_id": 7, "category_id": 8, "source": "User",
          "metadata_items": [{"type": "issue", "properties": {"issue_type": "blur", "confidence": "0.4"}},
                             {"type": "user_tag", "properties": {"tag_name": "t"}}]}},
        {"type": "object_label", "properties": {"bbox": ["1", 2, 3, 4], "metadata_items": []}},
        {"type": "object_label", "properties": {"bbox": null}},
        {"type": "object_label", "properties": {"bbox": [0, 0, 1, 1], "bbox": [5, 6, 7, 8], "odd": [[1], {"a": 2}]}},
        {"properties": {"category_name": "late", "bbox": [1, 2, 3, 4], "metadata_items": [{"type": "issue", "properties": {}}]}, "type": "object_label"}
       ]},
      {"media_id": "m1", "media_type": "video_frame", "metadata_items": null, "metadata_type": "stray"},
      {"media_id": "m2", "media_type": "panorama", "height": 1.0e2, "file_size": "3 MB"}
    ]}
    """#

    @Test func streamingItemsEqualItemsReadWhole() async throws {
        let documents = [
            ("variants", Array(Self.variants.utf8)),
            ("real export", try Fixture.bytes("real-export-extreme.json")),
            ("edge cases", try Fixture.bytes("edge-cases.json")),
        ]
        for (name, bytes) in documents {
            let typed = await typedWalk(bytes)
            let raw = await rawWalk(bytes)
            #expect(typed.error == nil, "\(name): \(String(describing: typed.error))")
            #expect(typed.items.count == raw.items.count)
            #expect(!typed.items.isEmpty)
            for (streamed, rawItem) in zip(typed.items, raw.items) {
                let whole = try MediaItem(json: try JSONValue(parsing: rawItem.json), index: rawItem.index)
                #expect(streamed == whole, "\(name): media_items[\(rawItem.index)] differs between the two paths")
            }
        }
    }

    @Test func variantsHaveTheValuesTheFormatGives() async throws {
        let items = await typedWalk(Array(Self.variants.utf8)).items
        let first = try #require(items.first)
        #expect(first.width == 20)
        #expect(first.uniquenessScore == 0.25)
        #expect(first.otherFields["extra"] != nil)
        let metadata = first.metadataItems
        #expect(metadata.count == 19)
        guard case .issue(let numericStrings) = metadata[1].content else { Issue.record("not an issue"); return }
        #expect(numericStrings.confidence == 0.75)
        #expect(numericStrings.duplicateGroupID == .integer(17))
        #expect(numericStrings.issueType?.kind == .duplicates)
        guard case .issue(let padded) = metadata[2].content else { Issue.record("not an issue"); return }
        #expect(padded.confidence == 0.5)
        #expect(padded.suggestionConfidence == 0.001)
        guard case .issue(let later) = metadata[12].content else { Issue.record("not an issue"); return }
        #expect(later.confidence == 0.3)
        guard case .videoInfo(let video) = metadata[7].content else { Issue.record("not video info"); return }
        #expect(video.frameTimestamp?.seconds == 6120)
        guard case .objectLabel(let car) = metadata[14].content else { Issue.record("not an object"); return }
        #expect(car.boundingBox == BoundingBox(x: 1, y: 2.5, width: 3, height: 4))
        #expect(car.metadataItems.count == 2)
        guard case .objectLabel(let quoted) = metadata[15].content else { Issue.record("not an object"); return }
        #expect(quoted.boundingBox == BoundingBox(x: 1, y: 2, width: 3, height: 4))
        guard case .objectLabel(let twice) = metadata[17].content else { Issue.record("not an object"); return }
        #expect(twice.boundingBox == BoundingBox(x: 5, y: 6, width: 7, height: 8))
        #expect(twice.otherProperties["odd"] != nil)
        guard case .objectLabel(let late) = metadata[18].content else { Issue.record("not an object"); return }
        #expect(late.categoryName == "late")
        #expect(late.metadataItems.count == 1)
    }

    @Test func badBoundingBoxesFailTheSameWayOnBothPaths() async throws {
        let cases: [(String, String)] = [
            (#"[1, 2, 3]"#, "media_items[0].metadata_items[0].properties.bbox"),
            (#"[1, 2, 3, 4, 5]"#, "media_items[0].metadata_items[0].properties.bbox"),
            // A box that cannot be read is kept whole, so it is reported whole.
            (#"[1, 2, "x", 4]"#, "media_items[0].metadata_items[0].properties.bbox"),
            (#"[1, 2, 3, 1e400]"#, "media_items[0].metadata_items[0].properties.bbox"),
            (#"[1, [2], 3, 4]"#, "media_items[0].metadata_items[0].properties.bbox"),
            (#""1,2,3,4""#, "media_items[0].metadata_items[0].properties.bbox"),
        ]
        for (box, path) in cases {
            let json = #"{"media_items": [{"metadata_items": [{"type": "object_label", "properties": {"bbox": "# + box + "}}]}]}"
            let error = try #require(await typedWalk(Array(json.utf8), options: strictSchema).vlError, "bbox \(box)")
            #expect(error.kind == .schema)
            #expect(error.path == path, "bbox \(box)")
            guard case .object(let export) = try JSONValue(parsing: json), case .array(let items)? = export["media_items"] else {
                Issue.record("the test document is not an export")
                return
            }
            #expect(throws: VLExportError.self) { try MediaItem(json: items[0], index: 0, schema: .strict) }
            // Tolerant, both paths keep the box as written and list it at the same path.
            let streamed = await typedWalk(Array(json.utf8)).items
            let whole = try MediaItem(json: items[0], index: 0)
            #expect(streamed.first?.nonconforming.map(\.path) == ["metadata_items[0].properties.bbox"])
            #expect(whole.nonconforming.map(\.path) == ["metadata_items[0].properties.bbox"])
            #expect(streamed.first?.metadataItems == whole.metadataItems)
        }
    }

    @Test func aStrayScalarInAMetadataListIsRejectedAfterAnObject() async throws {
        let json = #"{"media_items": [{"metadata_items": [{"type": "issue", "properties": {"confidence": 0.5}}, 0.5]}]}"#
        let error = try #require(await typedWalk(Array(json.utf8), options: strictSchema).vlError)
        #expect(error.path == "media_items[0].metadata_items[1]")
        #expect(error.message == "expected a metadata item object, found number 0.5")
    }
}

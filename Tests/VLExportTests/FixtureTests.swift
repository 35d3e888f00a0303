import Testing
import TestSupport
import VLExport

/// The real export and the documentation's example, with exact expected values.
@Suite(.hangLimit) struct FixtureTests {
    @Test func realExportHasItsInfoItemsAndMetadata() async throws {
        let reader = try ExportReader(path: Fixture.path("real-export-extreme.json"))
        let result = await typedWalk(reader)
        #expect(result.error == nil)
        #expect(result.items.count == 56)
        #expect(reader.warnings.isEmpty)

        let info = try #require(reader.info)
        #expect(info.schemaVersion == "1.1")
        #expect(info.dataset == "Extreme")
        #expect(info.exportTime == "2025-02-15T18:23:34.164184")
        #expect(info.datasetCreationTime == "2025-01-24T18:35:57.719308")
        #expect(info.exportedBy == "Danny Bickson")
        #expect(info.totalMediaItems == 56)
        #expect(info.json.count == 8)

        let first = result.items[0]
        #expect(first.index == 0)
        #expect(first.mediaID == "8621054d-1d23-4ca7-a7ca-65feb2c83eb1")
        #expect(first.mediaType == .videoFrame)
        #expect(first.fileName == "output_000001.jpg")
        #expect(first.fileSize?.text == "48.27KB")
        #expect(first.fileSize?.approximateBytes == 49428)
        #expect(first.uniquenessScore == 0.4989460029187489)
        #expect(first.height == 720)
        #expect(first.width == 576)
        #expect(first.clusterID == "49997382-b7c3-4c83-83a3-fa4e0a586f2b")
        #expect(first.metadataItems.count == 17)
        #expect(first.otherFields.isEmpty)

        let video = first.metadataItems[0]
        #expect(video.type == "video_info")
        #expect(video.typeKey == .type)
        guard case .videoInfo(let info0) = video.content else {
            Testing.Issue.record("expected video_info, got \(video.content)")
            return
        }
        #expect(info0.videoName == "7370082532203988000_7450129782785756438_2024-12-19_14:28:36.mp4")
        #expect(info0.frameTimestamp == FrameTimestamp(seconds: 0))

        guard case .issue(let duplicate) = first.metadataItems[1].content else {
            Testing.Issue.record("expected an issue, got \(first.metadataItems[1].content)")
            return
        }
        #expect(duplicate.issueType?.rawValue == "duplicates")
        #expect(duplicate.issueType?.kind == .duplicates)
        #expect(duplicate.confidence == 0.977624)
        #expect(duplicate.duplicateGroupID == .identifier("35395121-5cb1-4a92-906f-dd4cb9ff62d3"))
        #expect(duplicate.duplicateThreshold == 0.96)

        // media_items[6].metadata_items[24]: an object with eight nested duplicates issues.
        let objectItem = result.items[6]
        #expect(objectItem.mediaID == "8f27a79f-234a-498c-a95c-0c8eaa898b39")
        guard case .objectLabel(let object) = objectItem.metadataItems[24].content else {
            Testing.Issue.record("expected an object label")
            return
        }
        #expect(object.categoryName == "tree")
        #expect(object.source == "Visual Layer")
        #expect(object.originalID == -1)
        #expect(object.boundingBox == BoundingBox(x: 0, y: 0, width: 452, height: 336))
        #expect(object.metadataItems.count == 8)
        guard case .issue(let nested) = object.metadataItems[7].content else {
            Testing.Issue.record("expected a nested issue")
            return
        }
        #expect(nested.confidence == 0.98)
        #expect(nested.duplicateThreshold == 1.0)
        #expect(nested.duplicateGroupID == .identifier("9d8fbf3f-15ce-4bea-a2c5-1e9a9a5193b2"))

        let last = result.items[55]
        #expect(last.index == 55)
        #expect(last.mediaID == "526d8bab-6af1-48b3-a93e-c72a58651a7e")
        #expect(last.metadataItems.count == 7)
    }

    @Test func realExportCountsEveryMetadataType() async throws {
        let result = await typedWalk(try Fixture.bytes("real-export-extreme.json"))
        #expect(result.error == nil)
        var counts: [String: Int] = [:]
        for item in result.items {
            for metadata in item.metadataItems { counts[metadata.type, default: 0] += 1 }
        }
        #expect(counts == ["image_label": 678, "issue": 303, "video_info": 56, "object_label": 48])
        #expect(result.items.reduce(0) { $0 + $1.allIssues.count } == 433)
        #expect(result.items.reduce(0) { $0 + $1.objectLabels.count } == 48)
    }

    @Test func strictModeRejectsTheDocumentationExampleAtItsFirstTrailingComma() async throws {
        let bytes = try Fixture.bytes("seed-example.json")
        let result = await typedWalk(bytes)
        let error = try #require(result.vlError)
        #expect(error.kind == .syntax)
        #expect(error.location?.line == 67)
        #expect(error.location?.column == 41)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(error.location?.offset == offset(of: "\"source\": \"user\",", in: text).map { $0 + 16 })
        #expect(error.message.contains("trailing comma"))
        #expect(error.mediaItemIndex == 1)
        // The item before the fault is complete and delivered.
        #expect(result.items.map(\.index) == [0])
    }

    @Test func lenientModeReadsTheDocumentationExample() async throws {
        let reader = try ExportReader(path: Fixture.path("seed-example.json"), options: ReaderOptions(syntax: .lenient))
        let result = await typedWalk(reader)
        #expect(result.error == nil)
        #expect(result.items.count == 3)
        #expect(reader.info?.totalMediaItems == 3)
        #expect(reader.info?.dataset == "ImageNet 1K Enriched")
        #expect(reader.info?.exportTime == "2024-06-08 12:34:56")
        #expect(reader.warnings.isEmpty)

        let first = result.items[0]
        #expect(first.fileSize?.approximateBytes == 7_707_034)
        guard case .issue(let issue) = first.metadataItems[0].content else {
            Testing.Issue.record("expected an issue")
            return
        }
        #expect(first.metadataItems[0].typeKey == .metadataType)
        #expect(issue.issueType?.kind == .duplicates)
        #expect(issue.confidence == 0.88)
        #expect(issue.similarityLevel == 0.98)
        #expect(issue.duplicateGroupID == .integer(43))
        guard case .userTag(let tag) = first.metadataItems[1].content else {
            Testing.Issue.record("expected a user tag")
            return
        }
        #expect(tag == UserTag(tagName: "reviewed", assignedDate: "2023-01-01 12:34:56", assignedBy: "Elad Yaakov"))

        let second = result.items[1]
        guard case .imageLabel(let label) = second.metadataItems[1].content,
              case .objectLabel(let object) = second.metadataItems[2].content else {
            Testing.Issue.record("expected an image label and an object label")
            return
        }
        #expect(label == ImageLabel(categoryID: 34, categoryName: "sky", source: "user"))
        #expect(object.categoryID == 36)
        #expect(object.boundingBox == BoundingBox(x: 50, y: 50, width: 150, height: 150))
        #expect(object.clusterID == "e3e0e019-79a3-4f4e-b19c-7eedc7326678")
        #expect(object.metadataItems.count == 2)
        guard case .issue(let mislabel) = object.metadataItems[0].content else {
            Testing.Issue.record("expected a nested mislabel")
            return
        }
        #expect(mislabel.issueType?.kind == .mislabels)
        #expect(mislabel.actualLabel == "tree")
        #expect(mislabel.suggestedLabel == "building")
        #expect(mislabel.suggestionConfidence == 0.78)

        let third = result.items[2]
        #expect(third.mediaType == .videoFrame)
        guard case .videoInfo(let video) = third.metadataItems[0].content else {
            Testing.Issue.record("expected video info")
            return
        }
        #expect(third.metadataItems[0].typeKey == .type)
        #expect(video.frameTimestamp?.seconds == 6120)
        #expect(video.frameTimestamp?.text == "01:42:00")
    }

    @Test func edgeCasesKeepUnknownDataAndReadBothSpellings() async throws {
        let reader = try ExportReader(path: Fixture.path("edge-cases.json"))
        let result = await typedWalk(reader)
        #expect(result.error == nil)
        #expect(result.items.count == 3)
        #expect(reader.info?.dataset == "Edge cases ✓")
        #expect(reader.info?.json["vendor_field"] == .bool(true))

        let first = result.items[0]
        #expect(first.fileName == "café-日本-😀.jpg")
        #expect(first.filePath == "photos/café \"quoted\" \\ back/slash.jpg")
        #expect(first.height == 480)  // a numeric string
        #expect(first.width == 640)  // 640.0
        #expect(first.uniquenessScore == 0.5)
        #expect(first.otherFields.map(\.key) == ["custom_score", "big_number", "negative_zero", "notes"])
        #expect(first.otherFields["custom_score"] == .number(JSONNumber(text: "1e400")))
        #expect(first.otherFields["big_number"] == .number(JSONNumber(text: "123456789012345678901234567890")))

        guard case .issue(let issue) = first.metadataItems[0].content else {
            Testing.Issue.record("expected an issue")
            return
        }
        #expect(issue.confidence == 0.75)
        #expect(issue.issuesDescription == "label disagrees")
        #expect(issue.otherProperties == ["reviewer": .string("ana")])
        guard case .caption(let caption) = first.metadataItems[1].content else {
            Testing.Issue.record("expected a caption")
            return
        }
        #expect(caption == Caption(text: "a cat on a mat", source: "Model"))
        #expect(first.metadataItems[1].typeKey == .metadataType)

        let future = first.metadataItems[2]
        #expect(future.type == "future_type")
        #expect(future.otherFields == ["extra": .string("kept")])
        let deep: JSONValue = .array([
            .number(JSONNumber(text: "1")),
            .object(["deep": .array([.bool(true), .bool(false), .null])]),
        ])
        #expect(future.content == .unknown(["weird": deep]))

        let second = result.items[1]
        guard case .videoInfo(let video) = second.metadataItems[0].content,
              case .objectLabel(let object) = second.metadataItems[1].content else {
            Testing.Issue.record("expected video info and an object")
            return
        }
        #expect(video.frameTimestamp?.seconds == 1.5)
        #expect(video.frameNumber == 36)
        #expect(object.boundingBox == BoundingBox(x: 10.5, y: 20, width: 100, height: 200.25))
        #expect(object.metadataItems == [
            MetadataItem(type: "user_tag", content: .userTag(UserTag(tagName: "checked", assignedDate: "2025-01-02"))),
        ])

        #expect(result.items[2].mediaType == .other("panorama"))
        #expect(result.items[2].metadataItems.isEmpty)
    }
}

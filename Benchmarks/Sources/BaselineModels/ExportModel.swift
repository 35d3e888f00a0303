// The export as Foundation's JSONDecoder reads it, in the kindest form it
// allows: every known field typed, numbers that the format writes either as
// numbers or as strings decoded flexibly, and both spellings of the metadata
// type key. This is what a careful Swift user writes today; it needs the whole
// document in memory.

import Foundation

/// A whole export, decoded at once.
public struct DecodedExport: Decodable, Sendable {
    public var info: DecodedInfo?
    public var mediaItems: [DecodedMediaItem]

    enum CodingKeys: String, CodingKey {
        case info
        case mediaItems = "media_items"
    }
}

public struct DecodedInfo: Decodable, Sendable {
    public var schemaVersion: String?
    public var dataset: String?
    public var description: String?
    public var datasetURL: String?
    public var datasetCreationTime: String?
    public var exportTime: String?
    public var exportedBy: String?
    public var totalMediaItems: FlexibleNumber?

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", dataset, description, datasetURL = "dataset_url"
        case datasetCreationTime = "dataset_creation_time", exportTime = "export_time"
        case exportedBy = "exported_by", totalMediaItems = "total_media_items"
    }
}

public struct DecodedMediaItem: Decodable, Sendable {
    public var mediaID: String?
    public var mediaType: String?
    public var fileName: String?
    public var filePath: String?
    public var fileSize: String?
    public var height: FlexibleNumber?
    public var width: FlexibleNumber?
    public var url: String?
    public var clusterID: String?
    public var uniquenessScore: FlexibleNumber?
    public var metadataItems: [DecodedMetadataItem]?

    enum CodingKeys: String, CodingKey {
        case mediaID = "media_id", mediaType = "media_type", fileName = "file_name", filePath = "file_path"
        case fileSize = "file_size", height, width, url, clusterID = "cluster_id"
        case uniquenessScore = "uniqueness_score", metadataItems = "metadata_items"
    }
}

public struct DecodedMetadataItem: Decodable, Sendable {
    public var type: String?
    public var properties: DecodedProperties?

    enum CodingKeys: String, CodingKey {
        case type, metadataType = "metadata_type", properties
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decodeIfPresent(String.self, forKey: .type)
            ?? container.decodeIfPresent(String.self, forKey: .metadataType)
        properties = try container.decodeIfPresent(DecodedProperties.self, forKey: .properties)
    }
}

/// Every property any metadata type has, all optional.
public struct DecodedProperties: Decodable, Sendable {
    public var issueType: String?
    public var confidence: FlexibleNumber?
    public var duplicateGroupID: FlexibleIdentifier?
    public var duplicateThreshold: FlexibleNumber?
    public var similarityLevel: FlexibleNumber?
    public var actualLabel: String?
    public var suggestedLabel: String?
    public var suggestionConfidence: FlexibleNumber?
    public var tagName: String?
    public var assignedDate: String?
    public var assignedBy: String?
    public var categoryID: FlexibleNumber?
    public var categoryName: String?
    public var source: String?
    public var originalID: FlexibleNumber?
    public var bbox: [FlexibleNumber]?
    public var url: String?
    public var clusterID: String?
    public var uniquenessScore: FlexibleNumber?
    public var metadataItems: [DecodedMetadataItem]?
    public var videoName: String?
    public var frameTimestamp: FlexibleTimestamp?

    enum CodingKeys: String, CodingKey {
        case issueType = "issue_type", confidence, duplicateGroupID = "duplicate_group_id"
        case duplicateThreshold = "duplicate_threshold", similarityLevel = "similarity_level"
        case actualLabel = "actual_label", suggestedLabel = "suggested_label"
        case suggestionConfidence = "suggestion_confidence", tagName = "tag_name"
        case assignedDate = "assigned_date", assignedBy = "assigned_by", categoryID = "category_id"
        case categoryName = "category_name", source, originalID = "original_id", bbox, url
        case clusterID = "cluster_id", uniquenessScore = "uniqueness_score", metadataItems = "metadata_items"
        case videoName = "video_name", frameTimestamp = "frame_timestamp"
    }
}

/// A number written as a number or as a numeric string.
public struct FlexibleNumber: Decodable, Sendable {
    public var value: Double

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            value = number
        } else {
            let text = try container.decode(String.self)
            guard let number = Double(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a number: \(text)")
            }
            value = number
        }
    }
}

/// An identifier written as an integer or as a string.
public struct FlexibleIdentifier: Decodable, Sendable {
    public var text: String

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int.self) { text = String(number) } else { text = try container.decode(String.self) }
    }
}

/// A frame timestamp written as seconds or as "HH:MM:SS".
public struct FlexibleTimestamp: Decodable, Sendable {
    public var seconds: Double?
    public var text: String?

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) { seconds = number } else { text = try container.decode(String.self) }
    }
}

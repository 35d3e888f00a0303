import Testing
import TestSupport
@testable import VLExport
import VLExportFormat

/// The format is declared once (Sources/VLExportFormat) and generated into
/// the library. These tests hold the generated code to the declaration, and
/// put every JSON kind into every declared field of a real item: the typed
/// walk reads it or keeps it with a located warning, and never throws.
@Suite(.hangLimit) struct FormatDeclarationTests {
    @Test func theGeneratedFileIsTheDeclarationsOutput() throws {
        // This file is Tests/VLExportTests/FormatDeclarationTests.swift; the package root is two folders up.
        let root = #filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/")
        let committed = try Fixture.readFile(root + "/Sources/VLExport/Generated/Format.swift")
        #expect(String(decoding: committed, as: UTF8.self) == SwiftEmitter.formatSource(),
                "Generated/Format.swift is stale: run `swift run vlx-codegen` and commit the result")
    }

    /// A JSON value of each kind, as written in a document.
    static let jsonKinds: [(name: String, json: String)] = [
        ("string", #""abc""#), ("numeric string", #""12""#), ("integer", "12"), ("float", "2.5"),
        ("boolean", "true"), ("null", "null"), ("object", #"{"k": 1}"#), ("array", "[1, 2]"), ("box", "[1, 2, 3, 4]"),
    ]

    /// Which JSON kinds a value kind reads, written out here rather than asked of the codecs:
    /// the documented encodings (`ValueKind.accepts`). Null is always no value.
    static func reads(_ kind: ValueKind, _ jsonKind: String) -> Bool {
        switch (kind, jsonKind) {
        case (_, "null"): true
        case (.text, "string"), (.text, "numeric string"), (.text, "integer"), (.text, "float"): true
        case (.mediaType, "string"), (.mediaType, "numeric string"), (.mediaType, "integer"), (.mediaType, "float"): true
        case (.issueType, "string"), (.issueType, "numeric string"), (.issueType, "integer"), (.issueType, "float"): true
        case (.fileSize, "string"), (.fileSize, "numeric string"), (.fileSize, "integer"), (.fileSize, "float"): true
        case (.integer, "numeric string"), (.integer, "integer"): true
        case (.number, "numeric string"), (.number, "integer"), (.number, "float"): true
        case (.duplicateGroupID, "string"), (.duplicateGroupID, "numeric string"), (.duplicateGroupID, "integer"): true
        case (.timestamp, "numeric string"), (.timestamp, "integer"), (.timestamp, "float"): true
        case (.boundingBox, "box"): true
        default: false
        }
    }

    /// A document with `value` under `key` in the place `owner` holds its fields; the value's JSON path.
    static func document(_ owner: OwnerDeclaration, _ key: String, _ value: String) -> (json: String, path: String) {
        switch owner.caseName {
        case "info":
            return (#"{"info": {"#+"\"\(key)\": \(value)"+#"}, "media_items": [{"media_id": "m"}]}"#, "info.\(key)")
        case "item":
            return (#"{"media_items": [{"media_id": "m", "#+"\"\(key)\": \(value)"+"}]}", "media_items[0].\(key)")
        default:
            let json = #"{"media_items": [{"media_id": "m", "metadata_items": [{"type": ""# + owner.metadataType!
                + #"", "properties": {"# + "\"\(key)\": \(value)" + "}}]}]}"
            return (json, "media_items[0].metadata_items[0].properties.\(key)")
        }
    }

    @Test(arguments: FormatDeclaration.owners.map(\.caseName))
    func everyJSONKindInEveryDeclaredFieldIsReadOrKeptWithAWarning(_ ownerName: String) async throws {
        let owner = FormatDeclaration.owners.first { $0.caseName == ownerName }!
        var checked = 0
        for field in owner.fields {
            for key in field.keys {
                for (jsonKind, value) in Self.jsonKinds {
                    // A list of metadata items reads any array; its elements are the list's own test.
                    if field.kind == .metadataItems, jsonKind == "array" || jsonKind == "box" { continue }
                    let (json, path) = Self.document(owner, key, value)
                    let label = "\(owner.typeName).\(field.property) = \(value)"
                    let readable = Self.reads(field.kind, jsonKind)
                    let valueOffset = try #require(offset(of: "\"\(key)\": \(value)", in: json)) + key.utf8.count + 4

                    let reader = ExportReader(chunks: ChunkedBytes(Array(json.utf8), sizes: [65536]))
                    let typed = await typedWalk(reader)
                    #expect(typed.error == nil, "\(label)")
                    let item = try #require(typed.items.first, "\(label)")
                    let info = reader.info
                    let nonconforming = owner.caseName == "info" ? info?.nonconforming ?? [] : item.nonconforming
                    let warnings = reader.warnings.filter { $0.kind == .nonconformingValue }
                    if readable {
                        #expect(nonconforming.isEmpty, "\(label)")
                        #expect(warnings.isEmpty, "\(label)")
                    } else {
                        #expect(nonconforming.count == 1, "\(label)")
                        #expect(warnings.map(\.path) == [path], "\(label)")
                        // At the value itself; a value of info is placed at info's opening brace.
                        let placed = owner.caseName == "info" ? json.utf8.count - json.drop { $0 != "{" }.dropFirst().drop { $0 != "{" }.utf8.count : valueOffset
                        #expect(warnings.first?.location == SourceLocation(offset: placed, line: 1, column: placed + 1), "\(label)")
                        // Kept as written where the other fields are, so --normalize writes it as it stands.
                        let kept = try JSONValue(parsing: Array(value.utf8))
                        #expect(nonconforming.first?.value == kept, "\(label)")
                        if owner.caseName != "info" {
                            #expect(Self.member(key, of: item.normalizedJSON, owner) == kept, "\(label)")
                        }
                    }
                    // The raw walk does not look at types: byte for byte the input, white space aside.
                    let raw = await rawWalk(Array(json.utf8))
                    #expect(raw.error == nil, "\(label)")
                    let whole = try JSONValue(parsing: Array(json.utf8))
                    if case .object(let export) = whole, case .array(let items)? = export["media_items"] {
                        #expect(raw.items.map { String(decoding: $0.json, as: UTF8.self) } == items.map { String(decoding: $0.compactJSON, as: UTF8.self) }, "\(label)")
                    }
                    // The typed walk and the conversion of the item read whole agree.
                    if let rawItem = raw.items.first {
                        #expect(try rawItem.typedItem().metadataItems == item.metadataItems, "\(label)")
                    }
                    // Strict: the first (here the only) odd value ends the walk, at its path.
                    let strict = await typedWalk(Array(json.utf8), options: ReaderOptions(schema: .strict))
                    #expect(strict.vlError?.path == (readable ? nil : path), "\(label)")
                    #expect(strict.vlError.map { $0.kind == .schema } ?? true, "\(label)")
                    checked += 1
                }
            }
        }
        #expect(checked >= owner.fields.count * 7)
    }

    /// The member `key` of the object that holds `owner`'s fields in a normalized item.
    static func member(_ key: String, of item: JSONValue, _ owner: OwnerDeclaration) -> JSONValue? {
        guard case .object(let object) = item else { return nil }
        if owner.caseName == "item" { return object[key] }
        guard case .array(let metadata)? = object["metadata_items"], case .object(let first)? = metadata.first,
              case .object(let properties)? = first["properties"] else { return nil }
        return properties[key]
    }

    /// A readable value of each kind.
    static func sample(_ kind: ValueKind) -> String {
        switch kind {
        case .text, .mediaType, .issueType: #""word""#
        case .fileSize: #""3.38MB""#
        case .integer: "7"
        case .number: "0.5"
        case .duplicateGroupID: #""g-1""#
        case .timestamp: #""01:42:00""#
        case .boundingBox: "[1, 2, 3, 4]"
        case .metadataItems: #"[{"type": "user_tag", "properties": {"tag_name": "t"}}]"#
        }
    }

    @Test func anItemWithEveryDeclaredFieldKeepsEveryOneInItsNormalizedFormAndTables() async throws {
        for owner in [FormatDeclaration.mediaItem] + FormatDeclaration.metadataContents {
            let members = owner.fields.map { "\"\($0.key)\": \(Self.sample($0.kind))" }.joined(separator: ", ")
            let json: String
            if owner.caseName == "item" {
                json = #"{"media_items": [{"# + members + "}]}"
            } else {
                json = #"{"media_items": [{"metadata_items": [{"type": ""# + owner.metadataType! + #"", "properties": {"# + members + "}}]}]}"
            }
            let result = await typedWalk(Array(json.utf8))
            let item = try #require(result.items.first)
            #expect(item.nonconforming.isEmpty, "\(owner.typeName)")
            for field in owner.fields {
                #expect(Self.member(field.key, of: item.normalizedJSON, owner) != nil, "\(owner.typeName).\(field.property) in --normalize")
            }
            // Nothing came out as an unknown field: every declared one was read into its property.
            if owner.caseName == "item" {
                #expect(item.otherFields.isEmpty)
            } else if case .object(let properties)? = Self.member("metadata_items", of: item.normalizedJSON, FormatDeclaration.mediaItem).flatMap({
                if case .array(let list) = $0, case .object(let first)? = list.first { return first["properties"] }
                return nil
            }) {
                #expect(properties.count >= owner.fields.count, "\(owner.typeName)")
            }
        }
        let tables: [(OwnerDeclaration, [String])] = [
            (FormatDeclaration.mediaItem, MediaItem.tableColumns), (FormatDeclaration.issue, Issue.tableColumns),
            (FormatDeclaration.userTag, UserTag.tableColumns), (FormatDeclaration.imageLabel, ImageLabel.tableColumns),
            (FormatDeclaration.objectLabel, ObjectLabel.tableColumns), (FormatDeclaration.videoInfo, VideoInfo.tableColumns),
            (FormatDeclaration.caption, Caption.tableColumns),
        ]
        for (owner, columns) in tables {
            for field in owner.fields {
                #expect(columns.contains(field.key) || columns.contains(field.key + "_x") || columns.contains(field.key + "_seconds"),
                        "\(owner.typeName) has no column for \(field.key)")
            }
            var row = TableRowWriter(format: .tsv, columns: columns)
            row.beginRow()
            switch owner.caseName {
            case "item": MediaItem(index: 0).writeTableCells(to: &row)
            case "issue": Issue().writeTableCells(to: &row)
            case "userTag": UserTag().writeTableCells(to: &row)
            case "imageLabel": ImageLabel().writeTableCells(to: &row)
            case "objectLabel": ObjectLabel().writeTableCells(to: &row)
            case "videoInfo": VideoInfo().writeTableCells(to: &row)
            default: Caption().writeTableCells(to: &row)
            }
            #expect(row.cellCount == columns.count, "\(owner.typeName): one cell per column")
        }
    }
}

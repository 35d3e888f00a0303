import Testing
import TestSupport
import VLExport

/// Every class of error, with where it is.
@Suite(.hangLimit) struct ErrorTests {
    @Test func syntaxErrorIsLocatedAtTheOffendingToken() async throws {
        let json = "{\"info\": {},\n \"media_items\": [\n  {\"media_id\": \"a\"},\n  {\"media_id\": \"b\"} {\"media_id\": \"c\"}\n]}"
        let result = await typedWalk(json.bytes, chunkSizes: [5])
        let error = try #require(result.vlError)
        #expect(error.kind == .syntax)
        let expectedOffset = try #require(offset(of: "{\"media_id\": \"c\"}", in: json))
        #expect(error.location == SourceLocation(offset: expectedOffset, line: 4, column: 21))
        // Small chunks: the excerpt still shows the input that led to the fault.
        let excerpt = try #require(error.excerpt)
        #expect(excerpt.contains("{\"media_id\": \"b\"} {"))
        #expect(result.items.compactMap(\.mediaID) == ["a", "b"])
        let whole = try #require(await typedWalk(json.bytes).vlError)
        #expect(whole.location == error.location)
        // 24 bytes before the fault, line breaks shown as spaces, and 24 from it.
        #expect(whole.excerpt == "\"},   {\"media_id\": \"b\"} {\"media_id\": \"c\"} ]}")
        #expect(whole.excerpt?.hasPrefix(excerpt) == true)
    }

    @Test func aCommentInStrictJSONIsLocatedAtItsSlashWhereverAChunkBegins() async throws {
        // yajl leaves the slash unread; the fuzzer found the location moving by one byte when a
        // chunk began at the slash.
        let json = "{\"media_items\": [// note\n{\"media_id\": \"a\"}]}"
        let slash = try #require(offset(of: "//", in: json))
        for sizes in [[65536], [1], [slash], [slash + 1], [3, 5]] {
            let error = try #require(await typedWalk(json.bytes, chunkSizes: sizes).vlError, "chunks of \(sizes)")
            #expect(error.location == SourceLocation(offset: slash, line: 1, column: slash + 1), "chunks of \(sizes)")
            #expect(error.message.contains("comment"), "chunks of \(sizes)")
        }
    }

    @Test func lineNumbersCountCRLFOnce() async throws {
        let json = "{\r\n\"media_items\": [\r\n{\"media_id\": \"a\",,}\r\n]}"
        let error = try #require(await typedWalk(json.bytes).vlError)
        #expect(error.kind == .syntax)
        #expect(error.location?.line == 3)
        #expect(error.location?.column == 18)
    }

    @Test func theFirstFaultInDocumentOrderIsTheOneReported() async throws {
        // Under a strict schema, a wrong type is found at its value, before a syntax error further on.
        // (A number for a string is read as its text, so the odd value here is a boolean.)
        let json = #"{"media_items": [{"media_id": true,,}]}"#
        let error = try #require(await typedWalk(json.bytes, options: strictSchema).vlError)
        #expect(error.kind == .schema)
        #expect(error.path == "media_items[0].media_id")
        #expect(error.message == "expected string, found boolean true")
    }

    @Test func truncatedDocumentSaysWhereAndKeepsEarlierItems() async throws {
        let json = #"{"info": {}, "media_items": [{"media_id": "a"}, {"media_id": "b", "height": 4"#
        let result = await typedWalk(json.bytes, chunkSizes: [7])
        let error = try #require(result.vlError)
        #expect(error.kind == .truncated)
        #expect(error.message == "the input ends inside media_items[1]")
        #expect(error.mediaItemIndex == 1)
        #expect(error.location?.offset == json.utf8.count)
        #expect(result.items.compactMap(\.mediaID) == ["a"])
    }

    @Test func truncationBetweenItemsAndInInfoIsDescribed() async throws {
        let betweenItems = try #require(await rawWalk(#"{"media_items": [{"a": 1},"#.bytes).vlError)
        #expect(betweenItems.kind == .truncated)
        #expect(betweenItems.message == "the input ends inside media_items, after media_items[0]")
        let inInfo = try #require(await rawWalk(#"{"info": {"dataset": "x""#.bytes).vlError)
        #expect(inInfo.message == "the input ends inside info")
        let empty = try #require(await rawWalk("  \n ".bytes).vlError)
        #expect(empty.kind == .truncated)
        #expect(empty.message == "the input holds no JSON document (it is empty or white space)")
    }

    @Test func schemaErrorCarriesThePathAndTheItemsLocation() async throws {
        let json = "{\"media_items\": [\n{\"media_id\": \"a\", \"height\": 3},\n  {\"media_id\": \"b\", \"height\": \"abc\"}\n]}"
        let result = await typedWalk(json.bytes, options: strictSchema)
        let error = try #require(result.vlError)
        #expect(error.kind == .schema)
        #expect(error.path == "media_items[1].height")
        #expect(error.message == "expected integer, found string \"abc\"")
        // Located at the value itself.
        #expect(error.location == SourceLocation(offset: try #require(offset(of: "\"abc\"", in: json)), line: 3, column: 31))
        #expect(error.mediaItemIndex == 1)
        #expect(error.description == "3:31: media_items[1].height: expected integer, found string \"abc\"")
        #expect(result.items.compactMap(\.mediaID) == ["a"])

        // Tolerant, the default: the walk goes on, the value is kept and reported in the same words.
        let reader = ExportReader(chunks: ChunkedBytes(json.bytes, sizes: [65536]))
        let tolerant = await typedWalk(reader)
        #expect(tolerant.error == nil)
        #expect(tolerant.items.compactMap(\.mediaID) == ["a", "b"])
        #expect(tolerant.items[1].height == nil)
        #expect(tolerant.items[1].otherFields["height"] == .string("abc"))
        #expect(tolerant.items[1].nonconforming.map(\.description) == [#"height: expected integer, found string "abc""#])
        #expect(reader.warnings.map(\.description) == [error.description])
        #expect(reader.warnings.first?.mediaItemIndex == 1)
    }

    @Test func schemaErrorsDeepInsideAnItemHaveTheirFullPath() async throws {
        let bbox = #"{"media_items": [{"metadata_items": [{"type": "image_label", "properties": {}}, {"type": "object_label", "properties": {"bbox": [1, 2, "x", 4]}}]}]}"#
        // A box that cannot be read is kept whole, so it is reported whole.
        let bboxError = try #require(await typedWalk(bbox.bytes, options: strictSchema).vlError)
        #expect(bboxError.path == "media_items[0].metadata_items[1].properties.bbox")

        let nested = #"{"media_items": [{"metadata_items": [{"type": "object_label", "properties": {"metadata_items": [{"type": "issue", "properties": {"confidence": true}}]}}]}]}"#
        let nestedError = try #require(await typedWalk(nested.bytes, options: strictSchema).vlError)
        #expect(nestedError.path == "media_items[0].metadata_items[0].properties.metadata_items[0].properties.confidence")
        #expect(nestedError.message == "expected number, found boolean true")

        let notArray = #"{"media_items": [{"metadata_items": {"type": "issue"}}]}"#
        let notArrayError = try #require(await typedWalk(notArray.bytes, options: strictSchema).vlError)
        #expect(notArrayError.path == "media_items[0].metadata_items")
        #expect(notArrayError.message == "expected array, found object")

        let notObject = #"{"media_items": [{"metadata_items": [{"type": "issue"}, "oops"]}]}"#
        let notObjectError = try #require(await typedWalk(notObject.bytes, options: strictSchema).vlError)
        #expect(notObjectError.path == "media_items[0].metadata_items[1]")

        let noType = #"{"media_items": [{"metadata_items": [{"properties": {}}]}]}"#
        let noTypeError = try #require(await typedWalk(noType.bytes, options: strictSchema).vlError)
        #expect(noTypeError.path == "media_items[0].metadata_items[0]")
        #expect(noTypeError.message == "expected a metadata item with a \"type\", found object")
    }

    @Test func itemThatIsNotAnObjectIsRejectedByBothWalks() async throws {
        let json = #"{"media_items": [{"media_id": "a"}, 5]}"#
        for result in [await typedWalk(json.bytes, options: strictSchema).vlError, await rawWalk(json.bytes, options: strictSchema).vlError] {
            let error = try #require(result)
            #expect(error.kind == .schema)
            #expect(error.path == "media_items[1]")
            #expect(error.message == "expected a media item object, found number 5")
            #expect(error.location?.offset == offset(of: "5", in: json))
        }
        // Tolerant, the element is an item of its own, kept as written, in both walks.
        let typed = await typedWalk(json.bytes)
        #expect(typed.error == nil)
        #expect(typed.items.count == 2)
        #expect(typed.items[1].nonconforming == [NonconformingValue(
            path: "", expected: "a media item object", value: .number(JSONNumber(text: "5")),
            location: SourceLocation(offset: offset(of: "5", in: json)!, line: 1, column: offset(of: "5", in: json)! + 1)
        )])
        #expect(typed.items[1].normalizedJSON == .number(JSONNumber(text: "5")))
        let raw = await rawWalk(json.bytes)
        #expect(raw.error == nil)
        #expect(raw.items.map { String(decoding: $0.json, as: UTF8.self) } == [#"{"media_id":"a"}"#, "5"])
    }

    @Test func wrongShapesAtTheTopAreSchemaErrors() async throws {
        let array = try #require(await rawWalk("[1, 2]".bytes).vlError)
        #expect(array.kind == .schema)
        #expect(array.path == "$")
        #expect(array.location == SourceLocation(offset: 0, line: 1, column: 1))
        let string = try #require(await rawWalk("\"export\"".bytes).vlError)
        #expect(string.message.hasSuffix("found a string"))
        // Not an export, under any schema option: media_items that is no array.
        let mediaItems = try #require(await rawWalk(#"{"media_items": {"a": 1}}"#.bytes).vlError)
        #expect(mediaItems.kind == .schema)
        #expect(mediaItems.path == "media_items")
        #expect(mediaItems.location == SourceLocation(offset: 16, line: 1, column: 17))
        #expect(mediaItems.message == "not a Visual Layer export: expected media_items to be an array of media items, found an object")
        let mediaItemsString = try #require(await rawWalk(#"{"media_items": "all"}"#.bytes).vlError)
        #expect(mediaItemsString.message.hasSuffix("found string \"all\""))
        let info = try #require(await rawWalk(#"{"info": [1]}"#.bytes, options: strictSchema).vlError)
        #expect(info.path == "info")
        let infoField = try #require(await rawWalk(#"{"info": {"total_media_items": "many"}}"#.bytes, options: strictSchema).vlError)
        #expect(infoField.path == "info.total_media_items")
    }

    @Test func depthLimitStopsDeepNestingWithALocation() async throws {
        let depth = 300
        let json = #"{"media_items": [{"deep": "# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}]}"
        for result in [await typedWalk(json.bytes, options: strictSchema).vlError, await rawWalk(json.bytes, options: strictSchema).vlError] {
            let error = try #require(result)
            #expect(error.kind == .depthLimit)
            // Depth 1 is the export, 2 media_items, 3 the item: the 254th bracket is level 257.
            let expected = try #require(offset(of: "[", in: json, occurrence: 1 + 254))
            #expect(error.location?.offset == expected)
            #expect(error.mediaItemIndex == 0)
        }
        let allowed = await rawWalk(json.bytes, options: ReaderOptions(maxDepth: 400))
        #expect(allowed.error == nil)
        #expect(allowed.items.count == 1)
    }

    @Test func itemSizeLimitStopsALargeItem() async throws {
        let big = String(repeating: "x", count: 5000)
        let json = #"{"media_items": [{"media_id": "small"}, {"media_id": "big", "blob": ""# + big + #""}]}"#
        let options = ReaderOptions(maxItemBytes: 1000)
        for result in [await typedWalk(json.bytes, chunkSizes: [256], options: options), await typedWalk(json.bytes, chunkSizes: [1], options: options)] {
            let error = try #require(result.vlError)
            #expect(error.kind == .sizeLimit)
            #expect(error.path == "media_items[1]")
            #expect(error.location?.offset == offset(of: #"{"media_id": "big""#, in: json))
            #expect(result.items.compactMap(\.mediaID) == ["small"])
        }
        let raw = await rawWalk(json.bytes, chunkSizes: [256], options: options)
        #expect(raw.vlError?.kind == .sizeLimit)
        #expect(raw.items.count == 1)
    }

    @Test func longValueOutsideItemsIsBoundedToo() async throws {
        let json = #"{"note": ""# + String(repeating: "y", count: 5000) + #"", "media_items": []}"#
        let result = await rawWalk(json.bytes, chunkSizes: [100], options: ReaderOptions(maxItemBytes: 1000))
        #expect(result.vlError?.kind == .sizeLimit)
    }

    @Test func unterminatedBlockCommentIsASyntaxErrorInLenientMode() async throws {
        let json = "{\"media_items\": []} /* never closed"
        let error = try #require(await rawWalk(json.bytes, options: ReaderOptions(syntax: .lenient)).vlError)
        #expect(error.kind == .syntax)
        #expect(error.location == SourceLocation(offset: offset(of: "/*", in: json)!, line: 1, column: 21))
        let multiline = "{\n\"media_items\": []\n}\n\n  /* never\n closed"
        let located = try #require(await rawWalk(multiline.bytes, chunkSizes: [3], options: ReaderOptions(syntax: .lenient)).vlError)
        #expect(located.location == SourceLocation(offset: offset(of: "/*", in: multiline)!, line: 5, column: 3))
    }

    @Test func formFeedIsNotWhiteSpaceAndItemsBeforeItAreKept() async throws {
        let json = "{\"media_items\": [{\"media_id\": \"a\"},\u{0C}{\"media_id\": \"b\"}]}"
        let result = await typedWalk(json.bytes)
        let error = try #require(result.vlError)
        #expect(error.kind == .syntax)
        #expect(error.location?.offset == offset(of: "\u{0C}", in: json))
        #expect(result.items.compactMap(\.mediaID) == ["a"])
    }

    /// A UTF-8 byte order mark at the start is passed over, in chunks of every size: its bytes
    /// count in offsets, and line 1's columns start after it. Anywhere else it is no JSON.
    @Test func aByteOrderMarkAtTheStartIsPassedOver() async throws {
        let text = #"{"media_items": [{"media_id": "a"}, x]}"#
        let marked = [0xEF, 0xBB, 0xBF] + text.bytes
        let x = try #require(offset(of: "x", in: text))
        for sizes in [[65536], [1], [2], [1, 1, 1, 4096], [3, 1], [4]] {
            for items in [await typedWalk(marked, chunkSizes: sizes), await typedWalk(marked, chunkSizes: sizes, options: ReaderOptions(syntax: .lenient))] {
                #expect(items.items.compactMap(\.mediaID) == ["a"], "\(sizes)")
                let error = try #require(items.vlError)
                #expect(error.kind == .syntax)
                #expect(error.location == SourceLocation(offset: 3 + x, line: 1, column: 1 + x), "\(sizes)")
            }
        }
        // The start of a mark and then something else: the bytes are the input's own.
        let broken = try #require(await rawWalk([0xEF, 0xBB] + text.bytes, chunkSizes: [1]).vlError)
        #expect(broken.location == SourceLocation(offset: 0, line: 1, column: 1))
        let second = try #require(await rawWalk([0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF] + text.bytes).vlError)
        #expect(second.location == SourceLocation(offset: 3, line: 1, column: 1))
        let onlyMark = try #require(await rawWalk([0xEF, 0xBB, 0xBF], chunkSizes: [2]).vlError)
        #expect(onlyMark.message.contains("holds no JSON document"), "\(onlyMark.message)")
    }

    @Test func garbageAfterTheDocumentAndASecondDocumentAreRejected() async throws {
        let garbage = try #require(await rawWalk(#"{"media_items": []} x"#.bytes).vlError)
        #expect(garbage.kind == .syntax)
        #expect(garbage.location?.offset == 20)
        let twice = try #require(await rawWalk(#"{"media_items": []}{"media_items": []}"#.bytes).vlError)
        #expect(twice.kind == .syntax)
    }

    @Test func missingFileAndDirectoryAreIOErrors() throws {
        #expect {
            _ = try ExportReader(path: "/nonexistent/export.json")
        } throws: { error in
            (error as? VLExportError)?.kind == .io && "\(error)".contains("/nonexistent/export.json")
        }
        #expect {
            _ = try ExportReader(path: Fixture.directory)
        } throws: { error in
            (error as? VLExportError)?.kind == .io && "\(error)".contains("directory")
        }
    }
}

/// Options that make a value that cannot be read as its kind a thrown schema error.
let strictSchema = ReaderOptions(schema: .strict)

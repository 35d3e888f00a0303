import Testing
import TestSupport
@testable import VLExport

/// What the typed walk keeps so as not to make it again: short strings found by their bytes,
/// empty values to leave behind, batch buffers recycled.
@Suite(.hangLimit) struct ReusedStorageTests {
    /// Every string a table hands out is the string `String(decoding:as:)` makes of the same
    /// bytes: for words that differ from each other in one byte only, at every place and every
    /// length up to 20 (past the 15 bytes the table keeps), for non-ASCII and invalid UTF-8,
    /// asked for in turn many times over, so that the table's 256 slots are shared and evicted.
    @Test func shortStringsAreTheStringsOfTheirBytes() {
        var words: [[UInt8]] = [[], Array("é".utf8), Array("caf\u{e9}".utf8), [0xFF], [0x61, 0xC3], Array("Visual Layer".utf8)]
        for length in 1...20 {
            let base = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
            words.append(base)
            for position in 0..<length {
                var changed = base
                changed[position] = UInt8(ascii: "Z")
                words.append(changed)
                changed[position] = 0x80
                words.append(changed)
            }
        }
        var generator = SeededGenerator(state: 0x57A1)
        for _ in 0..<2000 {
            words.append((0..<Int.random(in: 1...15, using: &generator)).map { _ in UInt8.random(in: 0x20...0x7E, using: &generator) })
        }
        // Words that share a slot's other checks, many more than the table has slots: the same
        // first eight bytes, or the same last eight, at one length; one letter at every length.
        let letters = (0..<600).map { _ in (0..<4).map { _ in UInt8.random(in: 0x61...0x7A, using: &generator) } }
        for tail in letters { words.append(Array("abcdefgh".utf8) + tail) }
        for head in letters { words.append(head + Array("stuvwxyz".utf8)) }
        for letter in UInt8(0x21)...UInt8(0x7E) {
            for length in 1...15 { words.append([UInt8](repeating: letter, count: length)) }
        }
        let table = ShortStrings.allocate()
        defer { table.deallocate() }
        for round in 0..<3 {
            for word in words {
                let found = word.withUnsafeBytes { table.string($0) }
                #expect(found == String(decoding: word, as: UTF8.self), "round \(round): \(word)")
                #expect(Array(found.utf8) == Array(String(decoding: word, as: UTF8.self).utf8), "round \(round): \(word)")
            }
        }
    }

    /// The typed walk's strings come from the builder's table: an export whose items repeat
    /// short values and spell others that differ in one byte reads as each item's own values.
    @Test func itemsKeepTheirOwnShortValues() async throws {
        let labels = ["cat", "cas", "dog", "dot", "Visual Layer", "Visual Layes", "é-label", "a"]
        let items = (0..<400).map { index in
            let label = labels[index % labels.count]
            return #"{"media_id":"m\#(index)","metadata_items":[{"type":"image_label","properties":{"category_name":"\#(label)","source":"s\#(index % 3)"}}]}"#
        }
        let json = #"{"info":{},"media_items":["# + items.joined(separator: ",") + "]}"
        try await ParallelWalkTests.withFile(json.bytes) { path in
            for parallelism in [ReaderOptions.Parallelism.serial, .threads(2)] {
                var options = ReaderOptions(chunkSize: 4096, parallelism: parallelism)
                options.parallelBatchBytes = 1000
                let walk = await typedWalk(try ExportReader(path: path, options: options))
                #expect(walk.error == nil, "\(parallelism)")
                #expect(walk.items.count == 400, "\(parallelism)")
                expectOwnValues(walk.items, labels: labels)
            }
        }
    }

    private func expectOwnValues(_ read: [MediaItem], labels: [String]) {
        for (index, item) in read.enumerated() {
            guard case .imageLabel(let label)? = item.metadataItems.first?.content else {
                Issue.record("item \(index) has no image label")
                continue
            }
            #expect(label.categoryName == labels[index % labels.count], "item \(index)")
            #expect(label.source == "s\(index % 3)", "item \(index)")
            #expect(item.mediaID == "m\(index)")
        }
    }

    /// A value swapped out is the value filled, and leaves an empty one for the next.
    @Test func aSwappedOutValueLeavesAnEmptyOne() {
        var issue = VLExport.Issue()
        issue.confidence = 0.5
        issue.actualLabel = "a label longer than fifteen bytes"
        issue.otherProperties.append(key: "note", value: .string("kept"))
        let taken = swappedOut(&issue)
        #expect(taken.confidence == 0.5)
        #expect(taken.actualLabel == "a label longer than fifteen bytes")
        #expect(taken.otherProperties.count == 1)
        #expect(issue == VLExport.Issue())
        issue.suggestedLabel = "next"
        #expect(swappedOut(&issue) == VLExport.Issue(suggestedLabel: "next"))
        #expect(issue == VLExport.Issue() && VLExport.Issue.empty == VLExport.Issue())
    }

    /// A buffer given back is the next one taken, emptied, with its room; buffers past the
    /// limit, or larger than the pool keeps, are let go.
    @Test func theBufferPoolRecyclesWhatItKeeps() {
        let pool = ByteBufferPool(limit: 2, largestKept: 1 << 16)
        var first = pool.take(capacity: 1000)
        #expect(first.isEmpty && first.capacity >= 1000)
        first.append(contentsOf: [1, 2, 3])
        let address = first.withUnsafeBufferPointer { $0.baseAddress }
        pool.give(consume first)
        let again = pool.take(capacity: 10)
        #expect(again.isEmpty)
        #expect(again.capacity >= 1000)
        #expect(again.withUnsafeBufferPointer { $0.baseAddress } == address)

        var large: [UInt8] = []
        large.reserveCapacity(1 << 17)
        pool.give(large)
        #expect(pool.take(capacity: 1).capacity < 1 << 17)

        for _ in 0..<3 { pool.give([UInt8](repeating: 7, count: 100)) }
        let kept = (0..<3).map { _ in pool.take(capacity: 1) }
        #expect(kept.filter { $0.capacity >= 100 }.count == 2)
    }
}

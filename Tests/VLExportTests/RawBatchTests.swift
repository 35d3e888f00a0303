import Testing
import TestSupport
@testable import VLExport

#if canImport(Glibc)
import Glibc
#endif

/// The raw walk's fast path (a batch of objects yajl finds valid is cut into its items without
/// events) gives, batch by batch, what reading the batch event by event gives; and it is taken.
@Suite(.hangLimit) struct RawBatchTests {
    /// How the raw walk reads a batch: the fast path when it can, event by event otherwise.
    static let rawOrder = BatchOrder { batch in batch.read(ReaderOptions(), mode: .raw, skippingItemsBefore: 0, collector: nil) }

    /// The batches an ItemBatcher cuts from `bytes`, read in reads of `readSize`.
    static func batches(_ bytes: [UInt8], batchTarget: Int, readSize: Int) -> [ItemBatch] {
        // The room is filled from memory: nothing in it throws.
        var batcher = ItemBatcher(batchTarget: batchTarget, maxBatchBytes: 1 << 30)
        var segments: [ExportSegment] = []
        var offset = 0
        while offset < bytes.count {
            let count = min(readSize, bytes.count - offset)
            _ = try? batcher.read(atMost: count) { room in
                bytes.withUnsafeBytes { room.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + count)])) }
                return count
            }
            segments += batcher.commit(order: rawOrder)
            offset += count
        }
        segments += batcher.finish(order: rawOrder)
        return segments.compactMap { segment in
            if case .batch(let batch) = segment { return batch }
            return nil
        }
    }

    static func rawItems(_ result: BatchResult) -> [RawMediaItem] {
        result.items.compactMap { item in
            if case .raw(let raw) = item { return raw }
            return nil
        }
    }

    /// The batch read event by event, as a worker reads a batch that does not take the fast
    /// path (`ItemBatch.read`): a parser of its own, standing inside `media_items` at the
    /// batch's place, given a `]` after the bytes so that a number at the end comes out.
    static func readEventByEvent(_ batch: ItemBatch, _ options: ReaderOptions, skippingItemsBefore skipped: Int) -> BatchResult {
        let parser = ExportParser(
            batchOf: options, itemMode: .raw, at: batch.place, skippingItemsBefore: skipped,
            expectedItems: batch.objectItemSpans?.count ?? 0, isCompact: !batch.mayHoldWhitespace
        )
        batch.bytes.withUnsafeBytes { parser.feed($0) }
        if batch.endsInput {
            parser.finish()
        } else if !batch.closesMediaItems {
            Array("]".utf8).withUnsafeBytes { parser.feed($0) }
        }
        return parser.batchResult()
    }

    /// Compares both ways of reading every batch, from its first item and passing over that
    /// item (as a walk read again from the start passes over the items it gave before); and
    /// what a raw walk's worker makes of each batch (`read`, by whichever way) with reading it
    /// event by event. Returns how many batches took the fast path.
    static func expectSameBatches(_ bytes: [UInt8], _ name: String, options: ReaderOptions = ReaderOptions()) -> Int {
        var fast = 0
        for batchTarget in [1, 200, 4096, 1 << 20] {
            for readSize in [7, 4096] {
                for batch in batches(bytes, batchTarget: batchTarget, readSize: readSize) {
                    for skipped in [0, batch.place.firstItemIndex + 1] {
                        let setting = "\(name), batches of \(batchTarget), reads of \(readSize), at \(batch.place.offset), from item \(skipped)"
                        let slow = readEventByEvent(batch, options, skippingItemsBefore: skipped)
                        let read = batch.read(options, mode: .raw, skippingItemsBefore: skipped, collector: nil)
                        #expect(rawItems(read) == rawItems(slow) && read.failure == slow.failure, "\(setting): a worker's read")
                        guard let quick = batch.rawObjectItemsWithoutEvents(options, skippingItemsBefore: skipped) else { continue }
                        if skipped == 0 { fast += 1 }
                        #expect(slow.failure == nil, "\(setting): the fast path took a batch the parser refuses: \(String(describing: slow.failure))")
                        #expect(rawItems(quick) == rawItems(slow), "\(setting)")
                        #expect(quick.itemCount == slow.itemCount && slow.warnings.isEmpty, "\(setting)")
                    }
                }
            }
        }
        return fast
    }

    @Test func fixturesTakeTheFastPathWithTheSameItems() throws {
        for name in ["real-export-extreme.json", "odd-values.json", "edge-cases.json"] {
            let fast = Self.expectSameBatches(try Fixture.bytes(name), name)
            #expect(fast > 0, "\(name): no batch took the fast path")
        }
    }

    @Test func prettyPrintedItemsAreCompactedAndLocated() throws {
        // White space inside and between items, items over several lines, a string with a space.
        let export = "{\n \"info\": {},\n \"media_items\": [\n  {\n   \"media_id\": \"a b\",\n   \"x\": [1, 2]\n  },\n\t{\"media_id\" : \"c\"}\r\n ,{}\n ]\n}\n"
        let fast = Self.expectSameBatches(Array(export.utf8), "pretty")
        #expect(fast > 0)
    }

    @Test func batchesTheSerialWalkWouldRefuseOrWarnAboutAreReadEventByEvent() throws {
        func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
        let refused: [(String, [UInt8], ReaderOptions)] = [
            ("a trailing comma", bytes(#"{"media_items":[{"a":1},{"b":2,}]}"#), ReaderOptions()),
            ("a form feed in a string", bytes(#"{"media_items":[{"a":""#) + [0x0C] + bytes(#""},{"b":1}]}"#), ReaderOptions()),
            ("a form feed as white space", bytes(#"{"media_items":[{"a":1}"#) + [0x0C] + bytes(#",{"b":1}]}"#), ReaderOptions()),
            ("a vertical tab as white space", bytes(#"{"media_items":[{"a":1},"#) + [0x0B] + bytes(#"{"b":1}]}"#), ReaderOptions()),
            ("nesting past the limit", bytes(#"{"media_items":[{"a":[[[[1]]]]},{"b":1}]}"#), ReaderOptions(maxDepth: 5)),
            ("an item past the size limit", bytes(#"{"media_items":[{"a":"0123456789"},{"b":1}]}"#), ReaderOptions(maxItemBytes: 10)),
            ("a string item", bytes(#"{"media_items":[{"a":1},"text",{"b":1}]}"#), ReaderOptions()),
            ("an array item", bytes(#"{"media_items":[{"a":1},[1],{"b":1}]}"#), ReaderOptions()),
            ("invalid UTF-8", bytes(#"{"media_items":[{"a":""#) + [0xFF] + bytes(#""},{"b":1}]}"#), ReaderOptions()),
            ("a broken string", bytes(#"{"media_items":[{"a":"\x"},{"b":1}]}"#), ReaderOptions()),
        ]
        for (name, bytes, options) in refused {
            let batches = Self.batches(bytes, batchTarget: 1 << 20, readSize: 4096)
            #expect(!batches.isEmpty, "\(name)")
            for batch in batches {
                #expect(batch.rawObjectItemsWithoutEvents(options, skippingItemsBefore: 0) == nil, "\(name)")
            }
        }
    }
}

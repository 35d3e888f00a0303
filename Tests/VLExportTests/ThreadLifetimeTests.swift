import Testing
import TestSupport
@testable import VLExport

/// A source's threads let go of it before its owner's wait for them ends: once `close()` has
/// returned, the owner holds the last reference, so nothing is left in flight (a leak checker
/// that runs right after a walk, as libFuzzer's does after each input, found a reading thread
/// still holding its source).
@Suite(.hangLimit) struct ThreadLifetimeTests {
    @Test func aClosedSourceIsFreedWithItsOwnersReference() throws {
        let path = Fixture.path("seed-example.json")
        for round in 0..<200 {
            weak var readAhead: ReadAheadSource?
            weak var parallel: ParallelSource?
            do {
                let source = ReadAheadSource(DecodedInput(try DescriptorInput(path: path)), chunkSize: 64)
                readAhead = source
                var chunks = 0
                while try source.nextChunkBlocking({ _ in chunks += 1 }) {}
                #expect(chunks > 0)
                source.close()
            }
            do {
                let options = ReaderOptions()
                let source = ParallelSource(
                    DecodedInput(try DescriptorInput(path: path)), options: options, workers: 2,
                    order: BatchOrder { batch in batch.read(options, mode: .raw, skippingItemsBefore: 0, collector: nil) }
                )
                parallel = source
                while try source.nextBlocking() != nil {}
                source.close()
            }
            #expect(readAhead == nil, "round \(round): the reading thread still held its source after close()")
            #expect(parallel == nil, "round \(round): a thread of the parallel walk still held its source after close()")
            if readAhead != nil || parallel != nil { break }
        }
    }
}

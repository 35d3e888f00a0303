import Foundation
import Testing
import TestSupport
@testable import VLExport

/// `readInfo()` before the first loop, on an export whose `info` comes first: the walk reads
/// only up to `media_items`, and the loop after it gets every item, in every walk, however
/// far the parallel walk's reading thread had cut ahead while `info` was read.
@Suite(.hangLimit) struct ReadInfoFirstTests {
    @Test(arguments: [ReaderOptions.WalkPlan.serial, .parallel(workers: 2), .oneCore])
    func loopAfterReadInfoGetsEveryItem(plan: ReaderOptions.WalkPlan) async throws {
        let bytes = try Fixture.bytes("real-export-extreme.json")
        let expected = try await ParallelWalkTests.withFile(bytes) { path in
            var ids: [String?] = []
            for try await item in try ExportReader(path: path, options: ReaderOptions(parallelism: .serial)).mediaItems { ids.append(item.mediaID) }
            return ids
        }
        #expect(expected.count == 56)
        try await ParallelWalkTests.withFile(bytes) { path in
            for mode in ["typed", "raw"] {
                var options = ReaderOptions()
                // Small chunks and batches: the reading thread cuts many batches ahead of the walk.
                options.chunkSize = 4096
                options.parallelBatchBytes = 8 << 10
                let reader = try ExportReader(path: path, options: options, plan: plan)
                #expect(try await reader.readInfo()?.dataset == "Extreme", "\(plan)")
                var found: [String?] = []
                if mode == "typed" {
                    for try await item in reader.mediaItems { found.append(item.mediaID) }
                } else {
                    for try await raw in reader.rawItems { found.append(try raw.typedItem().mediaID) }
                }
                #expect(found == expected, "\(plan), \(mode): \(found.count) items")
            }
        }
    }
}

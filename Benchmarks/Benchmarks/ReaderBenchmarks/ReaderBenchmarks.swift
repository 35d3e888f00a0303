// The reader against Foundation, over one export held in memory.
//
// The export is the real one in Tests/Fixtures, its 56 items repeated to
// 64 MiB, so every benchmark reads the same bytes and no disk is involved.
// One iteration reads the whole export once; besides the standard metrics each
// reports "input MB/s", the export's bytes over the iteration's time. Run with
// `swift package --disable-sandbox benchmark` in this folder.

import BaselineModels
import Benchmark
import Foundation
import VLExport
@_spi(Parallel) import VLExport

/// The bytes of the in-memory export.
let exportBytes: [UInt8] = makeExport(targetBytes: 64 << 20)

/// Chunks of the in-memory export, 64 KiB each, as a file would give them.
struct MemoryChunks: AsyncSequence, Sendable {
    typealias Element = ArraySlice<UInt8>
    let bytes: [UInt8]

    struct AsyncIterator: AsyncIteratorProtocol {
        let bytes: [UInt8]
        var offset = 0

        mutating func next() async -> ArraySlice<UInt8>? {
            guard offset < bytes.count else { return nil }
            let end = Swift.min(bytes.count, offset + (64 << 10))
            defer { offset = end }
            return bytes[offset..<end]
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(bytes: bytes) }
}

func makeExport(targetBytes: Int) -> [UInt8] {
    let fixture = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/Fixtures/real-export-extreme.json").path
    var iterator = try! ExportReader(path: fixture).rawItems.makeBlockingIterator()
    var items: [[UInt8]] = []
    while let item = try! iterator.nextBlocking() { items.append(item.json) }
    var bytes = Array(#"{"info":{"schema_version":"1.1","dataset":"benchmark"},"media_items":["#.utf8)
    var index = 0
    while bytes.count < targetBytes {
        if index > 0 { bytes.append(UInt8(ascii: ",")) }
        bytes += items[index % items.count]
        index += 1
    }
    bytes += Array("]}".utf8)
    return bytes
}

/// The export's size in megabytes over one iteration's time.
let inputMegabytesPerSecond = BenchmarkMetric.custom("input MB/s", polarity: .prefersLarger, useScalingFactor: false)

/// Runs `body` once per iteration and records each iteration's input MB/s.
func measureInputRate(_ benchmark: Benchmark, _ body: () async throws -> Void) async throws {
    for _ in benchmark.scaledIterations {
        let start = ContinuousClock.now
        try await body()
        let elapsed = (ContinuousClock.now - start).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        benchmark.measurement(inputMegabytesPerSecond, Int(Double(exportBytes.count) / max(seconds, 1e-9) / 1e6))
    }
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .peakMemoryResident, .mallocCountTotal, inputMegabytesPerSecond],
        warmupIterations: 1,
        maxDuration: .seconds(20),
        maxIterations: 10
    )

    // The parallel walk's first stage alone: strings, escapes and depth, over bytes in memory.
    Benchmark("structure scanner (64 MiB)", configuration: configuration) { benchmark in
        try await measureInputRate(benchmark) {
            var scanner = StructureScanner()
            var itemEnds = 0
            exportBytes.withUnsafeBytes { bytes in
                scanner.scan(bytes) { bracket in
                    if bracket.depthAfter == 2, bracket.byte == UInt8(ascii: "}") { itemEnds += 1 }
                }
            }
            blackHole(itemEnds)
        }
    }

    // validate's check for repeated keys, on items whose keys no typed walk vouched for: the
    // block scan over each item's compact bytes (the items are read before the measurement).
    Benchmark("repeated-key scan (64 MiB)", configuration: configuration) { benchmark in
        var items: [RawMediaItem] = []
        for try await item in ExportReader(chunks: MemoryChunks(bytes: exportBytes)).rawItems { items.append(item) }
        benchmark.startMeasurement()
        try await measureInputRate(benchmark) {
            var found = 0
            for item in items { found += item.duplicateKeyPaths().count }
            blackHole(found)
        }
    }

    Benchmark("rawItems walk (64 MiB)", configuration: configuration) { benchmark in
        try await measureInputRate(benchmark) {
            var bytes = 0
            for try await item in ExportReader(chunks: MemoryChunks(bytes: exportBytes)).rawItems { bytes += item.json.count }
            blackHole(bytes)
        }
    }

    Benchmark("mediaItems walk, typed (64 MiB)", configuration: configuration) { benchmark in
        try await measureInputRate(benchmark) {
            var metadata = 0
            for try await item in ExportReader(chunks: MemoryChunks(bytes: exportBytes)).mediaItems { metadata += item.metadataItems.count }
            blackHole(metadata)
        }
    }

    Benchmark("NDJSON to a memory sink (64 MiB)", configuration: configuration) { benchmark in
        try await measureInputRate(benchmark) {
            var sink: [UInt8] = []
            sink.reserveCapacity(1 << 20)
            var written = 0
            for try await item in ExportReader(chunks: MemoryChunks(bytes: exportBytes)).rawItems {
                sink += item.json
                sink.append(0x0A)
                if sink.count >= 1 << 20 {
                    written += sink.count
                    sink.removeAll(keepingCapacity: true)
                }
            }
            blackHole(written + sink.count)
        }
    }

    Benchmark("JSONDecoder into Codable structs (64 MiB)", configuration: configuration) { benchmark in
        let data = Data(exportBytes)
        benchmark.startMeasurement()
        try await measureInputRate(benchmark) {
            let export = try JSONDecoder().decode(DecodedExport.self, from: data)
            blackHole(export.mediaItems.count)
        }
    }

    Benchmark("JSONSerialization (64 MiB)", configuration: configuration) { benchmark in
        let data = Data(exportBytes)
        benchmark.startMeasurement()
        try await measureInputRate(benchmark) {
            let object = try JSONSerialization.jsonObject(with: data)
            blackHole(object)
        }
    }
}

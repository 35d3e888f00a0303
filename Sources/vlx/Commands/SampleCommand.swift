import ArgumentParser
import VLExport

/// `vlx sample`: a uniform random sample of the media items, in one pass.
struct SampleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Write a uniform random sample of the media items: exactly N of them, or each with probability P.",
        discussion: """
        -n N keeps exactly N items (all of them when there are fewer), each set of
        N as likely as any other, in one pass (reservoir sampling) with memory for
        N items. --fraction P keeps each item with probability P, as it is read.
        Either way the items are written as the export holds them, in the order
        read. The same --seed on the same input gives the same sample; without
        one, the seed used is printed on standard error.
        """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case ndjson, export
    }

    @Argument(help: "The exports, read as one dataset: paths, or - or nothing for standard input.")
    var files: [String] = []

    @OptionGroup var read: ReadOptions

    @Option(name: [.customShort("n"), .customLong("count")], help: "Keep exactly this many items.")
    var count: Int?

    @Option(help: "Keep each item with this probability (0 to 1).")
    var fraction: Double?

    @Option(help: "The seed of the random choice (a whole number from 0): the same seed gives the same sample.")
    var seed: UInt64?

    @Option(help: "ndjson (one item per line) or export (a valid export with info and the new total).")
    var format: OutputFormat = .ndjson

    @Option(name: [.short, .customLong("output")], help: "Write to this file instead of standard output.")
    var output: String?

    func validate() throws {
        switch (count, fraction) {
        case (nil, nil): throw ValidationError("Say how many items to keep: -n N, or --fraction P.")
        case (_?, _?): throw ValidationError("-n and --fraction are two ways to sample: give one.")
        default: break
        }
        if let count, count < 0 { throw ValidationError("-n takes a number of items, 0 or more.") }
        try ItemConditions.checkRange(fraction, of: "--fraction")
        guard files.count(where: { $0 == "-" }) <= 1 else { throw ValidationError("Standard input (-) can be given once.") }
    }

    func run() async throws {
        let seed = seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        var sample: SampleOutput?
        let inputs: [String?] = files.isEmpty ? [nil] : files
        try await ExportRun.performEach(inputs, read) { run, position in
            if position == 0 {
                let out = try run.openOutput(output)
                let reader = run.reader
                var document: ExportDocumentWriter?
                if format == .export {
                    document = run.adopt(try ExportDocumentWriter(out) {
                        ExportDocumentWriter.info(reader.info, noting: "sampled by vlx sample: \(sample?.summary ?? ""), seed \(seed)")
                    })
                }
                // Adopted after the document, so that it is finished (the reservoir written) first.
                sample = run.adopt(SampleOutput(out: out, document: document, count: count, fraction: fraction, seed: seed))
                if self.seed == nil, !read.quiet { Terminal.printError("vlx sample: seed \(seed)") }
            }
            guard let sample else { return }
            for try await item in run.reader.rawItems {
                run.input.progress.addItem()
                try sample.offer(item.json)
            }
        }
    }
}

/// Where `vlx sample` writes: each item kept with --fraction as it comes, or the reservoir of
/// -n when the run ends, whichever way (after a fault, a sample of the items read before it).
final class SampleOutput: FinishingOutput {
    private let out: OutputStream
    private let document: ExportDocumentWriter?
    private let fraction: Double?
    private var random: SplitMix64
    private var reservoir: Reservoir
    private var itemsRead = 0
    private var kept = 0

    init(out: OutputStream, document: ExportDocumentWriter?, count: Int?, fraction: Double?, seed: UInt64) {
        self.out = out
        self.document = document
        self.fraction = fraction
        random = SplitMix64(seed: seed)
        reservoir = Reservoir(capacity: count ?? 0)
    }

    /// "N of M media items".
    var summary: String { "\(kept) of \(itemsRead) media items" }

    func offer(_ json: [UInt8]) throws(CLIFailure) {
        itemsRead += 1
        guard let fraction else { return reservoir.offer(json, using: &random) }
        if random.nextUnitInterval() < fraction { try write(json) }
    }

    func finish(complete: Bool) throws(CLIFailure) {
        guard fraction == nil else { return }
        for json in reservoir.itemsInOrder { try write(json) }
    }

    private func write(_ json: [UInt8]) throws(CLIFailure) {
        kept += 1
        if let document { try document.append(json) } else { try out.writeLine(json) }
    }
}

/// A uniform sample of a fixed number of items from a stream of unknown length (Vitter's
/// algorithm R): the first `capacity` items fill it; the item numbered `seen` (from 0)
/// replaces a random one of them with probability `capacity / (seen + 1)`.
struct Reservoir {
    let capacity: Int
    /// Each kept item with its number in the stream.
    private var items: [(number: Int, json: [UInt8])] = []
    private var seen = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    mutating func offer(_ json: [UInt8], using random: inout SplitMix64) {
        defer { seen += 1 }
        if items.count < capacity {
            items.append((seen, json))
            return
        }
        let slot = random.next(below: UInt64(seen) + 1)
        if slot < UInt64(capacity) { items[Int(slot)] = (seen, json) }
    }

    /// The kept items in the order they came.
    var itemsInOrder: [[UInt8]] {
        items.sorted { $0.number < $1.number }.map(\.json)
    }
}

/// Steele, Lea and Flood's SplitMix64: a small, fast generator whose output depends only on
/// its seed, so that a sample can be made again.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number from 0 up to but not including `bound`, every one as likely (Lemire's method,
    /// rejecting the few values that would make some likelier).
    mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return product.high
    }

    /// A number in [0, 1), from the top 53 bits.
    mutating func nextUnitInterval() -> Double {
        Double(next() >> 11) * 0x1p-53
    }
}

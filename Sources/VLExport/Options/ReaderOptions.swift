import CVLXSystem

/// How a reader reads: the JSON dialect, its limits, and its read size.
public struct ReaderOptions: Sendable, Hashable {
    /// Which JSON the reader accepts.
    public enum Syntax: String, Sendable, Hashable {
        /// RFC 8259 JSON, nothing more. The default.
        case strict
        /// JSON plus `//` and `/* */` comments and trailing commas, as in the
        /// format documentation's own example.
        case lenient
    }

    /// What a typed walk does with a value it cannot read as its field's kind.
    public enum SchemaPolicy: String, Sendable, Hashable {
        /// Keep the value as written, list it in ``MediaItem/nonconforming``, report it as an
        /// ``ExportWarning``, and go on. The default: real exports drift from the documented types.
        case tolerant
        /// End the walk with a ``VLExportError/Kind/schema`` error at the first such value.
        case strict
    }

    /// How many threads read an export's items.
    public enum Parallelism: Sendable, Hashable {
        /// One worker for each core this process may run on (its CPU affinity, so `taskset`
        /// is obeyed). On one core, raw items (``ExportReader/rawItems``) are read by one
        /// worker beside the reading thread, which checks whole batches of items without an
        /// event per value, and every other walk is the serial walk.
        case automatic
        /// The serial walk: one thread parses everything, as it reads.
        case serial
        /// This many worker threads read batches of items, beside the thread that reads and cuts.
        case threads(Int)
    }

    /// Which JSON the reader accepts; strict by default.
    public var syntax: Syntax
    /// The deepest nesting of arrays and objects accepted, counting the export
    /// object as 1; deeper input fails with a ``VLExportError/Kind/depthLimit`` error.
    public var maxDepth: Int
    /// The largest media item, or single JSON value, accepted, in bytes; a larger one
    /// fails with a ``VLExportError/Kind/sizeLimit`` error instead of filling memory.
    public var maxItemBytes: Int
    /// How many bytes each read from a file or descriptor asks for.
    public var chunkSize: Int
    /// Which properties a typed walk reads; every one by default.
    public var properties: PropertySelection
    /// What a typed walk does with a value it cannot read as its field's kind; tolerant by default.
    public var schema: SchemaPolicy
    /// How many warnings a reader keeps in ``ExportReader/warnings``; later ones are only counted.
    public var maxKeptWarnings: Int
    /// How many threads read the items of a file or descriptor; automatic by default. The
    /// lenient dialect and readers of chunk sequences read serially.
    public var parallelism: Parallelism
    /// The size a batch of the parallel walk grows to before it is cut after its next item.
    var parallelBatchBytes = 256 << 10

    /// Creates options; the defaults suit exports of any size.
    public init(
        syntax: Syntax = .strict, maxDepth: Int = 256, maxItemBytes: Int = 64 << 20, chunkSize: Int = 256 << 10,
        properties: PropertySelection = .all, schema: SchemaPolicy = .tolerant, maxKeptWarnings: Int = 1000,
        parallelism: Parallelism = .automatic
    ) {
        self.syntax = syntax
        self.maxDepth = max(1, maxDepth)
        self.maxItemBytes = max(1, maxItemBytes)
        self.chunkSize = max(1, chunkSize)
        self.properties = properties
        self.schema = schema
        self.maxKeptWarnings = max(0, maxKeptWarnings)
        self.parallelism = parallelism
    }

    /// How a walk of a file or descriptor reads its items.
    enum WalkPlan: Equatable {
        /// One thread parses everything, as it reads.
        case serial
        /// This many workers read batches of items.
        case parallel(workers: Int)
        /// One core: one worker for raw items, the serial walk for the rest (``ExportWalk/Source/oneCore(_:)``).
        case oneCore
    }

    /// How a walk of a file or descriptor reads its items, by ``parallelism`` and the cores
    /// this process may run on; the lenient dialect is read serially.
    var walkPlan: WalkPlan {
        guard syntax == .strict else { return .serial }
        switch parallelism {
        case .serial: return .serial
        case .threads(let count): return .parallel(workers: max(1, count))
        case .automatic:
            let cores = Self.coresAvailable
            return cores > 1 ? .parallel(workers: cores) : .oneCore
        }
    }

    /// The cores this process may run on.
    static var coresAvailable: Int { Int(CVLXSystem_coresAvailable()) }
}

import ArgumentParser
import CZlibVLX
import VLExport

#if canImport(Glibc)
import Glibc
#endif

/// `vlx split`: NDJSON shards for engines that read in parallel.
struct SplitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Write the items as NDJSON part files of about equal size, plus a manifest.",
        discussion: """
        The parts are DIR/part-00000.ndjson, DIR/part-00001.ndjson, … (.ndjson.gz
        with --gzip), each item going to the part with the fewest bytes so far, so
        DuckDB (read_json('DIR/*.ndjson')), Spark (spark.read.json("DIR")) or any
        engine reads them in parallel. DIR/manifest.json lists each part's items
        and bytes and the export's info.
        """
    )

    @Argument(help: "The export: a path, or - or nothing for standard input.")
    var file: String?

    @OptionGroup var read: ReadOptions

    @Option(help: "How many part files to write.")
    var shards: Int

    @Option(help: "The directory to write the parts and manifest into; created if missing.")
    var out: String

    @Flag(help: "Compress each part with gzip.")
    var gzip = false

    func validate() throws {
        guard (1...10_000).contains(shards) else { throw ValidationError("--shards must be between 1 and 10000.") }
    }

    func run() async throws {
        let input = try ExportInput.open(file, read)
        if mkdir(out, 0o755) != 0, errno != EEXIST {
            throw CLIFailure(.ioFailure, "cannot create \(out): \(String(cString: strerror(errno)))")
        }
        let names = (0..<shards).map { "part-" + String($0).leftPadded(5) + (gzip ? ".ndjson.gz" : ".ndjson") }
        var parts: [ShardFile] = []
        for name in names {
            parts.append(try ShardFile(path: out + "/" + name, gzip: gzip))
        }
        var items = [Int](repeating: 0, count: shards)
        var rawBytes = [Int](repeating: 0, count: shards)
        try await input.run {
            for try await raw in input.reader.rawItems {
                input.progress.addItem()
                let target = rawBytes.indices.min { rawBytes[$0] < rawBytes[$1] }!
                try parts[target].writeLine(raw.json)
                items[target] += 1
                rawBytes[target] += raw.json.count + 1
            }
        }
        var manifestParts: [JSONValue] = []
        for (index, part) in parts.enumerated() {
            let fileBytes = try part.close()
            manifestParts.append(.object([
                "file": .string(names[index]),
                "media_items": .integer(items[index]),
                "ndjson_bytes": .integer(rawBytes[index]),
                "file_bytes": .integer(fileBytes),
            ]))
        }
        let manifest: JSONValue = .object([
            "source": .string(input.name),
            "media_items": .integer(items.reduce(0, +)),
            "shards": .array(manifestParts),
            "info": input.reader.info.map { .object($0.json) } ?? .null,
        ])
        let manifestFile = try OutputStream(path: out + "/manifest.json")
        try manifestFile.writeLine(manifest.compactJSON)
        try manifestFile.flush()
    }
}

/// One part file, plain or gzip-compressed.
final class ShardFile {
    private let stream: OutputStream
    private let path: String
    /// zlib checks that a stream stays where it was initialised: it lives in storage of its own.
    private var deflater: UnsafeMutablePointer<z_stream>?
    private var written = 0
    private var pending: [UInt8] = []

    deinit {
        if let deflater {
            deflateEnd(deflater)
            deflater.deallocate()
        }
    }

    init(path: String, gzip: Bool) throws(CLIFailure) {
        self.path = path
        stream = try OutputStream(path: path)
        if gzip {
            let deflater = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            deflater.initialize(to: z_stream())
            // 15 + 16: a gzip header and trailer around the deflate data.
            guard CZlibVLX_deflateInit2(deflater, Z_DEFAULT_COMPRESSION, 15 + 16) == Z_OK else {
                deflater.deallocate()
                throw CLIFailure(.ioFailure, "cannot start gzip compression for \(path)")
            }
            self.deflater = deflater
        }
    }

    func writeLine(_ bytes: [UInt8]) throws(CLIFailure) {
        guard deflater != nil else {
            written += bytes.count + 1
            try stream.writeLine(bytes)
            return
        }
        pending.append(contentsOf: bytes)
        pending.append(0x0A)
        if pending.count >= 256 << 10 { try compress(finish: false) }
    }

    /// Flushes and closes the part; returns its size on disk.
    func close() throws(CLIFailure) -> Int {
        if let deflater {
            try compress(finish: true)
            deflateEnd(deflater)
            deflater.deallocate()
            self.deflater = nil
        }
        try stream.flush()
        return written
    }

    private func compress(finish: Bool) throws(CLIFailure) {
        guard let deflater else { return }
        var output = [UInt8](repeating: 0, count: 256 << 10)
        var status: Int32 = Z_OK
        var offset = 0
        repeat {
            var produced = 0
            pending.withUnsafeMutableBufferPointer { input in
                output.withUnsafeMutableBufferPointer { out in
                    deflater.pointee.next_in = input.baseAddress.map { $0 + offset }
                    deflater.pointee.avail_in = UInt32(input.count - offset)
                    deflater.pointee.next_out = out.baseAddress
                    deflater.pointee.avail_out = UInt32(out.count)
                    status = deflate(deflater, finish ? Z_FINISH : Z_NO_FLUSH)
                    offset = input.count - Int(deflater.pointee.avail_in)
                    produced = out.count - Int(deflater.pointee.avail_out)
                }
            }
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw CLIFailure(.ioFailure, "gzip compression failed for \(path)")
            }
            if produced > 0 {
                written += produced
                try stream.write(Array(output[..<produced]))
            }
        } while offset < pending.count || (finish && status != Z_STREAM_END)
        pending.removeAll(keepingCapacity: true)
    }
}

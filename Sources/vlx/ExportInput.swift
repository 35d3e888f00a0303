import CZlibVLX
import Foundation
import VLExport
import ZIPFoundation

#if canImport(Glibc)
import Glibc
#endif

/// An export opened for reading, whatever it came in: plain JSON, gzip or a ZIP download.
///
/// The container is recognised by its first bytes, not its name, so
/// `vlx ndjson < export.json.gz` works as well as `vlx ndjson export.json.gz`.
/// Everything streams: gzip is inflated chunk by chunk, and a ZIP entry is
/// extracted on a thread into a pipe that the reader drains.
final class ExportInput {
    /// How messages name the input: its path, or `<stdin>`.
    let name: String
    let reader: ExportReader
    let progress: Progress
    /// Whether warnings are left unprinted (`--quiet`).
    var quiet = false
    private var zipExtraction: ZipExtraction?

    /// How many warnings about values are printed before the rest are only counted.
    static let printedWarningLimit = 20

    private init(name: String, reader: ExportReader, progress: Progress, zipExtraction: ZipExtraction?) {
        self.name = name
        self.reader = reader
        self.progress = progress
        self.zipExtraction = zipExtraction
    }

    /// Opens FILE (a path, `-` or nil for standard input); a typed walk reads the given properties.
    static func open(_ file: String?, _ options: ReadOptions, properties: PropertySelection = .all) throws(CLIFailure) -> ExportInput {
        let path = file == "-" ? nil : file
        let name = path ?? "<stdin>"
        var totalBytes: Int?
        let descriptor: Int32
        if let path {
            descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw CLIFailure(.ioFailure, "cannot open \(path): \(String(cString: strerror(errno)))")
            }
            var status = stat()
            if fstat(descriptor, &status) == 0 {
                if (status.st_mode & S_IFMT) == S_IFDIR {
                    Glibc.close(descriptor)
                    throw CLIFailure(.ioFailure, "cannot read \(path): it is a directory")
                }
                if (status.st_mode & S_IFMT) == S_IFREG { totalBytes = Int(status.st_size) }
            }
        } else {
            descriptor = STDIN_FILENO
        }
        let progress = Progress(totalBytes: totalBytes, enabled: !options.noProgress && !options.quiet && Terminal.standardErrorIsTerminal)
        let source = DescriptorReader(descriptor: descriptor, ownsDescriptor: path != nil, name: name, progress: progress)
        let head = try source.peek()
        var readerOptions = options.readerOptions
        readerOptions.properties = properties
        let input = try open(source: source, head: head, path: path, name: name, progress: progress, readerOptions)
        input.quiet = options.quiet
        return input
    }

    private static func open(
        source: DescriptorReader, head: [UInt8], path: String?, name: String, progress: Progress, _ readerOptions: ReaderOptions
    ) throws(CLIFailure) -> ExportInput {
        if head.starts(with: [0x1F, 0x8B]) {
            let chunks = ChunkSequence(GzipDecoder(source: source, name: name))
            return ExportInput(name: name, reader: ExportReader(chunks: chunks, options: readerOptions), progress: progress, zipExtraction: nil)
        }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            let archivePath: String
            if let path { archivePath = path } else { archivePath = try source.spoolToTemporaryFile() }
            let extraction = try ZipExtraction(archivePath: archivePath, name: name, removeWhenDone: path == nil)
            let pipeReader = DescriptorReader(descriptor: extraction.readEnd, ownsDescriptor: true, name: name, progress: progress)
            progress.totalBytes = nil
            let reader = ExportReader(chunks: ChunkSequence(pipeReader), options: readerOptions)
            return ExportInput(name: "\(name):\(extraction.entryPath)", reader: reader, progress: progress, zipExtraction: extraction)
        }
        return ExportInput(name: name, reader: ExportReader(chunks: ChunkSequence(source), options: readerOptions), progress: progress, zipExtraction: nil)
    }

    /// Runs a walk, turning its failures into what the command reports: the
    /// archive's own error before the truncation it caused, and the input's name
    /// in front of every location.
    ///
    /// The walk's warnings are printed on standard error when it ends, either way (unless ``quiet``).
    func run<Result>(_ body: () async throws -> Result) async throws -> Result {
        defer {
            progress.finish()
            if !quiet { printWarnings() }
        }
        do {
            let result = try await body()
            if let failure = zipExtraction?.finish() { throw CLIFailure(.invalidData, failure) }
            return result
        } catch let error as VLExportError {
            if let failure = zipExtraction?.finish() { throw CLIFailure(.invalidData, failure) }
            throw CLIFailure(error.kind == .io ? .ioFailure : .invalidData, "\(name):\(error)")
        }
    }

    /// Prints the reader's warnings to standard error: values that could not be read as
    /// `FILE:LINE:COL: path: message`, the first ``printedWarningLimit`` of them and then a count;
    /// every other warning as `vlx: FILE: warning: message`.
    private func printWarnings() {
        var printedValues = 0
        for warning in reader.warnings {
            if warning.kind == .nonconformingValue {
                printedValues += 1
                if printedValues <= Self.printedWarningLimit { Terminal.printError(located(warning)) }
            } else {
                Terminal.printError("vlx: \(name): warning: \(warning)")
            }
        }
        let otherWarnings = reader.warnings.count { $0.kind != .nonconformingValue }
        let valueWarnings = reader.warningCount - otherWarnings
        if valueWarnings > Self.printedWarningLimit {
            Terminal.printError("vlx: \(name): \(valueWarnings - Self.printedWarningLimit) more values could not be read as their fields' kinds (\(valueWarnings) in all; vlx validate lists them)")
        }
    }

    /// `FILE:LINE:COL: path: message`.
    func located(_ warning: ExportWarning) -> String {
        warning.location == nil ? "\(name): \(warning)" : "\(name):\(warning)"
    }
}

/// Something that hands out chunks of bytes until the input ends.
protocol ChunkProducer: AnyObject {
    func nextChunk() throws(CLIFailure) -> [UInt8]?
}

/// Any chunk producer as an `AsyncSequence`, for ``ExportReader/init(chunks:options:)``.
struct ChunkSequence: AsyncSequence {
    typealias Element = [UInt8]
    let producer: any ChunkProducer

    init(_ producer: any ChunkProducer) {
        self.producer = producer
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let producer: any ChunkProducer
        mutating func next() async throws -> [UInt8]? {
            try producer.nextChunk()
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(producer: producer) }
}

/// Reads a file descriptor in 64 KiB chunks, counting bytes for the progress line.
final class DescriptorReader: ChunkProducer {
    private var descriptor: Int32
    private let ownsDescriptor: Bool
    private let name: String
    private let progress: Progress
    private var peeked: [UInt8]?
    private var buffer: [UInt8] = []
    private static let chunkSize = 64 << 10

    init(descriptor: Int32, ownsDescriptor: Bool, name: String, progress: Progress) {
        self.descriptor = descriptor
        self.ownsDescriptor = ownsDescriptor
        self.name = name
        self.progress = progress
    }

    deinit {
        if ownsDescriptor, descriptor >= 0 { close(descriptor) }
    }

    /// The first chunk, kept to be handed out again by the first ``nextChunk()``.
    func peek() throws(CLIFailure) -> [UInt8] {
        if let peeked { return peeked }
        let first = try readChunk() ?? []
        peeked = first
        return first
    }

    func nextChunk() throws(CLIFailure) -> [UInt8]? {
        if let first = peeked {
            peeked = nil
            return first.isEmpty ? nil : first
        }
        return try readChunk()
    }

    private func readChunk() throws(CLIFailure) -> [UInt8]? {
        guard descriptor >= 0 else { return nil }
        // One buffer serves every read: once the walk is done with the last chunk, it is
        // referenced here only and is written in place (copy-on-write copies it only if
        // a reader still holds the last chunk), instead of a new 64 KiB array per read.
        if buffer.count < Self.chunkSize {
            buffer.append(contentsOf: repeatElement(0, count: Self.chunkSize - buffer.count))
        }
        let descriptor = descriptor
        var result = 0
        var failure: Int32 = 0
        buffer.withUnsafeMutableBytes { bytes in
            result = read(descriptor, bytes.baseAddress, bytes.count)
            while result < 0, errno == EINTR { result = read(descriptor, bytes.baseAddress, bytes.count) }
            if result < 0 { failure = errno }
        }
        if result < 0 {
            throw CLIFailure(.ioFailure, "cannot read \(name): \(String(cString: strerror(failure)))")
        }
        buffer.removeLast(buffer.count - result)
        progress.addBytes(result)
        return buffer.isEmpty ? nil : buffer
    }

    /// Copies the rest of the input to a temporary file, for a ZIP archive on standard input.
    func spoolToTemporaryFile() throws(CLIFailure) -> String {
        var template = Array("/tmp/vlx-stdin-XXXXXX.zip".utf8CString)
        let file = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 4) }
        guard file >= 0 else { throw CLIFailure(.ioFailure, "cannot create a temporary file for the ZIP archive") }
        defer { close(file) }
        let path = String(cString: template.map { UInt8(bitPattern: $0) } + [])
        while let chunk = try nextChunk() {
            let written = chunk.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
            guard written == chunk.count else {
                unlink(path)
                throw CLIFailure(.ioFailure, "cannot write the temporary file \(path): \(String(cString: strerror(errno)))")
            }
        }
        return path
    }
}

/// Inflates gzip (or zlib) data chunk by chunk; concatenated gzip members are read one after another.
final class GzipDecoder: ChunkProducer {
    private let source: DescriptorReader
    private let name: String
    /// zlib checks that a stream stays where it was initialised: it lives in storage of its own.
    private let stream: UnsafeMutablePointer<z_stream>
    private var input: [UInt8] = []
    private var inputOffset = 0
    private var streamEnded = false
    private var finished = false

    init(source: DescriptorReader, name: String) {
        self.source = source
        self.name = name
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 + 32: a 32 KiB window, and a gzip or zlib header recognised by itself.
        _ = CZlibVLX_inflateInit2(stream, 15 + 32)
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    func nextChunk() throws(CLIFailure) -> [UInt8]? {
        guard !finished else { return nil }
        let capacity = 64 << 10
        var output = [UInt8](repeating: 0, count: capacity)
        var produced = 0
        while produced == 0 {
            if inputOffset == input.count {
                guard let next = try source.nextChunk() else {
                    finished = true
                    if !streamEnded {
                        throw CLIFailure(.invalidData, "\(name): the gzip data is truncated")
                    }
                    return nil
                }
                input = next
                inputOffset = 0
                if streamEnded {
                    // Another gzip member follows the one that ended.
                    inflateReset(stream)
                    streamEnded = false
                }
            }
            var status: Int32 = Z_OK
            input.withUnsafeMutableBufferPointer { inputBuffer in
                output.withUnsafeMutableBufferPointer { outputBuffer in
                    stream.pointee.next_in = inputBuffer.baseAddress! + inputOffset
                    stream.pointee.avail_in = UInt32(inputBuffer.count - inputOffset)
                    stream.pointee.next_out = outputBuffer.baseAddress! + produced
                    stream.pointee.avail_out = UInt32(capacity - produced)
                    status = inflate(stream, Z_NO_FLUSH)
                    inputOffset = inputBuffer.count - Int(stream.pointee.avail_in)
                    produced = capacity - Int(stream.pointee.avail_out)
                }
            }
            switch status {
            case Z_OK, Z_BUF_ERROR:
                break
            case Z_STREAM_END:
                streamEnded = true
                if inputOffset < input.count {
                    inflateReset(stream)
                    streamEnded = false
                }
            default:
                finished = true
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                throw CLIFailure(.invalidData, "\(name): corrupt gzip data: \(reason)")
            }
        }
        output.removeSubrange(produced...)
        return output
    }
}

/// Extracts the JSON entry of a ZIP archive on a thread, into a pipe the reader drains.
final class ZipExtraction: @unchecked Sendable {
    let entryPath: String
    let readEnd: Int32
    private var thread = pthread_t()
    private var started = false
    private var lock = pthread_mutex_t()
    private var failure: String?
    private let archivePath: String
    private let writeEnd: Int32
    private let removeWhenDone: Bool
    private let name: String

    init(archivePath: String, name: String, removeWhenDone: Bool) throws(CLIFailure) {
        self.archivePath = archivePath
        self.name = name
        self.removeWhenDone = removeWhenDone
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: archivePath), accessMode: .read)
        } catch {
            throw CLIFailure(.invalidData, "\(name): not a readable ZIP archive (\(error))")
        }
        guard let entry = archive.first(where: { $0.type == .file && $0.path.lowercased().hasSuffix(".json") }) else {
            throw CLIFailure(.invalidData, "\(name): the ZIP archive holds no .json entry")
        }
        entryPath = entry.path
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw CLIFailure(.ioFailure, "cannot create a pipe: \(String(cString: strerror(errno)))") }
        readEnd = ends[0]
        writeEnd = ends[1]
        pthread_mutex_init(&lock, nil)
        let context = Unmanaged.passRetained(self).toOpaque()
        started = pthread_create(&thread, nil, { context in
            let extraction = Unmanaged<ZipExtraction>.fromOpaque(context!).takeRetainedValue()
            extraction.extract()
            return nil
        }, context) == 0
    }

    deinit { pthread_mutex_destroy(&lock) }

    private func extract() {
        defer {
            close(writeEnd)
            if removeWhenDone { unlink(archivePath) }
        }
        do {
            let archive = try Archive(url: URL(fileURLWithPath: archivePath), accessMode: .read)
            guard let entry = archive[entryPath] else { throw CLIFailure(.invalidData, "entry \(entryPath) vanished") }
            _ = try archive.extract(entry, bufferSize: 64 << 10, skipCRC32: false) { data in
                try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
                    var offset = 0
                    while offset < bytes.count {
                        let count = write(writeEnd, bytes.baseAddress! + offset, bytes.count - offset)
                        if count < 0, errno == EINTR { continue }
                        // The reader stopped (it has what it needs, or it failed): stop extracting.
                        if count <= 0 { throw CLIFailure.outputClosed }
                        offset += count
                    }
                }
            }
        } catch let failure as CLIFailure where failure.status == .success {
            return
        } catch {
            record("\(name): cannot extract \(entryPath) from the ZIP archive: \(error)")
        }
    }

    private func record(_ message: String) {
        pthread_mutex_lock(&lock)
        failure = message
        pthread_mutex_unlock(&lock)
    }

    /// Waits for the thread; returns what went wrong in the archive, if anything.
    func finish() -> String? {
        if started {
            close(readEnd)
            pthread_join(thread, nil)
            started = false
        }
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return failure
    }
}

/// The progress line on standard error: bytes and percent, MB/s, items, ETA.
final class Progress {
    var totalBytes: Int?
    private let enabled: Bool
    private var bytes = 0
    private var items = 0
    private let start = Progress.now()
    private var lastPrint = 0.0
    private var shown = false

    init(totalBytes: Int?, enabled: Bool) {
        self.totalBytes = totalBytes
        self.enabled = enabled
    }

    func addBytes(_ count: Int) {
        bytes += count
        guard enabled else { return }
        let now = Progress.now()
        if now - lastPrint >= 0.25 {
            lastPrint = now
            show(now)
        }
    }

    func addItem() {
        items += 1
    }

    func finish() {
        if shown { Terminal.printErrorRaw("\r\u{1B}[K") }
        shown = false
    }

    private func show(_ now: Double) {
        let elapsed = max(now - start, 0.001)
        let rate = Double(bytes) / elapsed
        var line = "\r\(Progress.size(bytes))"
        if let totalBytes, totalBytes > 0 {
            line += " of \(Progress.size(totalBytes)) (\(String(format1: Double(bytes) * 100 / Double(totalBytes)))%)"
            let remaining = Double(totalBytes - bytes) / max(rate, 1)
            line += "  ETA \(Int(remaining) / 60):\(String(Int(remaining) % 60).leftPadded(2))"
        }
        line += "  \(String(format1: rate / 1e6)) MB/s  \(items) items\u{1B}[K"
        Terminal.printErrorRaw(line)
        shown = true
    }

    private static func size(_ bytes: Int) -> String {
        bytes >= 1_000_000_000 ? "\(String(format1: Double(bytes) / 1e9)) GB" : "\(String(format1: Double(bytes) / 1e6)) MB"
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

extension String {
    /// A number with one decimal.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }

    func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

extension Terminal {
    /// Writes text to standard error as it is, without a line feed.
    static func printErrorRaw(_ text: String) {
        var text = text
        text.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}

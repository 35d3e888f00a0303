import Foundation
import Testing
import VLExport

#if canImport(Glibc)
import Glibc
#endif

/// The fixtures in `Tests/Fixtures`, found from this file's path so tests run from any directory.
enum Fixture {
    static let directory: String = {
        let thisFile = "\(#filePath)"
        let testsDirectory = thisFile.split(separator: "/", omittingEmptySubsequences: false).dropLast(2).joined(separator: "/")
        return testsDirectory + "/Fixtures"
    }()

    static func path(_ name: String) -> String { directory + "/" + name }

    static func bytes(_ name: String) throws -> [UInt8] {
        try readFile(path(name))
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw FixtureError.cannotOpen(path) }
        defer { fclose(file) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count == 0 { break }
            result.append(contentsOf: buffer[..<count])
        }
        return result
    }

    static func names(in subdirectory: String) throws -> [String] {
        guard let directory = opendir(path(subdirectory)) else { throw FixtureError.cannotOpen(subdirectory) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted()
    }
}

enum FixtureError: Error {
    case cannotOpen(String)
}

/// Bytes handed out in chunks whose sizes come from a list, cycling; counts the chunks taken.
struct ChunkedBytes: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let bytes: [UInt8]
    let sizes: [Int]
    let counter: ChunkCounter?

    init(_ bytes: [UInt8], sizes: [Int], counter: ChunkCounter? = nil) {
        self.bytes = bytes
        self.sizes = sizes
        self.counter = counter
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let source: ChunkedBytes
        var offset = 0
        var sizeIndex = 0

        mutating func next() async -> [UInt8]? {
            guard offset < source.bytes.count else { return nil }
            let size = Swift.max(1, source.sizes[sizeIndex % source.sizes.count])
            sizeIndex += 1
            let end = Swift.min(source.bytes.count, offset + size)
            defer { offset = end }
            source.counter?.increment()
            return Array(source.bytes[offset..<end])
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: self) }
}

/// Counts chunks taken from a ``ChunkedBytes``, across tasks.
final class ChunkCounter: @unchecked Sendable {
    private var value = 0
    private var lock = pthread_mutex_t()

    init() { pthread_mutex_init(&lock, nil) }
    deinit { pthread_mutex_destroy(&lock) }

    func increment() {
        pthread_mutex_lock(&lock)
        value += 1
        pthread_mutex_unlock(&lock)
    }

    var count: Int {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return value
    }
}


/// What a whole walk produced: the items, or the items and then the error.
struct WalkResult<Item> {
    var items: [Item] = []
    var error: (any Error)?

    var vlError: VLExportError? { error as? VLExportError }
}

func typedWalk(_ reader: ExportReader) async -> WalkResult<MediaItem> {
    var result = WalkResult<MediaItem>()
    do {
        for try await item in reader.mediaItems { result.items.append(item) }
    } catch {
        result.error = error
    }
    return result
}

func rawWalk(_ reader: ExportReader) async -> WalkResult<RawMediaItem> {
    var result = WalkResult<RawMediaItem>()
    do {
        for try await item in reader.rawItems { result.items.append(item) }
    } catch {
        result.error = error
    }
    return result
}

func typedWalk(_ bytes: [UInt8], chunkSizes: [Int] = [65536], options: ReaderOptions = ReaderOptions()) async -> WalkResult<MediaItem> {
    await typedWalk(ExportReader(chunks: ChunkedBytes(bytes, sizes: chunkSizes), options: options))
}

func rawWalk(_ bytes: [UInt8], chunkSizes: [Int] = [65536], options: ReaderOptions = ReaderOptions()) async -> WalkResult<RawMediaItem> {
    await rawWalk(ExportReader(chunks: ChunkedBytes(bytes, sizes: chunkSizes), options: options))
}

extension String {
    /// The UTF-8 bytes of the string.
    var bytes: [UInt8] { Array(utf8) }
}

/// The byte offset of the first occurrence of `needle` in `haystack`.
func offset(of needle: String, in haystack: String, occurrence: Int = 1) -> Int? {
    let bytes = Array(haystack.utf8)
    let pattern = Array(needle.utf8)
    var seen = 0
    guard pattern.count <= bytes.count else { return nil }
    for start in 0...(bytes.count - pattern.count) where Array(bytes[start..<(start + pattern.count)]) == pattern {
        seen += 1
        if seen == occurrence { return start }
    }
    return nil
}

/// Expects `body` to throw a ``VLExportError`` of kind `.usage`: what the reader's one-pass rule throws.
func expectUsageError(
    _ what: String = "", sourceLocation: Testing.SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected a usage error, and nothing was thrown: \(what)", sourceLocation: sourceLocation)
    } catch let error as VLExportError {
        #expect(error.kind == .usage, "\(what): \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a usage error, got \(error): \(what)", sourceLocation: sourceLocation)
    }
}

extension ExportItems {
    /// The items in arrays, one per run of items a worker reads together (one per item in the
    /// serial walk): a map of each item to itself, done on the workers.
    var inArrays: ExportItems<[Element]> {
        batches(into: { [] }, adding: { $0.append($1) })
    }
}

/// Lines of NDJSON: the normalized items of a run, joined on the worker that read them.
struct NormalizedLines: Sendable {
    var bytes: [UInt8] = []
    var count = 0

    mutating func add(_ line: [UInt8]) {
        bytes += line
        bytes.append(0x0A)
        count += 1
    }

    /// Each line without its line feed (normalized JSON holds none: each one ends a line).
    var lines: [[UInt8]] {
        bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map { Array($0) }
    }
}

extension ExportItems<[UInt8]> {
    /// Normalized items as lines of NDJSON, joined per run on the workers.
    var joinedLines: ExportItems<NormalizedLines> {
        batches(into: { NormalizedLines() }, adding: { $0.add($1) })
    }
}

// Feeds arbitrary bytes through the whole reader: tokenizer, lenient filter,
// router, typed and raw builders, the typed reading of raw items, the parallel
// walk (scanner, batcher, workers) and the standalone JSON parser. The first
// byte chooses the dialect, the chunk size, the threads and the batch size, so
// one corpus exercises every path and every chunk and batch boundary.
//
// What counts as a finding: a crash, a sanitizer report, a hang, or an
// invariant below broken: every raw item is strict JSON; both walks see the
// same items; one walk for both forms gives the typed walk's items; a
// tolerant walk over well-formed JSON throws a schema error only when the
// document is no export (not an object, no media_items array; an odd value
// is kept, never thrown); the
// normalized walk, written from the events, gives the typed walk's items
// written by `writeNormalized`, with its warnings and error; the parallel
// walk, and the walk of one core, give the serial walk's items, warnings and
// error, in every form a reader hands out; and batches of items (partial
// results made on the workers) hold the serial walk's items one by one.

import Dispatch
import Glibc
import Synchronization
@testable import VLExport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let control = data[0]
    let input = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let options = ReaderOptions(
        syntax: control & 1 == 0 ? .strict : .lenient,
        maxDepth: 64,
        maxItemBytes: 1 << 16
    )
    let chunkSize = [1, 2, 3, 7, 64, 4096][Int(control >> 1) % 6]

    // The same input as raw items and as typed items.
    let raw = walk(input, options: options, mode: .raw, chunkSize: chunkSize)
    let typed = walk(input, options: options, mode: .typed, chunkSize: chunkSize)

    for case .raw(let item) in raw.items {
        // A raw item is strict JSON, whatever dialect the input was in.
        guard let value = try? JSONValue(parsing: item.json) else {
            fatalError("raw item \(item.index) is not strict JSON")
        }
        _ = value.compactJSON
        _ = try? item.typedItem().normalizedJSON.compactJSON
    }
    // Both walks see the same items up to the first fault of either.
    let typedCount = typed.items.count
    let rawCount = raw.items.count
    if raw.error == nil, typed.error == nil, typedCount != rawCount {
        fatalError("typed walk gave \(typedCount) items, raw walk \(rawCount)")
    }
    // Odd values are kept, not thrown: the only schema errors left say the document is no export,
    // at its root or at its media_items.
    if let error = typed.error, error.kind == .schema, error.path != "$", error.path != "media_items" {
        fatalError("a tolerant typed walk threw a schema error: \(error)")
    }
    // One walk for both forms gives the typed walk's items.
    let both = walk(input, options: options, mode: .typedAndRaw, chunkSize: chunkSize)
    for (pair, single) in zip(both.items, typed.items) {
        guard case .typedAndRaw(let item, let rawItem) = pair, case .typed(let alone) = single, item == alone else {
            fatalError("the walk for both forms and the typed walk differ at an item")
        }
        // The typed walk vouches for an item's keys only when none repeats: validate then skips
        // its scan, and must still find what a parse finds.
        if let parsed = try? JSONValue(parsing: rawItem.json),
           rawItem.duplicateKeyPaths() != parsed.duplicateKeyPaths(under: "media_items[\(rawItem.index)]") {
            fatalError("repeated keys of item \(rawItem.index) differ from a parse's")
        }
    }
    if both.items.count != typedCount || both.error != typed.error {
        fatalError("the walk for both forms gave \(both.items.count) items, the typed walk \(typedCount)")
    }
    _ = try? JSONValue(parsing: Array(input), options: options)

    // The normalized walk writes what the typed walk's items write, with the same warnings and error.
    let normalized = walk(input, options: options, mode: .normalized, chunkSize: chunkSize)
    if normalized.items.count != typedCount || normalized.error != typed.error || normalized.warnings != typed.warnings {
        fatalError("the normalized walk gave \(normalized.items.count) items, the typed walk \(typedCount), or their warnings or error differ")
    }
    for (line, single) in zip(normalized.items, typed.items) {
        guard case .normalized(let bytes) = line, case .typed(let item) = single, bytes == item.normalizedJSONBytes else {
            fatalError("the normalized walk's line differs from the typed walk's item written normalized")
        }
    }

    // The parallel walk is the serial walk (the lenient dialect is always read serially).
    if options.syntax == .strict {
        let threads = [1, 2, 3, 8][Int(control >> 3) & 3]
        let batchBytes = [1, 64, 300, 4096][Int(control >> 5) & 3]
        compareSerialAndParallel(input, options: options, threads: threads, batchBytes: batchBytes)
    }
    return 0
}

/// Everything a reader's walk gives, to compare one walk with another.
private struct ReaderOutcome: Equatable, Sendable {
    var raw: [RawMediaItem] = []
    var typed: [MediaItem] = []
    var normalized: [[UInt8]] = []
    var warnings: [ExportWarning] = []
    var info: ExportInfo?
    var error: VLExportError?
}

/// Walks `input` with an `ExportReader`, serially and in parallel, in each form, from a file,
/// one reader per walk (a reader hands out one form), and stops the run at the first difference.
private func compareSerialAndParallel(_ input: UnsafeRawBufferPointer, options: ReaderOptions, threads: Int, batchBytes: Int) {
    var path = Array("/tmp/vlx-fuzz-XXXXXX".utf8CString)
    let descriptor = mkstemp(&path)
    guard descriptor >= 0, write(descriptor, input.baseAddress, input.count) == input.count else {
        fatalError("cannot write the input to a file: errno \(errno)")
    }
    close(descriptor)
    let file = String(decoding: path.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    defer { unlink(file) }

    var serialWalks: [LoopForm: ReaderOutcome] = [:]
    for form in LoopForm.allCases {
        var serialOptions = options
        serialOptions.parallelism = .serial
        var parallelOptions = options
        parallelOptions.parallelism = .threads(threads)
        parallelOptions.parallelBatchBytes = batchBytes
        let serial = waitFor { [serialOptions] in await walkReader(file, serialOptions, form) }
        serialWalks[form] = serial
        let parallel = waitFor { [parallelOptions] in await walkReader(file, parallelOptions, form) }
        guard serial == parallel else {
            fatalError(
                "the parallel walk (\(form), \(threads) threads, batches of \(batchBytes), reads of \(options.chunkSize)) differs from the serial walk: "
                    + "\(parallel.raw.count + parallel.typed.count + parallel.normalized.count) items, error \(String(describing: parallel.error)); serial: "
                    + "\(serial.raw.count + serial.typed.count + serial.normalized.count) items, error \(String(describing: serial.error))"
            )
        }
        // The walk of one core: one worker for raw items, the serial walk for the rest.
        let oneCore = waitFor { [options] in await walkReader(file, options, form, plan: .oneCore) }
        guard serial == oneCore else {
            fatalError(
                "the walk of one core (\(form), reads of \(options.chunkSize)) differs from the serial walk: "
                    + "\(oneCore.raw.count + oneCore.typed.count + oneCore.normalized.count) items, error \(String(describing: oneCore.error)); serial: "
                    + "\(serial.raw.count + serial.typed.count + serial.normalized.count) items, error \(String(describing: serial.error))"
            )
        }
    }
    // Batches hold the items of the form they join, one by one, with the same warnings and error.
    for form in LoopForm.allCases where form.itemForm != form {
        guard serialWalks[form] == serialWalks[form.itemForm] else {
            fatalError("the serial walk of \(form) differs from that of \(form.itemForm)")
        }
    }
}

/// The loops a reader offers, one form per reader: raw bytes, typed items, normalized JSON, and
/// partial results made on the workers: arrays of raw items, arrays of items in both forms, and
/// normalized JSON joined into lines.
private enum LoopForm: CaseIterable {
    case raw, typed, both, rawBatches, bothBatches, normalized, normalizedLines

    /// The form whose items one by one a form of batches holds; the form itself otherwise.
    var itemForm: LoopForm {
        switch self {
        case .rawBatches: .raw
        case .bothBatches: .both
        case .normalizedLines: .normalized
        case .raw, .typed, .both, .normalized: self
        }
    }
}

/// Lines of NDJSON: the normalized items of a run, joined on the worker that read them.
private struct NormalizedLines: Sendable {
    var bytes: [UInt8] = []
    var count = 0
}

private func walkReader(_ file: String, _ options: ReaderOptions, _ form: LoopForm, plan: ReaderOptions.WalkPlan? = nil) async -> ReaderOutcome {
    var outcome = ReaderOutcome()
    do {
        let reader = try ExportReader(path: file, options: options, plan: plan ?? options.walkPlan)
        defer {
            outcome.warnings = reader.warnings
            outcome.info = reader.info
        }
        switch form {
        case .raw:
            for try await item in reader.rawItems { outcome.raw.append(item) }
        case .typed:
            for try await item in reader.mediaItems { outcome.typed.append(item) }
        case .both:
            for try await both in reader.mediaItemsWithJSON {
                outcome.raw.append(both.raw)
                outcome.typed.append(both.item)
            }
        case .rawBatches:
            for try await run in reader.rawItems.batches(into: { [RawMediaItem]() }, adding: { $0.append($1) }) {
                outcome.raw += run
            }
        case .bothBatches:
            for try await run in reader.mediaItemsWithJSON.batches(into: { [MediaItemWithJSON]() }, adding: { $0.append($1) }) {
                outcome.raw += run.map(\.raw)
                outcome.typed += run.map(\.item)
            }
        case .normalized:
            for try await line in reader.normalizedItems { outcome.normalized.append(line) }
        case .normalizedLines:
            let joined = reader.normalizedItems.batches(into: { NormalizedLines() }, adding: { lines, line in
                lines.bytes += line
                lines.bytes.append(0x0A)
                lines.count += 1
            })
            for try await lines in joined {
                // Normalized JSON holds no line feed: each one ends an item's line.
                let items = lines.bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
                guard items.count == lines.count, lines.bytes.last == 0x0A else {
                    fatalError("normalized lines joined in a batch gave \(items.count) lines for \(lines.count) items")
                }
                outcome.normalized += items.map { Array($0) }
            }
        }
    } catch var error as VLExportError {
        // The excerpt shows the bytes the parser had at hand, which depend on where reads end.
        error.excerpt = nil
        outcome.error = error
    } catch {
        fatalError("a walk threw \(error)")
    }
    return outcome
}

/// Runs `body` on the concurrency pool and blocks this (libFuzzer's) thread until it returns.
private func waitFor<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let result = Mutex<T?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let value = await body()
        result.withLock { $0 = value }
        done.signal()
    }
    done.wait()
    return result.withLock { $0! }
}

private func walk(
    _ input: UnsafeRawBufferPointer, options: ReaderOptions, mode: ItemMode, chunkSize: Int
) -> (items: [ParsedItem], error: VLExportError?, warnings: [ExportWarning]) {
    let parser = ExportParser(options: options, itemMode: mode)
    var items: [ParsedItem] = []
    var offset = 0
    while offset < input.count, parser.failure == nil {
        let end = Swift.min(input.count, offset + chunkSize)
        parser.feed(UnsafeRawBufferPointer(rebasing: input[offset..<end]))
        while let item = parser.nextReady() { items.append(item) }
        offset = end
    }
    parser.finish()
    while let item = parser.nextReady() { items.append(item) }
    return (items, parser.failure, parser.warnings)
}

/// libFuzzer's driver, which runs the fuzzing loop around a callback.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
) -> Int32

/// SwiftPM links an executable's entry point under this name; it hands over to libFuzzer.
@_cdecl("ReaderFuzzer_main")
public func readerFuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzReader(data, size) }
}

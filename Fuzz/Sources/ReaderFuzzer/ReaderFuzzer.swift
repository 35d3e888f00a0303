// Feeds arbitrary bytes through the whole reader: tokenizer, lenient filter,
// router, typed and raw builders, the typed reading of raw items, and the
// standalone JSON parser. The first byte chooses the dialect, the walk and the
// chunk size, so one corpus exercises every path and every chunk boundary.
//
// What counts as a finding: a crash, a sanitizer report, a hang, or an
// invariant below broken: every raw item is strict JSON; both walks see the
// same items; one walk for both forms gives the typed walk's items; and a
// tolerant walk over well-formed JSON throws a schema error only when the
// document is not an object at all (an odd value is kept, never thrown).

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
    // Odd values are kept, not thrown: the only schema error left is a document that is no object.
    if let error = typed.error, error.kind == .schema, error.path != "$" {
        fatalError("a tolerant typed walk threw a schema error: \(error)")
    }
    // One walk for both forms gives the typed walk's items.
    let both = walk(input, options: options, mode: .typedAndRaw, chunkSize: chunkSize)
    for (pair, single) in zip(both.items, typed.items) {
        guard case .typedAndRaw(let item, _) = pair, case .typed(let alone) = single, item == alone else {
            fatalError("the walk for both forms and the typed walk differ at an item")
        }
    }
    if both.items.count != typedCount || both.error != typed.error {
        fatalError("the walk for both forms gave \(both.items.count) items, the typed walk \(typedCount)")
    }
    _ = try? JSONValue(parsing: Array(input), options: options)
    return 0
}

private func walk(_ input: UnsafeRawBufferPointer, options: ReaderOptions, mode: ItemMode, chunkSize: Int) -> (items: [ParsedItem], error: VLExportError?) {
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
    return (items, parser.failure)
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

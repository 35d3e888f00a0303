// vlx-walk: walks an export with the VLExport library and prints what it met.
//
// The benchmark scripts time this process against json_verify on the same
// file, so it does the walk and nothing else: no output per item.
//
//   vlx-walk raw|typed FILE     (FILE may be - for standard input)
//   vlx-walk raw-inline FILE    the serial raw walk (what `vlx ndjson --threads 0` reads), parsed
//                               on this thread, as typed-inline below
//   vlx-walk typed-inline FILE  the serial typed walk parsed on this thread (a blocking loop,
//                               `nextBlocking()`): no workers and no task switches, for tools that
//                               follow one thread, such as callgrind (the file is read ahead on a
//                               thread of the reader's own, which does nothing but read)
//   vlx-walk normalize-inline FILE  each item in its normalized form (what `vlx ndjson --normalize`
//                               writes), written from the events, parsed on this thread
//   vlx-walk normalize-typed-inline FILE  the same bytes written from the typed items of
//                               typed-inline into a reused buffer, the way before
//   vlx-walk scan FILE          the parallel walk's first stage alone: the file read in the walk's
//                               chunks and scanned for structure; prints the items that end
//
// VLX_WALK_KEYS=media_type,issue_type,… reads only those keys in the typed walks (what a command's
// PropertySelection reads), so that a profile shows what that command's walk costs.

@_spi(Parallel) import VLExport

#if canImport(Glibc)
import Glibc
#endif

func printError(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

let arguments = CommandLine.arguments
guard arguments.count == 3, ["raw", "raw-inline", "typed", "typed-inline", "normalize-inline", "normalize-typed-inline", "scan"].contains(arguments[1]) else {
    printError("usage: vlx-walk raw|raw-inline|typed|typed-inline|normalize-inline|normalize-typed-inline|scan FILE")
    exit(2)
}

if arguments[1] == "scan" {
    let descriptor = arguments[2] == "-" ? STDIN_FILENO : open(arguments[2], O_RDONLY)
    guard descriptor >= 0 else {
        printError("vlx-walk: cannot open \(arguments[2])")
        exit(1)
    }
    var scanner = StructureScanner()
    var itemEnds = 0
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ReaderOptions().chunkSize, alignment: 64)
    while true {
        let count = read(descriptor, buffer.baseAddress, buffer.count)
        guard count > 0 else {
            if count < 0 {
                printError("vlx-walk: cannot read \(arguments[2])")
                exit(1)
            }
            break
        }
        scanner.scan(UnsafeRawBufferPointer(rebasing: buffer[..<count])) { bracket in
            if bracket.depthAfter == 2, !bracket.opens { itemEnds += 1 }
        }
    }
    print("items \(itemEnds) bytes \(scanner.offset) depth \(scanner.depth)")
    exit(0)
}

/// The typed walks' options: every property, or those VLX_WALK_KEYS names.
let options: ReaderOptions = {
    guard let keys = getenv("VLX_WALK_KEYS").map({ String(cString: $0) }), !keys.isEmpty else { return ReaderOptions() }
    return ReaderOptions(properties: .only(Set(keys.split(separator: ",").map { PropertySelection.Key.other(String($0)) })))
}()

/// A reader whose walk is parsed on the thread that loops over it: the serial walk, for the inline modes.
func serialReader(options: ReaderOptions) throws -> ExportReader {
    var serial = options
    serial.parallelism = .serial
    return arguments[2] == "-"
        ? ExportReader(fileDescriptor: STDIN_FILENO, options: serial)
        : try ExportReader(path: arguments[2], options: serial)
}

/// Walks the items of `sequence` on this thread, prints their count and their bytes' total
/// (named `bytesName`), and exits.
func countOnThisThread<Element>(
    _ sequence: (ExportReader) -> ExportItems<Element>, bytesName: String, bytes: (Element) -> Int
) -> Never {
    do {
        var elements = sequence(try serialReader(options: ReaderOptions())).makeBlockingIterator()
        var items = 0
        var total = 0
        while let element = try elements.nextBlocking() {
            items += 1
            total += bytes(element)
        }
        print("items \(items) \(bytesName) \(total)")
        exit(0)
    } catch {
        printError("vlx-walk: \(error)")
        exit(1)
    }
}

if arguments[1] == "raw-inline" {
    countOnThisThread(\.rawItems, bytesName: "raw_bytes") { $0.json.count }
}

if arguments[1] == "normalize-inline" {
    countOnThisThread(\.normalizedItems, bytesName: "normalized_bytes") { $0.count }
}

if arguments[1].hasSuffix("-inline") {
    let normalizes = arguments[1] == "normalize-typed-inline"
    do {
        var typedItems = try serialReader(options: options).mediaItems.makeBlockingIterator()
        var items = 0
        var metadata = 0
        var normalizedBytes = 0
        var writer = JSONWriter()
        while let item = try typedItems.nextBlocking() {
            items += 1
            metadata += item.metadataItems.count
            if normalizes {
                writer.reset()
                item.writeNormalized(to: &writer)
                normalizedBytes += writer.count
            }
        }
        print("items \(items) raw_bytes 0 metadata_items \(metadata)" + (normalizes ? " normalized_bytes \(normalizedBytes)" : ""))
        exit(0)
    } catch {
        printError("vlx-walk: \(error)")
        exit(1)
    }
}

do {
    let reader = arguments[2] == "-"
        ? ExportReader(fileDescriptor: STDIN_FILENO, options: options)
        : try ExportReader(path: arguments[2], options: options)
    var items = 0
    var bytes = 0
    var metadata = 0
    if arguments[1] == "raw" {
        for try await item in reader.rawItems {
            items += 1
            bytes += item.json.count
        }
    } else {
        for try await item in reader.mediaItems {
            items += 1
            metadata += item.metadataItems.count
        }
    }
    print("items \(items) raw_bytes \(bytes) metadata_items \(metadata)")
    for warning in reader.warnings { printError("vlx-walk: warning: \(warning)") }
} catch {
    printError("vlx-walk: \(error)")
    exit(1)
}

import VLExport

#if canImport(Glibc)
import Glibc
#endif

/// An export opened for reading, whatever it came in: plain JSON, gzip or a ZIP download.
///
/// The container is recognised by its first bytes, not its name, so
/// `vlx ndjson < export.json.gz` works as well as `vlx ndjson export.json.gz`.
/// Everything streams: the library reads plain JSON and gzip on a thread of its
/// own, and a ZIP entry is extracted on another thread into a pipe the reader drains.
final class ExportInput {
    /// How messages name the input: its path, or `<stdin>` (and the entry, for a ZIP archive).
    let name: String
    let reader: ExportReader
    let progress: Progress
    private let zipExtraction: ZipExtraction?

    /// The bytes that tell a ZIP archive.
    private static let zipSignature: [UInt8] = [0x50, 0x4B, 0x03, 0x04]

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
            do throws(SystemError) {
                descriptor = try SystemCall.openForReading(path)
            } catch {
                throw CLIFailure(.ioFailure, "cannot open \(path): \(error)")
            }
            if SystemCall.isRegularFile(descriptor), let status = try? SystemCall.status(descriptor) {
                totalBytes = Int(status.st_size)
            }
        } else {
            descriptor = STDIN_FILENO
            SystemCall.growPipeBuffer(descriptor)
        }
        var readerOptions = options.readerOptions
        readerOptions.properties = properties
        let progressShown = !options.noProgress && !options.quiet && Terminal.standardErrorIsTerminal

        // Enough of the start to recognise a ZIP archive; the reader reads these bytes first.
        let head: [UInt8]
        do throws(CLIFailure) {
            head = try readHead(descriptor, name: name)
        } catch {
            if path != nil { SystemCall.close(descriptor) }
            throw error
        }

        if head == zipSignature {
            let archivePath: String
            if let path {
                SystemCall.close(descriptor)
                archivePath = path
            } else {
                archivePath = try spoolToTemporaryFile(head: head, rest: descriptor, name: name)
            }
            let extraction = try ZipExtraction(archivePath: archivePath, name: name, removeWhenDone: path == nil)
            let reader = ExportReader(fileDescriptor: extraction.readEnd, closeWhenDone: true, options: readerOptions)
            let progress = Progress(reader: reader, totalBytes: nil, enabled: progressShown)
            return ExportInput(name: "\(name):\(extraction.entryPath)", reader: reader, progress: progress, zipExtraction: extraction)
        }
        let reader = ExportReader(fileDescriptor: descriptor, closeWhenDone: path != nil, alreadyRead: head, options: readerOptions)
        let progress = Progress(reader: reader, totalBytes: totalBytes, enabled: progressShown)
        return ExportInput(name: name, reader: reader, progress: progress, zipExtraction: nil)
    }

    /// Reads the first bytes, as many as tell a ZIP archive, or fewer at the end of the input.
    ///
    /// A pipe may stay silent: the wait is made in slices, so that SIGINT or SIGTERM (which
    /// cancel the command's task) end it.
    private static func readHead(_ descriptor: Int32, name: String) throws(CLIFailure) -> [UInt8] {
        var head = [UInt8](repeating: 0, count: zipSignature.count)
        var headCount = 0
        do throws(SystemError) {
            reading: while headCount < head.count {
                while try !SystemCall.waitUntilReadable(descriptor, milliseconds: 50) {
                    if Task.isCancelled { break reading }
                }
                let count = try SystemCall.read(descriptor, into: &head, from: headCount)
                if count == 0 { break }
                headCount += count
            }
        } catch {
            throw CLIFailure(.ioFailure, "cannot read \(name): \(error)")
        }
        if Task.isCancelled { throw CLIFailure.cancelled }
        head.removeSubrange(headCount...)
        return head
    }

    /// Copies a ZIP archive on standard input to a temporary file: its entries need a seekable file.
    private static func spoolToTemporaryFile(head: [UInt8], rest descriptor: Int32, name: String) throws(CLIFailure) -> String {
        var template = Array("/tmp/vlx-stdin-XXXXXX.zip".utf8CString)
        let file = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 4) }
        guard file >= 0 else { throw CLIFailure(.ioFailure, "cannot create a temporary file for the ZIP archive: \(SystemError.current)") }
        defer { SystemCall.close(file) }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        do throws(SystemError) {
            try SystemCall.writeAll(file, head)
            while true {
                let count = try SystemCall.read(descriptor, into: &buffer)
                if count == 0 { break }
                try SystemCall.writeAll(file, Array(buffer[..<count]))
            }
        } catch {
            unlink(path)
            throw CLIFailure(.ioFailure, "cannot copy the ZIP archive on \(name) to \(path): \(error)")
        }
        return path
    }

    /// Waits for the ZIP extraction, if there is one; returns what went wrong in the archive.
    func finishExtraction() -> String? {
        zipExtraction?.finish()
    }

    /// Prints the reader's warnings to standard error: values that could not be read as
    /// `FILE:LINE:COL: path: message`, the first ``printedWarningLimit`` of them and then a count;
    /// every other warning as `vlx: FILE: warning: message`.
    func printWarnings() {
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

    /// How many warnings about values are printed before the rest are only counted.
    static let printedWarningLimit = 20

    /// `FILE:LINE:COL: path: message`.
    func located(_ warning: ExportWarning) -> String {
        warning.location == nil ? "\(name): \(warning)" : "\(name):\(warning)"
    }
}

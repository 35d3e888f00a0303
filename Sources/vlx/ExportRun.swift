import Dispatch
import Synchronization
import VLExport

#if canImport(Glibc)
import Glibc
#endif

/// One command's run over one export or several: it opens each input in turn, shows progress,
/// runs the walk, and on every way out finishes every output, then reports.
///
/// Every command that reads exports goes through ``perform(_:_:properties:printsWarnings:_:)``
/// or ``performEach(_:_:properties:printsWarnings:_:)``, so none can forget a flush: after
/// success, a data error, an I/O error, a closed pipe, SIGINT or SIGTERM alike, each output
/// given to ``adopt(_:)`` is finished (buffers written, gzip trailers written, documents and
/// manifests closed) before the error is reported and `vlx` exits with the documented status.
final class ExportRun {
    private var current: ExportInput?
    private var outputs: [any FinishingOutput] = []

    /// The input being read.
    var input: ExportInput {
        guard let current else { preconditionFailure("an export run's input is read while no input is open") }
        return current
    }

    var reader: ExportReader { input.reader }

    private init() {}

    /// Hands an output to the run, which finishes it on every way out; returns it.
    @discardableResult
    func adopt<Output: FinishingOutput>(_ output: Output) -> Output {
        outputs.append(output)
        return output
    }

    /// Opens FILE and runs `body` over it; the walk in `body` reads the given properties.
    ///
    /// - Parameter printsWarnings: whether the reader's warnings go to standard error at the
    ///   end (`validate` reports them itself).
    static func perform(
        _ file: String?, _ options: ReadOptions, properties: PropertySelection = .all, printsWarnings: Bool = true,
        _ body: (ExportRun) async throws -> Void
    ) async throws {
        try await performEach([file], options, properties: properties, printsWarnings: printsWarnings) { run, _ in
            try await body(run)
        }
    }

    /// Opens each of FILES in turn and runs `body` over it with the file's position in FILES;
    /// outputs adopted while reading one file stay open for the next, and are finished once.
    /// Each input's warnings are printed, and its reader closed, when its walk ends.
    static func performEach(
        _ files: [String?], _ options: ReadOptions, properties: PropertySelection = .all, printsWarnings: Bool = true,
        _ body: (ExportRun, Int) async throws -> Void
    ) async throws {
        let run = ExportRun()
        var failure: (any Error)?
        for (position, file) in files.enumerated() {
            do {
                let input = try ExportInput.open(file, options, properties: properties)
                run.current = input
                var walkFailure: (any Error)?
                do {
                    try await body(run, position)
                } catch {
                    walkFailure = error
                }
                input.progress.finish()
                input.reader.close()
                let archiveFailure = input.finishExtraction()
                if printsWarnings, !options.quiet { input.printWarnings() }
                // A fault of the archive cuts the JSON short: it is the cause of the walk's error.
                if let archiveFailure { throw CLIFailure(.invalidData, archiveFailure) }
                if let walkFailure { throw input.described(walkFailure) }
            } catch {
                failure = error
                break
            }
        }
        for output in run.outputs {
            do throws(CLIFailure) {
                try output.finish(complete: failure == nil)
            } catch {
                // The first failure is the one reported; a closed pipe stays quiet.
                if failure == nil {
                    failure = error
                } else if error.status != .success {
                    Terminal.printError("vlx: \(error.message)")
                }
            }
        }
        // An output may hold the run (a split's manifest asks the reader for `info`): let both go.
        run.outputs.removeAll()
        run.current = nil
        if let failure { throw failure }
    }
}

extension ExportInput {
    /// The failure as `vlx` reports it: the input's name before a reader's error.
    fileprivate func described(_ failure: any Error) -> any Error {
        switch failure {
        case let error as VLExportError:
            // `FILE:LINE:COL: message` when the error has a place, `FILE: message` otherwise.
            CLIFailure(error.kind == .io ? .ioFailure : .invalidData, "\(name):\(error.location == nil ? " " : "")\(error)")
        case is CancellationError:
            Interruption.failure ?? failure
        default:
            failure
        }
    }
}

/// SIGINT and SIGTERM: the first cancels the command's task, so that the walk stops and every
/// output is finished before `vlx` exits with 128 + the signal's number; a second exits at once.
enum Interruption {
    private static let received = Mutex<Int32?>(nil)

    /// Watches for the signals on behalf of `task`, for as long as the returned sources are kept.
    static func install(cancelling task: Task<Void, any Error>) -> [any DispatchSourceSignal] {
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let isFirst = received.withLock { received in
                    defer { received = received ?? number }
                    return received == nil
                }
                if isFirst {
                    task.cancel()
                } else {
                    _exit(128 + number)
                }
            }
            source.resume()
            sources.append(source)
        }
        return sources
    }

    /// What a run stopped by a signal reports, or nil when no signal came.
    static var failure: CLIFailure? {
        guard let number = received.withLock({ $0 }) else { return nil }
        let name = number == SIGINT ? "SIGINT" : number == SIGTERM ? "SIGTERM" : "signal \(number)"
        return CLIFailure(.interrupted(number), "interrupted by \(name); every output was finished with what was written before it")
    }
}

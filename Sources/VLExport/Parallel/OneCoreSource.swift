/// The walk of a file or descriptor on one core (``ReaderOptions/Parallelism/automatic``
/// when the process may run on one core only), which picks its source when the walk first
/// asks for bytes, by the form the walk reads items in.
///
/// - Raw items go through one worker of the parallel walk (``ParallelSource``): the worker
///   checks a batch of whole items with yajl and no callbacks, then cuts the items out of
///   the bytes, where the serial walk takes an event for every key and value. On one core,
///   with the reading thread and the worker taking turns, `vlx ndjson` took about 1.1 times
///   the time of `json_verify`, where the serial walk took about 2 (BENCHMARKS.md, the
///   fifth round).
/// - Typed items, and a walk that starts by looking for `info`, go through the serial walk
///   (``ReadAheadSource``): a worker builds them as the serial walk does, and handing the
///   batches over only adds to the work of the one core.
///
/// Either source reads every item, warning and error as the other does; later loops of the
/// walk, in any form, go on with the source picked first.
final class OneCoreSource: ByteSource {
    private let input: DecodedInput
    private let options: ReaderOptions
    private var picked: (any ByteSource)?

    init(_ input: DecodedInput, options: ReaderOptions) {
        self.input = input
        self.options = options
    }

    deinit { close() }

    /// Bytes read from the descriptor so far.
    var bytesRead: Int { input.descriptor.bytesRead }

    func feedNext(_ parser: ExportParser, isolation: isolated (any Actor)?) async throws -> Bool {
        let source = picked ?? pick(for: parser.itemMode)
        return try await source.feedNext(parser, isolation: isolation)
    }

    private func pick(for itemMode: ItemMode) -> any ByteSource {
        let source: any ByteSource = itemMode == .raw
            ? ParallelSource(input, options: options, workers: 1)
            : ReadAheadSource(input, chunkSize: options.chunkSize)
        picked = source
        return source
    }

    func rewind() -> Bool {
        picked?.rewind() ?? input.rewind()
    }

    func close() {
        if let picked {
            picked.close()
        } else {
            input.descriptor.close()
        }
    }
}

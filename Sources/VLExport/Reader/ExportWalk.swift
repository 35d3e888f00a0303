/// One pass over an export: the source, the parser, and the loop between them.
final class ExportWalk {
    let parser: ExportParser
    /// What a typed item made from raw bytes does with a value it cannot read.
    let schema: ReaderOptions.SchemaPolicy
    private var source: (any ByteSource)?

    init(source: any ByteSource, options: ReaderOptions, itemMode: ItemMode) {
        self.source = source
        schema = options.schema
        parser = ExportParser(options: options, itemMode: itemMode)
    }

    /// The next finished item; nil at the end; throws the input's error after every item before it.
    func next(isolation: isolated (any Actor)? = #isolation) async throws -> ParsedItem? {
        while true {
            if let item = parser.nextReady() { return item }
            if let failure = parser.failure { throw failure }
            if parser.isFinished { return nil }
            if Task.isCancelled {
                closeSource()
                throw CancellationError()
            }
            guard let source else { return nil }
            let parser = parser
            if try await !source.nextChunk(isolation: isolation, { parser.feed($0) }) {
                parser.finish()
                closeSource()
            }
        }
    }

    /// The same, for a descriptor source, without suspending.
    func nextBlocking() throws(VLExportError) -> ParsedItem? {
        while true {
            if let item = parser.nextReady() { return item }
            if let failure = parser.failure { throw failure }
            if parser.isFinished { return nil }
            guard let source = source as? FileDescriptorSource else { return nil }
            let parser = parser
            if try !source.nextChunkNow({ parser.feed($0) }) {
                parser.finish()
                closeSource()
            }
        }
    }

    /// Reads until `info` has been read or the input ends; items met on the way are skipped,
    /// and items after `info` in the same chunk are kept raw.
    func readInfo(isolation: isolated (any Actor)? = #isolation) async throws -> ExportInfo? {
        if parser.info == nil {
            parser.itemMode = .skip
            parser.itemModeAfterInfo = .raw
        }
        while parser.info == nil, !parser.isFinished {
            if Task.isCancelled {
                closeSource()
                throw CancellationError()
            }
            guard let source else { break }
            let parser = parser
            if try await !source.nextChunk(isolation: isolation, { parser.feed($0) }) {
                parser.finish()
                closeSource()
            }
        }
        if let failure = parser.failure, parser.info == nil { throw failure }
        return parser.info
    }

    /// Closes the source, so a walk left early releases its descriptor at once.
    func closeSource() {
        source?.close()
        source = nil
    }
}

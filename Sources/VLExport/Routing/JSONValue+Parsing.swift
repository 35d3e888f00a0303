extension JSONValue {
    /// Parses one complete JSON document, such as one line of NDJSON.
    ///
    /// Key order, duplicate keys and number text are kept. Uses the same
    /// tokenizer as the export reader, so the same syntax rules and errors apply.
    ///
    /// - Throws: a located ``VLExportError`` for invalid or truncated input.
    public init(parsing bytes: some Collection<UInt8>, options: ReaderOptions = ReaderOptions()) throws(VLExportError) {
        let parser = DocumentParser(options: options)
        let fed: Void? = bytes.withContiguousStorageIfAvailable { parser.feed(UnsafeRawBufferPointer($0)) }
        if fed == nil {
            Array(bytes).withUnsafeBytes { parser.feed($0) }
        }
        self = try parser.finish()
    }

    /// Parses one complete JSON document held in a string.
    public init(parsing text: String, options: ReaderOptions = ReaderOptions()) throws(VLExportError) {
        try self.init(parsing: Array(text.utf8), options: options)
    }
}

/// Builds one whole JSON document of any shape.
private final class DocumentParser: TokenSink {
    private var tokenizer: Tokenizer!
    private var builder = ValueBuilder()
    private var root: JSONValue?
    private var failure: VLExportError?
    private let maxDepth: Int
    private var depth = 0

    init(options: ReaderOptions) {
        maxDepth = options.maxDepth
        super.init()
        tokenizer = Tokenizer(sink: self, dialect: options.syntax == .lenient ? .lenient : .strict)
    }

    func feed(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil else { return }
        do throws(VLExportError) { try tokenizer.feed(bytes) } catch { failure = error }
    }

    func finish() throws(VLExportError) -> JSONValue {
        if let failure { throw failure }
        try tokenizer.finish()
        guard let root else {
            throw VLExportError(.truncated, "the input holds no JSON document (it is empty or white space)", location: tokenizer.endLocation)
        }
        return root
    }

    private func add(_ value: JSONValue) {
        if builder.isBuilding { builder.add(value) } else { root = value }
    }

    private func open(_ tokenizer: Tokenizer) throws(VLExportError) {
        depth += 1
        if depth > maxDepth {
            throw VLExportError(
                .depthLimit, "nesting is deeper than the limit of \(maxDepth) levels (see maxDepth)",
                location: tokenizer.location(ofChunkIndex: max(0, tokenizer.tokenEndIndex - 1))
            )
        }
    }

    private func close() {
        depth -= 1
        if let value = builder.end() { root = value }
    }

    override func null(_ tokenizer: Tokenizer) throws(VLExportError) { add(.null) }
    override func bool(_ value: Bool, _ tokenizer: Tokenizer) throws(VLExportError) { add(.bool(value)) }
    override func number(_ text: UnsafeRawBufferPointer, _ tokenizer: Tokenizer) throws(VLExportError) { add(.number(text: text)) }
    override func string(_ bytes: UnsafeRawBufferPointer, _ tokenizer: Tokenizer) throws(VLExportError) { add(.string(bytes: bytes)) }
    override func key(_ bytes: UnsafeRawBufferPointer, _ tokenizer: Tokenizer) throws(VLExportError) { builder.key(bytes) }
    override func startObject(_ tokenizer: Tokenizer) throws(VLExportError) {
        try open(tokenizer)
        builder.startObject()
    }
    override func endObject(_ tokenizer: Tokenizer) throws(VLExportError) { close() }
    override func startArray(_ tokenizer: Tokenizer) throws(VLExportError) {
        try open(tokenizer)
        builder.startArray()
    }
    override func endArray(_ tokenizer: Tokenizer) throws(VLExportError) { close() }
    override func chunkEnded(_ tokenizer: Tokenizer) throws(VLExportError) {}
}

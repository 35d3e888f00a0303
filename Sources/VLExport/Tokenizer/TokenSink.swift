/// Receives the JSON events the tokenizer reads, in document order.
///
/// A base class rather than a protocol: the tokenizer calls it from yajl's
/// callbacks millions of times a second, and a class reference held as
/// `Unmanaged` is called with no reference counting and one indirect call,
/// where an existential would be retained and released on every event.
/// Subclasses override every method, but for one that gives the tokenizer
/// callbacks of its own: the export's parser hands each event straight to its
/// router (`ExportParser.directCallbacks`), with no call through the class
/// table, and overrides only ``chunkEnded(_:)``.
///
/// Byte buffers handed to a sink are valid only during the call: copy what
/// you keep. Each event comes with the tokenizer, for positions. Throwing
/// stops the parse; the tokenizer rethrows the error from
/// ``Tokenizer/feed(_:)`` once yajl has returned.
class TokenSink {
    func null(_ tokenizer: Tokenizer) throws(VLExportError) { fatalError("TokenSink.null is abstract") }
    func bool(_ value: Bool, _ tokenizer: Tokenizer) throws(VLExportError) { fatalError("TokenSink.bool is abstract") }
    /// A number as it is written in the input, which keeps every digit.
    func number(_ text: UnsafeRawBufferPointer, _ tokenizer: Tokenizer) throws(VLExportError) { fatalError("TokenSink.number is abstract") }
    /// A string value, unescaped, as UTF-8.
    func string(_ bytes: UnsafeRawBufferPointer, _ tokenizer: Tokenizer) throws(VLExportError) { fatalError("TokenSink.string is abstract") }
    /// An object key, unescaped, as UTF-8.
    func key(_ bytes: UnsafeRawBufferPointer, _ tokenizer: Tokenizer) throws(VLExportError) { fatalError("TokenSink.key is abstract") }
    func startObject(_ tokenizer: Tokenizer) throws(VLExportError) { fatalError("TokenSink.startObject is abstract") }
    func endObject(_ tokenizer: Tokenizer) throws(VLExportError) { fatalError("TokenSink.endObject is abstract") }
    func startArray(_ tokenizer: Tokenizer) throws(VLExportError) { fatalError("TokenSink.startArray is abstract") }
    func endArray(_ tokenizer: Tokenizer) throws(VLExportError) { fatalError("TokenSink.endArray is abstract") }
    /// yajl has read all of ``Tokenizer/currentChunk``; the offsets of its bytes are still valid.
    func chunkEnded(_ tokenizer: Tokenizer) throws(VLExportError) { fatalError("TokenSink.chunkEnded is abstract") }
}

/// The JSON dialect the tokenizer accepts.
enum JSONDialect: Sendable {
    /// RFC 8259, nothing more.
    case strict
    /// RFC 8259 plus `//` and `/* */` comments and trailing commas.
    case lenient
}

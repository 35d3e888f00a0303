/// A place in the input: the absolute byte offset and the 1-based line and column.
///
/// Columns count bytes, not characters, so a column stays exact however the
/// line is encoded. Lines are counted at `\n`; a `\r\n` ending counts once.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// Bytes before this place, counted from the start of the input.
    public var offset: Int
    /// The 1-based line number.
    public var line: Int
    /// The 1-based column, in bytes from the start of the line.
    public var column: Int

    /// Creates a location from its three coordinates.
    public init(offset: Int, line: Int, column: Int) {
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// `LINE:COL`, the form compilers and `vlx` print.
    public var description: String { "\(line):\(column)" }
}

/// The one error type of VLExport: what went wrong, and where.
///
/// Every error carries a ``Kind`` and a message. Syntax and truncation errors
/// carry the ``location`` of the fault and a short ``excerpt`` of the input
/// around it; schema errors carry the JSON ``path`` of the offending value
/// (`media_items[17].metadata_items[2].properties.bbox`) and the location of
/// the media item that holds it. ``mediaItemIndex`` names the item that was
/// being read, when there was one.
public struct VLExportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of an error, for code that reacts differently to each.
    public enum Kind: String, Sendable, Hashable {
        /// The input is not well-formed JSON (RFC 8259, or the lenient dialect).
        case syntax
        /// The input ended before the document was complete.
        case truncated
        /// The JSON is well-formed but is not an export (its root is not an object, it has no
        /// `media_items` array), or, under a strict schema, a value is not of its field's kind.
        case schema
        /// Nesting went deeper than ``ReaderOptions/maxDepth``.
        case depthLimit
        /// A media item, or a single value, grew past ``ReaderOptions/maxItemBytes``.
        case sizeLimit
        /// Reading the input failed.
        case io
        /// The gzip data around the export is corrupt.
        case compression
        /// The reader was used against its one rule: a loop after the input was read to its end
        /// or closed, a loop in another form than the first loop's, or items that
        /// ``ExportReader/readInfo(isolation:)`` passed over on an input that cannot be read again.
        /// See ``ExportReader``.
        case usage
    }

    /// The class of this error.
    public var kind: Kind
    /// What went wrong, in one sentence without location.
    public var message: String
    /// Where the fault is; for schema errors, where the media item holding it starts.
    public var location: SourceLocation?
    /// The JSON path of the offending value, for schema errors.
    public var path: String?
    /// The index in `media_items` of the item being read when the error arose.
    public var mediaItemIndex: Int?
    /// A short, printable piece of the input around ``location``.
    public var excerpt: String?

    /// Creates an error; the reader fills in location and item index as it knows them.
    public init(
        _ kind: Kind,
        _ message: String,
        location: SourceLocation? = nil,
        path: String? = nil,
        mediaItemIndex: Int? = nil,
        excerpt: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.location = location
        self.path = path
        self.mediaItemIndex = mediaItemIndex
        self.excerpt = excerpt
    }

    /// `LINE:COL: path: message near 'excerpt'`, with the parts that are known.
    public var description: String {
        located(message + (excerpt.map { " near '\($0)'" } ?? ""), at: location, path: path)
    }
}

/// Something worth telling the user that does not stop the walk.
///
/// Most warnings are odd values: a value of a declared field that cannot be
/// read as its kind, or a part of the outline with another shape (see
/// ``NonconformingValue``). They carry the value's ``path``, its ``location``
/// and, inside an item, the item's index.
public struct ExportWarning: Sendable, Hashable, CustomStringConvertible {
    /// The class of a warning.
    public enum Kind: String, Sendable, Hashable {
        /// `info.total_media_items` differs from the number of items read.
        case totalMediaItemsMismatch
        /// A value that cannot be read as its field's kind, kept as written; or a part of
        /// the export (`info`, `media_items`, an item, a metadata item) with another shape.
        case nonconformingValue
    }

    /// The class of this warning.
    public var kind: Kind
    /// What was noticed, in one sentence: `expected number, found string "high"`.
    public var message: String
    /// Where the value starts in the input, when known.
    public var location: SourceLocation?
    /// The JSON path of the value from the export's root: `media_items[25].metadata_items[2].properties.confidence`.
    public var path: String?
    /// The index in `media_items` of the item that holds the value.
    public var mediaItemIndex: Int?

    /// Creates a warning.
    public init(_ kind: Kind, _ message: String, location: SourceLocation? = nil, path: String? = nil, mediaItemIndex: Int? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
        self.path = path
        self.mediaItemIndex = mediaItemIndex
    }

    /// `LINE:COL: path: message`, with the parts that are known.
    public var description: String { located(message, at: location, path: path) }
}

/// `text` after the place it is about, `LINE:COL: path: `, with the parts that are known.
private func located(_ text: String, at location: SourceLocation?, path: String?) -> String {
    (location.map { "\($0): " } ?? "") + (path.map { "\($0): " } ?? "") + text
}

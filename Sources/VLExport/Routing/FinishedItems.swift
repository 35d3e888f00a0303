import Synchronization

/// What the walk makes of each media item.
enum ItemMode: Sendable {
    /// A typed ``MediaItem``.
    case typed
    /// The item's compact JSON bytes, a ``RawMediaItem``.
    case raw
    /// Both, from the same parse.
    case typedAndRaw
    /// Nothing: the item is counted and passed over.
    case skip
    /// The item's normalized JSON (``MediaItem/writeNormalized(to:)``), written from the events
    /// by ``NormalizedItemWriter`` under a tolerant schema, from the typed item under a strict one.
    case normalized
}

/// A finished media item, in the form the walk asked for.
enum ParsedItem {
    case typed(MediaItem)
    case raw(RawMediaItem)
    case typedAndRaw(MediaItem, RawMediaItem)
    /// The item's normalized JSON.
    case normalized([UInt8])
    /// What a worker's collector made of `items` consecutive items.
    case collected(any Sendable, by: CollectorID, items: Int)

    /// The mode the item was made in; nil for what a collector made.
    var mode: ItemMode? {
        switch self {
        case .typed: .typed
        case .raw: .raw
        case .typedAndRaw: .typedAndRaw
        case .normalized: .normalized
        case .collected: nil
        }
    }
}

/// Which collector made a value. Items carry this rather than the collector: a reference would
/// be counted up on a worker and down on the loop's thread for every value.
struct CollectorID: Hashable, Sendable {
    private let value: UInt64
    private static let madeCount = Atomic<UInt64>(0)

    /// An identifier no other collector has.
    static func unique() -> CollectorID {
        CollectorID(value: madeCount.wrappingAdd(1, ordering: .relaxed).newValue)
    }
}

/// What a worker joins the items it reads together into, one value for a run of items (a
/// partial result of the loop's). It belongs to one worker's parser.
protocol ItemCollecting: AnyObject {
    /// The loop the values are for.
    var id: CollectorID { get }
    /// Items added since the last ``take()``.
    var count: Int { get }
    /// Adds `item`, or gives it back when it is in a form this collector does not take.
    func add(_ item: consuming ParsedItem) -> ParsedItem?
    /// Adds the item `writer` has just closed, in the normalized form, and returns true; false
    /// when this collector does not take normalized items.
    func addNormalized(from writer: inout NormalizedItemWriter) -> Bool
    /// What the items added make; a new value is begun.
    func take() -> any Sendable
}

/// The items a parser has finished and not yet handed out, oldest first, each passed to the
/// collector of a worker's parser as it comes.
struct FinishedItems: ~Copyable {
    /// Each slot is nil once its item was taken.
    private var ready: [ParsedItem?] = []
    private var head = 0
    /// Set on a worker's parser: the items go into it, and what it made is queued once an
    /// item it does not take comes, or the batch ends.
    var collector: (any ItemCollecting)?

    var isEmpty: Bool { head == ready.count }

    /// Queues a finished item, or adds it to the collector.
    mutating func append(_ item: consuming ParsedItem) {
        if let collector {
            guard let other = collector.add(item) else { return }
            queueCollected()
            ready.append(other)
        } else {
            ready.append(item)
        }
    }

    /// Adds the item `writer` has just closed to the collector without making an array of it
    /// first; false when there is no collector, or it does not take normalized items.
    mutating func collectNormalized(from writer: inout NormalizedItemWriter) -> Bool {
        collector?.addNormalized(from: &writer) ?? false
    }

    /// Moves the oldest item out.
    ///
    /// (Copying it out instead would retain every string and array in the item, and release
    /// them all again when the queue is emptied.)
    mutating func next() -> ParsedItem? {
        guard head < ready.count else { return nil }
        let item = ready[head].take()
        head += 1
        if head == ready.count {
            ready.removeAll(keepingCapacity: true)
            head = 0
        }
        return item
    }

    /// Moves every item out at once, with what the collector holds.
    mutating func takeAll() -> [ParsedItem?] {
        queueCollected()
        var items: [ParsedItem?] = []
        swap(&items, &ready)
        items.removeFirst(head)
        head = 0
        return items
    }

    /// Queues a batch's items after those here (taking the array over when none are).
    mutating func append(contentsOf items: consuming [ParsedItem?]) {
        if isEmpty {
            ready = items
            head = 0
        } else {
            ready.append(contentsOf: items)
        }
    }

    /// Makes room for `count` items, so that the queue does not grow item by item.
    mutating func reserve(_ count: Int) {
        ready.reserveCapacity(count)
    }

    private mutating func queueCollected() {
        guard let collector, collector.count > 0 else { return }
        let items = collector.count
        ready.append(.collected(collector.take(), by: collector.id, items: items))
    }
}

/// What a worker made of a batch: its items and warnings, and the error that ended it.
struct BatchResult {
    /// The items, in order; a slot is nil once its item has been taken (a worker takes none).
    var items: [ParsedItem?]
    var warnings: [ExportWarning]
    var warningCount: Int
    /// Items begun in the batch, read or passed over.
    var itemCount: Int
    /// The error that ended the batch, after its items before it.
    var failure: VLExportError?
}

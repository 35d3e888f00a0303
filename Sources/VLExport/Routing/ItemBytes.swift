/// The bytes of the item being read, when they are kept (a raw item, a typed item with its
/// JSON, a normalized item the writer may give up on): from where the item starts in the
/// current chunk, with what earlier chunks held of it.
struct ItemBytes {
    /// Where the item's bytes start in the current chunk (0 once it began in an earlier one).
    private var start = 0
    /// The item's bytes from earlier chunks.
    private var carried: [UInt8] = []
    /// Whether the input holds no white space outside strings (a batch the scanner found so):
    /// an item's bytes are then copied as they are, with no pass to compact them.
    var inputIsCompact = false

    /// Starts keeping bytes from `index` in the current chunk.
    mutating func begin(atChunkIndex index: Int) {
        start = index
        carried.removeAll(keepingCapacity: true)
    }

    /// Keeps the part of the current chunk that belongs to the item, at the chunk's end.
    mutating func keepChunkTail(_ tokenizer: Tokenizer) {
        carried.append(contentsOf: UnsafeRawBufferPointer(rebasing: tokenizer.currentChunk[start...]))
        start = 0
    }

    /// The item's compact JSON; the item ends with the token just read.
    mutating func takeJSON(_ tokenizer: Tokenizer) -> [UInt8] {
        take(tokenizer, compacting: !inputIsCompact)
    }

    /// The item's bytes, which end with the token just read: as they stand in the input, or
    /// `compacting` them (white space outside strings dropped).
    mutating func take(_ tokenizer: Tokenizer, compacting: Bool) -> [UInt8] {
        let chunk = tokenizer.currentChunk
        let end = tokenizer.tokenEndIndex
        if carried.isEmpty {
            let bytes = UnsafeRawBufferPointer(rebasing: chunk[start..<end])
            return compacting ? JSONCompactor.compacted(bytes) : Array(bytes)
        }
        carried.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<end]))
        let taken = compacting ? carried.withUnsafeBytes { JSONCompactor.compacted($0) } : carried
        drop()
        return taken
    }

    /// Forgets the bytes kept, keeping the room unless an item over 1 MiB made it grow.
    mutating func drop() {
        if !carried.isEmpty { carried.removeAll(keepingCapacity: carried.capacity <= 1 << 20) }
    }
}

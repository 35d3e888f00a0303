extension KnownKey {
    /// The known key spelled by `bytes`, if any.
    static func match(_ bytes: UnsafeRawBufferPointer) -> KnownKey? {
        let index = Vocabulary.shared.keys.index(of: bytes)
        return index < 0 ? nil : ordered[index]
    }

    /// Every case, in declaration order: the order of ``Vocabulary/keys``.
    static let ordered = allCases
}

/// Short words, matched a machine word at a time, in memory that is never freed.
///
/// Matching runs once per key in the input, and once per value of a field
/// whose values come from a small set (`issue_type`, a metadata type). A
/// word of up to 24 bytes is fully described by its length and three 8-byte
/// loads from it (the first eight bytes, the next eight, the last eight; they
/// overlap for shorter words, and words under 8 bytes are read in smaller
/// pieces). The table is a perfect hash over those loads: the multipliers are
/// chosen when the table is made so that no two words share a slot, so a
/// lookup is a few loads, three multiplies and one comparison, with no loop, no call
/// to memcmp and no reference counting (raw pointers are not counted).
///
/// A slot holds one byte, the word's place in a dense list of the words' loads,
/// so the table stays small enough to keep its cache lines while the input
/// streams through the cache.
struct WordTable: @unchecked Sendable {
    private struct Entry {
        var loads: (UInt64, UInt64, UInt64)
        /// 0 in the entry for empty slots, which no word of 1 byte or more matches.
        var length: Int32
        /// The word's position in the list the table was made from.
        var index: Int32
    }

    static let maxLength = 24

    /// One byte per slot: the position in ``entries`` of the word in that slot, or of the empty entry.
    private let slots: UnsafeMutablePointer<UInt8>
    /// The words, then the empty entry.
    private let entries: UnsafeMutablePointer<Entry>
    private let entryCount: Int
    private let shift: UInt64
    private let multipliers: (UInt64, UInt64, UInt64)

    /// A table of `words`, each 1 to 24 bytes long and all different, fewer than 255 of them;
    /// a lookup gives a word's position in the list.
    init(_ words: [String]) {
        precondition(Set(words).count == words.count, "a word table's words must all be different")
        precondition(words.count < Int(UInt8.max), "a word table holds fewer than 255 words")
        let keyed = words.map { word -> ((UInt64, UInt64, UInt64), Int) in
            let utf8 = Array(word.utf8)
            precondition(!utf8.isEmpty && utf8.count <= Self.maxLength, "\(word) is not 1 to \(Self.maxLength) bytes long")
            return (utf8.withUnsafeBytes { Self.loads($0.baseAddress!, utf8.count) }, utf8.count)
        }
        // Eight slots per word or more: for the format's lists (70 keys at most) a multiplier pair
        // without collisions turns up within a few dozen tries. A longer list needs more room
        // (the chance of no collision falls with the square of the count): after 64 tries
        // without one, the slots double.
        var bits: UInt64 = 3
        while (1 << bits) < words.count * 8 { bits += 1 }
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        var chosen: (UInt64, UInt64, UInt64)?
        var slotOfWord: [Int] = []
        var tries = 0
        while chosen == nil {
            if tries == 64 {
                bits += 1
                tries = 0
                precondition(bits < 32, "no perfect hash found for a word table")
            }
            tries += 1
            // splitmix64: a fixed sequence of odd multipliers, so every run builds the same table.
            seed &+= 0x9E37_79B9_7F4A_7C15
            let candidate = (Self.mix(seed) | 1, Self.mix(seed ^ 0xD1B5_4A32_D192_ED03) | 1, Self.mix(seed ^ 0x94D0_49BB_1331_11EB) | 1)
            slotOfWord = keyed.map { Int(Self.hash($0.0, $0.1, candidate, 64 - bits)) }
            if Set(slotOfWord).count == slotOfWord.count { chosen = candidate }
        }
        let slotCount = 1 << Int(bits)
        multipliers = chosen!
        shift = 64 - bits
        var slotBytes = [UInt8](repeating: UInt8(words.count), count: slotCount)
        for (index, slot) in slotOfWord.enumerated() { slotBytes[slot] = UInt8(index) }
        slots = neverFreed(slotBytes)
        entries = neverFreed(keyed.enumerated().map { index, word in
            Entry(loads: word.0, length: Int32(word.1), index: Int32(index))
        } + [Entry(loads: (0, 0, 0), length: 0, index: -1)])
        entryCount = keyed.count + 1
    }

    /// The bytes the table reads: its slots and its list of words.
    var byteCount: Int {
        (1 << Int(64 - shift)) + entryCount * MemoryLayout<Entry>.stride
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Multiply, add, shift: each load with its own multiplier, so that two different words
    /// share a slot only for some multipliers, never for all. (Adding two loads before one
    /// multiply made words whose first and middle eight bytes trade values, `"ab…"`
    /// against `"ba…"` in the right places, share a slot whatever the multipliers.)
    @inline(__always)
    private static func hash(_ loads: (UInt64, UInt64, UInt64), _ length: Int, _ multipliers: (UInt64, UInt64, UInt64), _ shift: UInt64) -> UInt64 {
        // A masking shift: `shift` is below 64, and the smart shift's check for more cost a compare and a branch a word.
        (loads.0 &* multipliers.0 &+ loads.1 &* multipliers.1 &+ loads.2 &* multipliers.2 &+ UInt64(truncatingIfNeeded: length)) &>> shift
    }

    /// The loads that identify a word of `count` bytes, 1 to 24 (with `count`: two words of
    /// the same length and loads are the same word). Every byte is in a load.
    @inline(__always)
    static func loads(_ bytes: UnsafeRawPointer, _ count: Int) -> (UInt64, UInt64, UInt64) {
        if count >= 8 {
            let first = bytes.loadUnaligned(as: UInt64.self)
            let middle = count > 16 ? bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self) : 0
            let last = bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            return (first, middle, last)
        }
        if count >= 4 {
            let first = UInt64(bytes.loadUnaligned(as: UInt32.self))
            let last = UInt64(bytes.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
            return (first | last << 32, 0, 0)
        }
        if count >= 2 {
            let first = UInt64(bytes.loadUnaligned(as: UInt16.self))
            let last = UInt64(bytes.loadUnaligned(fromByteOffset: count - 2, as: UInt16.self))
            return (first | last << 16, 0, 0)
        }
        return (UInt64(bytes.load(as: UInt8.self)), 0, 0)
    }

    /// The position of the word spelled by `bytes` in the list the table was made from, or -1.
    @inline(__always)
    func index(of bytes: UnsafeRawBufferPointer) -> Int {
        let count = bytes.count
        guard count > 0, count <= Self.maxLength, let base = bytes.baseAddress else { return -1 }
        let loads = Self.loads(base, count)
        let entry = entries[Int(slots[Int(Self.hash(loads, count, multipliers, shift))])]
        return Int(entry.length) == count && entry.loads == loads ? Int(entry.index) : -1
    }
}

/// The word tables the typed reader matches bytes against, made once.
///
/// A pointer to tables that are never freed, so handing it to a function is
/// a copy of one word that touches no reference count. Every worker reads the
/// same tables: a class instance, retained for each value read, would have its
/// count bounce between the cores' caches, and a struct holding the tables
/// would be copied whole beside an `inout` writer, once per value written.
///
/// Code on the hot path keeps its own copy, so it does not go through the
/// lazy initialisation check of a global on every lookup.
struct Vocabulary: @unchecked Sendable {
    /// What the tables are.
    struct Tables {
        /// ``KnownKey`` names, in ``KnownKey/ordered`` order.
        let keys = WordTable(KnownKey.ordered.map(\.rawValue))
        /// ``MetadataKind`` names, in `allCases` order.
        let metadataKinds = WordTable(MetadataKind.allCases.map(\.rawValue))
        /// The kinds ``metadataKinds`` matches, at the index it gives.
        let metadataKindValues = neverFreed(MetadataKind.allCases)
        /// Their names, made once rather than once per metadata item.
        let metadataKindNames = neverFreed(MetadataKind.allCases.map(\.rawValue))
        /// Every spelling ``IssueType`` knows, in ``IssueType/spellings`` order.
        let issueTypes = WordTable(IssueType.spellings.map(\.spelling))
        /// The issue types ``issueTypes`` matches, at the index it gives.
        let issueTypeValues = neverFreed(IssueType.spellings.map { IssueType(rawValue: $0.spelling) })
        /// The media types this version knows, in `MediaType.known` order.
        let mediaTypes = WordTable(MediaType.known.map(\.rawValue))
        /// The media types ``mediaTypes`` matches, at the index it gives (here rather than read from
        /// `MediaType.known`, a global array whose reference count every worker would touch).
        let mediaTypeValues = neverFreed(MediaType.known)
    }

    private let tables: UnsafePointer<Tables>
    /// The short strings made lately, on the one thread that reads with this copy; none in
    /// ``shared``. (A builder puts its own here: see ``string(_:)``.)
    var shortStrings: ShortStrings?

    static let shared = Vocabulary(tables: UnsafePointer(neverFreed([Tables()])))

    /// The string `bytes` spell (invalid UTF-8 repaired), found among ``shortStrings`` when
    /// it is one of them.
    @inline(__always)
    func string(_ bytes: UnsafeRawBufferPointer) -> String {
        if let shortStrings { return shortStrings.string(bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// ``Tables/keys``.
    var keys: WordTable { tables.pointee.keys }
    /// ``Tables/metadataKinds``.
    var metadataKinds: WordTable { tables.pointee.metadataKinds }
    /// ``Tables/metadataKindValues``.
    var metadataKindValues: UnsafeMutablePointer<MetadataKind> { tables.pointee.metadataKindValues }
    /// ``Tables/metadataKindNames``.
    var metadataKindNames: UnsafeMutablePointer<String> { tables.pointee.metadataKindNames }
    /// ``Tables/issueTypes``.
    var issueTypes: WordTable { tables.pointee.issueTypes }
    /// ``Tables/issueTypeValues``.
    var issueTypeValues: UnsafeMutablePointer<IssueType> { tables.pointee.issueTypeValues }
    /// ``Tables/mediaTypes``.
    var mediaTypes: WordTable { tables.pointee.mediaTypes }
    /// ``Tables/mediaTypeValues``.
    var mediaTypeValues: UnsafeMutablePointer<MediaType> { tables.pointee.mediaTypeValues }
}

/// `values` copied into memory that is never freed, in whole cache lines of their own, so
/// that the cores that read it never lose it to a write to something beside it.
func neverFreed<Value>(_ values: [Value]) -> UnsafeMutablePointer<Value> {
    let cacheLine = 64
    let bytes = (max(values.count, 1) * MemoryLayout<Value>.stride + cacheLine - 1) / cacheLine * cacheLine
    let alignment = max(cacheLine, MemoryLayout<Value>.alignment)
    let memory = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: alignment)
        .bindMemory(to: Value.self, capacity: values.count)
    memory.initialize(from: values, count: values.count)
    return memory
}

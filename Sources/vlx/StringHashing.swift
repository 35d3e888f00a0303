import VLExport

/// A fast 64-bit hash of a string's UTF-8 bytes, the same on every run.
///
/// `vlx stats` hashes a few strings per media item, millions of times; the
/// standard library's seeded SipHash is made to resist collision attacks,
/// which a counter of an export's values does not need, and costs several
/// times more. This reads eight bytes at a time and ends with MurmurHash3's
/// 64-bit finaliser, which spreads every input bit over the result.
enum StringHashing {
    static func hash(_ string: String) -> UInt64 {
        string.withUTF8Bytes { hash($0) }
    }

    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var offset = 0
        while offset + 8 <= bytes.count {
            hash = (hash ^ bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 31
            offset += 8
        }
        if offset < bytes.count {
            var tail: UInt64 = 0
            for index in offset..<bytes.count { tail = tail << 8 | UInt64(bytes[index]) }
            hash = (hash ^ tail) &* 0x94D0_49BB_1331_11EB
        }
        hash ^= hash >> 33
        hash &*= 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 33
        hash &*= 0xC4CE_B9FE_1A85_EC53
        hash ^= hash >> 33
        return hash
    }
}

/// Counts how often each string occurs.
///
/// Made for what `vlx stats` counts: a few distinct values (type names,
/// labels, tags) repeated over millions of items. An open-addressing table
/// keyed by ``StringHashing``, with the hash kept beside each key so that a
/// probe compares strings only when the hashes agree.
struct StringTally {
    private struct Entry {
        var hash: UInt64
        var key: String
        var count: Int
    }

    private var entries: [Entry?] = Array(repeating: nil, count: 16)
    private(set) var distinctCount = 0

    /// Counts one occurrence of `key`.
    mutating func add(_ key: String) {
        add(key, hash: StringHashing.hash(key))
    }

    /// Counts one occurrence of `key`, whose ``StringHashing`` hash is `hash`.
    mutating func add(_ key: String, hash: UInt64) {
        let mask = entries.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while let entry = entries[slot] {
            if entry.hash == hash, entry.key == key {
                entries[slot]!.count += 1
                return
            }
            slot = (slot + 1) & mask
        }
        entries[slot] = Entry(hash: hash, key: key, count: 1)
        distinctCount += 1
        if distinctCount * 2 > entries.count { grow() }
    }

    /// The counts, by key.
    var counts: [String: Int] {
        var counts: [String: Int] = [:]
        for case let entry? in entries { counts[entry.key] = entry.count }
        return counts
    }

    /// The sum of all counts.
    var total: Int {
        entries.reduce(0) { $0 + ($1?.count ?? 0) }
    }

    private mutating func grow() {
        let old = entries
        entries = Array(repeating: nil, count: old.count * 2)
        let mask = entries.count - 1
        for case let entry? in old {
            var slot = Int(truncatingIfNeeded: entry.hash) & mask
            while entries[slot] != nil { slot = (slot + 1) & mask }
            entries[slot] = entry
        }
    }
}

/// An identifier as `vlx` keeps millions of them: a UUID in its canonical lowercase form
/// (`8621054d-1d23-4ca7-a7ca-65feb2c83eb1`, which every real export writes) as its 128 bits,
/// anything else as its text.
enum PackedIdentifier: Hashable, Sendable {
    case uuid(high: UInt64, low: UInt64)
    case text(String)

    init(_ text: String) {
        if let (high, low) = Self.uuidBits(text) {
            self = .uuid(high: high, low: low)
        } else {
            self = .text(text)
        }
    }

    /// The identifier as it was written.
    var text: String {
        switch self {
        case .text(let text):
            return text
        case .uuid(let high, let low):
            let digits = Array("0123456789abcdef".utf8)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(36)
            for (word, range) in [(high, 0..<16), (low, 16..<32)] {
                for digit in range {
                    if digit == 8 || digit == 12 || digit == 16 || digit == 20 { bytes.append(UInt8(ascii: "-")) }
                    bytes.append(digits[Int(word >> (60 - 4 * UInt64(digit % 16)) & 0xF)])
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// The 128 bits of a canonical lowercase UUID; nil for any other text.
    static func uuidBits(_ text: String) -> (UInt64, UInt64)? {
        var text = text
        return text.withUTF8 { bytes -> (UInt64, UInt64)? in
            guard bytes.count == 36, bytes[8] == UInt8(ascii: "-"), bytes[13] == UInt8(ascii: "-"),
                  bytes[18] == UInt8(ascii: "-"), bytes[23] == UInt8(ascii: "-")
            else { return nil }
            var words: (UInt64, UInt64) = (0, 0)
            var isHex = true
            for position in 0..<36 where position != 8 && position != 13 && position != 18 && position != 23 {
                let byte = bytes[position]
                let digit = byte &- UInt8(ascii: "0")
                let letter = byte &- UInt8(ascii: "a")
                isHex = isHex && (digit < 10 || letter < 6)
                let value = UInt64(digit < 10 ? digit : letter &+ 10)
                if position < 18 { words.0 = words.0 << 4 | value } else { words.1 = words.1 << 4 | value }
            }
            return isHex ? words : nil
        }
    }
}

/// Identifiers, each with a 64-bit value: UUIDs in a ``UUIDTable`` (24 bytes a slot), any other
/// identifier in a dictionary of its text.
struct IdentifierTable {
    private var uuids = UUIDTable()
    private var others: [String: UInt64] = [:]

    /// Adds the identifier with `value` unless it is there; returns the value it already had, or nil.
    mutating func insertIfAbsent(_ identifier: PackedIdentifier, value: UInt64) -> UInt64? {
        switch identifier {
        case .uuid(let high, let low):
            return uuids.insertIfAbsent(high: high, low: low, value: value)
        case .text(let text):
            if let existing = others[text] { return existing }
            others[text] = value
            return nil
        }
    }

    /// The value of the identifier, if it is there.
    func value(for identifier: PackedIdentifier) -> UInt64? {
        switch identifier {
        case .uuid(let high, let low): uuids.value(high: high, low: low)
        case .text(let text): others[text]
        }
    }
}

/// A set of 128-bit keys, each with a 64-bit value: open addressing with linear probing, in
/// two flat arrays (16 bytes of key and 8 of value per slot), at most 7/8 full.
///
/// A slot costs 24 bytes, so a million keys take 27 to 55 MB (the table doubles when it
/// passes 7/8), and about half as much again while it doubles. A Swift dictionary of the same
/// entries, at most 3/4 full, takes 32 to 64 MB.
struct UUIDTable {
    /// Two words per slot: the key's high and low halves; (0, 0) marks an empty slot.
    private var keys: [UInt64]
    private var values: [UInt64]
    private var mask: Int
    private(set) var count = 0
    /// The all-zero key's value: its bits mark empty slots, so it is kept aside.
    private var zeroKeyValue: UInt64?

    init() {
        let capacity = 1 << 10
        keys = [UInt64](repeating: 0, count: 2 * capacity)
        values = [UInt64](repeating: 0, count: capacity)
        mask = capacity - 1
    }

    /// Adds the key with `value` unless it is there; returns the value it already had, or nil.
    mutating func insertIfAbsent(high: UInt64, low: UInt64, value: UInt64) -> UInt64? {
        if high == 0, low == 0 {
            if let existing = zeroKeyValue { return existing }
            zeroKeyValue = value
            return nil
        }
        var slot = Self.slot(high: high, low: low, mask: mask)
        while true {
            let slotHigh = keys[2 * slot]
            let slotLow = keys[2 * slot + 1]
            if slotHigh == high, slotLow == low { return values[slot] }
            if slotHigh == 0, slotLow == 0 { break }
            slot = (slot + 1) & mask
        }
        keys[2 * slot] = high
        keys[2 * slot + 1] = low
        values[slot] = value
        count += 1
        if count > (mask + 1) / 8 * 7 { grow() }
        return nil
    }

    /// The key's value, if it is there.
    func value(high: UInt64, low: UInt64) -> UInt64? {
        if high == 0, low == 0 { return zeroKeyValue }
        var slot = Self.slot(high: high, low: low, mask: mask)
        while true {
            let slotHigh = keys[2 * slot]
            let slotLow = keys[2 * slot + 1]
            if slotHigh == high, slotLow == low { return values[slot] }
            if slotHigh == 0, slotLow == 0 { return nil }
            slot = (slot + 1) & mask
        }
    }

    /// Where a key's probe starts: its bits mixed (UUIDs are random, but not every exporter's).
    private static func slot(high: UInt64, low: UInt64, mask: Int) -> Int {
        var mixed = (high ^ (low &* 0x9E37_79B9_7F4A_7C15)) &* 0xBF58_476D_1CE4_E5B9
        mixed ^= mixed >> 31
        return Int(truncatingIfNeeded: mixed) & mask
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        let capacity = 2 * (mask + 1)
        keys = [UInt64](repeating: 0, count: 2 * capacity)
        values = [UInt64](repeating: 0, count: capacity)
        mask = capacity - 1
        for oldSlot in oldValues.indices {
            let high = oldKeys[2 * oldSlot]
            let low = oldKeys[2 * oldSlot + 1]
            guard high != 0 || low != 0 else { continue }
            var slot = Self.slot(high: high, low: low, mask: mask)
            while keys[2 * slot] != 0 || keys[2 * slot + 1] != 0 { slot = (slot + 1) & mask }
            keys[2 * slot] = high
            keys[2 * slot + 1] = low
            values[slot] = oldValues[oldSlot]
        }
    }
}

/// Eight bytes read as one `UInt64`, and the classic bit tricks that ask, without a loop,
/// whether any of them is a given byte or below a bound: how the writers of JSON and CSV
/// look for the bytes they must escape or quote, eight at a time.
///
/// Each function returns a word whose high bit is set in at least one byte exactly when the
/// answer is yes (bits may also be set above a byte that matched), so that several
/// questions combine with `|` and one test against zero.
package enum ByteWord {
    /// 1 in every byte.
    @inlinable @inline(__always)
    static var ones: UInt64 { 0x0101_0101_0101_0101 }
    /// The high bit of every byte.
    @inlinable @inline(__always)
    static var highs: UInt64 { 0x8080_8080_8080_8080 }

    /// Nonzero when a byte of `word` is `byte` ("has a zero byte", on the word with `byte`
    /// cancelled out).
    @inlinable @inline(__always)
    package static func matches(_ byte: UInt8, in word: UInt64) -> UInt64 {
        let cancelled = word ^ (ones &* UInt64(byte))
        return (cancelled &- ones) & ~cancelled & highs
    }

    /// Nonzero when a byte of `word` is below `bound`, which is at most 128 ("has a byte less
    /// than n").
    @inlinable @inline(__always)
    package static func bytes(below bound: UInt8, in word: UInt64) -> UInt64 {
        (word &- ones &* UInt64(bound)) & ~word & highs
    }

    /// Whether `bytes` holds any of four bytes, eight at a time, then byte by byte: how
    /// ``TableRowWriter`` asks whether a text needs quotes or escapes. (In this module, where
    /// ``matches(_:in:)`` is inlined; another module calls it once per word and byte.)
    static func containsAny(_ first: UInt8, _ second: UInt8, _ third: UInt8, _ fourth: UInt8, in bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let count = bytes.count
        var index = 0
        while index + 8 <= count {
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if matches(first, in: word) | matches(second, in: word) | matches(third, in: word) | matches(fourth, in: word) != 0 {
                return true
            }
            index += 8
        }
        while index < count {
            let byte = base.load(fromByteOffset: index, as: UInt8.self)
            if byte == first || byte == second || byte == third || byte == fourth { return true }
            index += 1
        }
        return false
    }

    /// Whether every byte of `bytes` is ASCII (below 128), eight at a time.
    @inlinable
    package static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var index = 0
        var seen: UInt64 = 0
        while index + 8 <= count {
            seen |= base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < count {
            seen |= UInt64(base.load(fromByteOffset: index, as: UInt8.self))
            index += 1
        }
        return seen & highs == 0
    }
}

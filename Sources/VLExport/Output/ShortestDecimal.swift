/// The text Swift gives a finite `Double` (`description`: the shortest digits that read back
/// as the same number), written as bytes, quickly for the numbers exports hold most.
///
/// `vlx ndjson --normalize` and `vlx table` write millions of confidences, scores and
/// boxes (`0.887193`, `0.96`, `6120.0`); `description` makes a `String` for each, a third
/// of the cost of writing one. Here a number of at least 0.001 and below 10^15 whose
/// shortest form has at most nine digits after the point is found by scaling: the first
/// count of decimals whose rounded scaled value reads back as the number. Where the
/// scaling could hide a shorter form (a number whose spacing to the next `Double` is not
/// tiny next to the last digit), and for every other number, `description` is used.
enum ShortestDecimal {
    /// The most bytes ``put(_:at:)`` writes: the standard library spells a `Double` in a
    /// buffer of 32 bytes.
    static var longestText: Int { 32 }

    /// Appends the text of finite `value`, as `value.description` spells it.
    static func append(_ value: Double, to bytes: inout [UInt8]) {
        bytes.append(maximum: longestText) { at in put(value, at: &at) }
    }

    /// Writes the text of finite `value`, as `value.description` spells it, at `at`, which has
    /// room for ``longestText`` bytes, and moves `at` past it.
    @inline(__always)
    static func put(_ value: Double, at: inout UnsafeMutablePointer<UInt8>) {
        if !putScaled(value, at: &at) {
            var text = value.description  // a short string, stored inline: no allocation
            text.withUTF8 { utf8 in
                let count = min(utf8.count, longestText)
                at.update(from: utf8.baseAddress.unsafelyUnwrapped, count: count)
                at += count
            }
        }
    }

    /// How `append` spells the value of number text that needs no reading: the text itself, or
    /// (for a whole number) the text and `.0`. Nil when the text must be read and written
    /// (``NumberParsing`` and ``append(_:to:)``).
    ///
    /// The text qualifies when it is a decimal in the form `append` writes (no exponent, no
    /// leading zero, no trailing zero after the point, at most nine decimals), with at most
    /// 15 significant digits, at least 0.001 and below 10^15. Such a decimal reads back from
    /// its `Double` unchanged, and no shorter one does: two decimals of at most 15 significant
    /// digits lie further apart than the spacing of doubles near them.
    static func spelling(ofNumberText text: UnsafeRawBufferPointer) -> (text: UnsafeRawBufferPointer, appendsPointZero: Bool)? {
        let count = text.count
        guard count > 0, count <= 26, let base = text.baseAddress else { return nil }
        var index = 0
        if base.load(as: UInt8.self) == UInt8(ascii: "-") { index = 1 }
        let integerStart = index
        while index < count, isDigit(base.load(fromByteOffset: index, as: UInt8.self)) { index += 1 }
        let integerDigits = index - integerStart
        guard integerDigits > 0, integerDigits <= 15 else { return nil }
        let leadsWithZero = base.load(fromByteOffset: integerStart, as: UInt8.self) == UInt8(ascii: "0")
        if leadsWithZero, integerDigits > 1 { return nil }
        if index == count {
            // A whole number: not zero (below 0.001), written with `.0`.
            return leadsWithZero ? nil : (text, true)
        }
        guard base.load(fromByteOffset: index, as: UInt8.self) == UInt8(ascii: ".") else { return nil }
        index += 1
        let fractionStart = index
        while index < count, isDigit(base.load(fromByteOffset: index, as: UInt8.self)) { index += 1 }
        let decimals = index - fractionStart
        guard index == count, decimals > 0, decimals <= 9,
              base.load(fromByteOffset: count - 1, as: UInt8.self) != UInt8(ascii: "0")
        else { return nil }
        var significant = integerDigits + decimals
        if leadsWithZero {
            // 0.00ddd: the zeros are not significant; a fourth zero is below 0.001.
            var zeros = 0
            while base.load(fromByteOffset: fractionStart + zeros, as: UInt8.self) == UInt8(ascii: "0") { zeros += 1 }
            guard zeros <= 2 else { return nil }
            significant = decimals - zeros
        }
        return significant <= 15 ? (text, false) : nil
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// The fast path; false, with nothing written, when it does not apply.
    @inline(__always)
    static func putScaled(_ value: Double, at: inout UnsafeMutablePointer<UInt8>) -> Bool {
        let magnitude = value.magnitude
        guard magnitude >= 1e-3, magnitude < 1e15 else { return false }
        let spacing = magnitude.ulp
        if spacing * 1e9 < 1e-3 {
            // Below about 4,500, where nine decimals are unique (as below): the value scaled by
            // 10^9 once, its trailing zeros dropped. A shorter form would read back the same
            // and so scale to the same digits with zeros after them, and one that does not read
            // back at nine decimals does not at fewer: this is the form the loop below finds,
            // with one division where the loop makes one for each count of decimals it tries.
            let scaled = Double(Int64(magnitude * 1e9 + 0.5))
            guard scaled / 1e9 == magnitude else { return false }
            var digits = UInt64(scaled)
            var decimals = 9
            var scale: UInt64 = 1_000_000_000
            while decimals > 0, digits % 10 == 0 {
                digits /= 10
                decimals -= 1
                scale /= 10
            }
            put(digits: digits, decimals: decimals, scale: scale, negative: value < 0, at: &at)
            return true
        }
        // 10^decimals, exact as a double.
        var power = 1.0
        for decimals in 0...9 {
            // A form with this many decimals is unique, and is the rounded scaled value, only
            // while the gap between neighbouring doubles is far below its last digit.
            guard spacing * power < 1e-3 else { return false }
            // That gap also keeps the scaled value below 2^53 / 1000, where adding a half is
            // exact and truncating the sum rounds to nearest as `rounded()` does, without
            // the call into libm that `rounded()` is on x86-64.
            let scaled = Double(Int64(magnitude * power + 0.5))
            if scaled / power == magnitude {
                put(digits: UInt64(scaled), decimals: decimals, scale: UInt64(power), negative: value < 0, at: &at)
                return true
            }
            power *= 10
        }
        return false
    }

    /// Writes `digits` with a point before its last `decimals` digits (and `.0` when there are
    /// none), and a minus sign first when `negative`, at `at`, and moves `at` past them.
    /// `scale` is 10 to the power `decimals`.
    @inline(__always)
    private static func put(digits: UInt64, decimals: Int, scale: UInt64, negative: Bool, at: inout UnsafeMutablePointer<UInt8>) {
        // The digits before the point (at least one), counted to write the text backwards
        // from its end: below 10^15 here, so the bound cannot overflow.
        let whole = digits / scale
        var wholeDigits = 1
        var bound: UInt64 = 10
        while whole >= bound {
            wholeDigits += 1
            bound &*= 10
        }
        let length = (negative ? 1 : 0) + wholeDigits + 1 + max(decimals, 1)
        var end = at + length
        var remaining = digits
        func putBefore(_ byte: UInt8) {
            end -= 1
            end.pointee = byte
        }
        if decimals == 0 {
            putBefore(UInt8(ascii: "0"))
        } else {
            for _ in 0..<decimals {
                putBefore(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining % 10))
                remaining /= 10
            }
        }
        putBefore(UInt8(ascii: "."))
        repeat {
            putBefore(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining % 10))
            remaining /= 10
        } while remaining > 0
        if negative { putBefore(UInt8(ascii: "-")) }
        at += length
    }
}

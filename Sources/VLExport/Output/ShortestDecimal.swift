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
    /// Appends the text of finite `value`, as `value.description` spells it.
    static func append(_ value: Double, to bytes: inout [UInt8]) {
        if !appendScaled(value, to: &bytes) {
            var text = value.description  // a short string, stored inline: no allocation
            text.withUTF8 { bytes.append(contentsOf: $0) }
        }
    }

    /// The fast path; false, with nothing written, when it does not apply.
    @inline(__always)
    static func appendScaled(_ value: Double, to bytes: inout [UInt8]) -> Bool {
        let magnitude = value.magnitude
        guard magnitude >= 1e-3, magnitude < 1e15 else { return false }
        let spacing = magnitude.ulp
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
                write(digits: UInt64(scaled), decimals: decimals, negative: value < 0, to: &bytes)
                return true
            }
            power *= 10
        }
        return false
    }

    /// Writes `digits` with a point before its last `decimals` digits (and `.0` when there are
    /// none), and a minus sign first when `negative`.
    private static func write(digits: UInt64, decimals: Int, negative: Bool, to bytes: inout [UInt8]) {
        // At most 16 digits, a point, a zero before it, and a sign.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
            var end = buffer.count
            var remaining = digits
            func put(_ byte: UInt8) {
                end -= 1
                buffer[end] = byte
            }
            if decimals == 0 {
                put(UInt8(ascii: "0"))
                put(UInt8(ascii: "."))
            } else {
                for _ in 0..<decimals {
                    put(UInt8(ascii: "0") + UInt8(remaining % 10))
                    remaining /= 10
                }
                put(UInt8(ascii: "."))
            }
            repeat {
                put(UInt8(ascii: "0") + UInt8(remaining % 10))
                remaining /= 10
            } while remaining > 0
            if negative { put(UInt8(ascii: "-")) }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[end...]))
        }
    }
}

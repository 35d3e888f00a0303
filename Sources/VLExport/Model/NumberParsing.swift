/// Number text to `Double` and `Int`, fast for the forms exports are made of.
///
/// Confidences, scores and thresholds are decimals such as `0.977624` or
/// `0.5230671798509814`. When a decimal's digits, read as one integer, are at
/// most 2^53 and it has at most 22 digits after the point, the value is an
/// exactly representable integer divided by an exact power of ten, and one
/// IEEE division rounds it correctly (Clinger's fast path). Anything else
/// goes to the standard library's parser.
enum NumberParsing {
    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// The value of JSON number text, or nil when the text is not a number.
    static func double(fromJSONNumber text: String) -> Double? {
        var text = text
        return text.withUTF8 { double(fromJSONNumber: UnsafeRawBufferPointer($0)) }
    }

    /// The value of JSON number bytes, or nil when they are not a number.
    static func double(fromJSONNumber bytes: UnsafeRawBufferPointer) -> Double? {
        if let fast = fastDouble(bytes) { return fast }
        return Double(String(decoding: bytes, as: UTF8.self))
    }

    /// The value as an `Int` when it is whole and fits, from JSON number text.
    static func int(fromJSONNumber text: String) -> Int? {
        var text = text
        return text.withUTF8 { int(fromJSONNumber: UnsafeRawBufferPointer($0)) }
    }

    /// The value as an `Int` when it is whole and fits, from JSON number bytes.
    static func int(fromJSONNumber bytes: UnsafeRawBufferPointer) -> Int? {
        if let exact = exactInt(bytes) { return exact }
        guard let value = double(fromJSONNumber: bytes), value.rounded() == value,
              value >= -9.007_199_254_740_992e15, value <= 9.007_199_254_740_992e15 else { return nil }
        return Int(value)
    }

    /// An optional minus and up to 18 digits: the integers exports are made of.
    private static func exactInt(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var index = 0
        var negative = false
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            index = 1
        }
        guard index < bytes.count, bytes.count - index <= 18 else { return nil }
        var value = 0
        while index < bytes.count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + Int(digit)
            index += 1
        }
        return negative ? -value : value
    }

    /// An optional minus, digits, and an optional fraction, whose digits make an integer of at most 2^53.
    private static func fastDouble(_ bytes: UnsafeRawBufferPointer) -> Double? {
        let count = bytes.count
        // A minus, a point and 19 digits at most: 19 digits cannot overflow the mantissa.
        guard count > 0, count <= 21, let base = bytes.baseAddress else { return nil }
        var index = 0
        let negative = base.load(as: UInt8.self) == UInt8(ascii: "-")
        if negative { index = 1 }
        var mantissa: UInt64 = 0
        let integerStart = index
        index = accumulateDigits(base, from: index, to: count, into: &mantissa)
        let integerDigits = index - integerStart
        var fractionDigits = 0
        if index < count, base.load(fromByteOffset: index, as: UInt8.self) == UInt8(ascii: ".") {
            let fractionStart = index + 1
            index = accumulateDigits(base, from: fractionStart, to: count, into: &mantissa)
            fractionDigits = index - fractionStart
            if fractionDigits == 0 { return nil }
        }
        // Anything left (an exponent, a stray byte) or too many digits: the slow path.
        guard index == count, integerDigits > 0, integerDigits + fractionDigits <= 19, mantissa <= 1 << 53 else { return nil }
        let value = Double(mantissa) / exactPowersOfTen[fractionDigits]
        return negative ? -value : value
    }

    /// Reads decimal digits from `start` on into `mantissa`; returns the index of the first byte that is not one.
    @inline(__always)
    private static func accumulateDigits(_ base: UnsafeRawPointer, from start: Int, to count: Int, into mantissa: inout UInt64) -> Int {
        var index = start
        while index < count {
            let digit = base.load(fromByteOffset: index, as: UInt8.self) &- UInt8(ascii: "0")
            if digit > 9 { break }
            mantissa = mantissa &* 10 &+ UInt64(digit)
            index += 1
        }
        return index
    }
}

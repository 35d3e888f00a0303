/// Number text to `Double` and `Int`, fast for the forms exports are made of.
///
/// Confidences, scores and thresholds are short decimals (`0.977624`). For a
/// decimal with at most 15 significant digits and a small exponent, the value
/// is an exactly representable integer divided or multiplied by an exact power
/// of ten, and one IEEE operation rounds it correctly (Clinger's fast path).
/// Anything else goes to the standard library's parser.
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

    private static func fastDouble(_ bytes: UnsafeRawBufferPointer) -> Double? {
        var index = 0
        let count = bytes.count
        guard count > 0, count <= 24 else { return nil }
        var negative = false
        if bytes[0] == UInt8(ascii: "-") {
            negative = true
            index = 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var sawDigit = false
        var inFraction = false
        while index < count {
            let byte = bytes[index]
            if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                sawDigit = true
                if mantissa != 0 || byte != UInt8(ascii: "0") { digits += 1 }
                mantissa = mantissa &* 10 &+ UInt64(byte &- UInt8(ascii: "0"))
                if inFraction { fractionDigits += 1 }
            } else if byte == UInt8(ascii: "."), !inFraction {
                inFraction = true
            } else {
                return nil  // an exponent or anything unusual: the slow path
            }
            index += 1
        }
        guard sawDigit, digits <= 15, fractionDigits <= 22 else { return nil }
        var value = Double(mantissa) / exactPowersOfTen[fractionDigits]
        if negative { value = -value }
        return value
    }
}

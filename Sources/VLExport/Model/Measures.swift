/// A file size as exports write it (`"3.38MB"`, `"48.27KB"`), with a derived byte count.
///
/// The format does not say whether a kilobyte is 1000 or 1024 bytes. Sizes
/// such as `"32.00KB"`, common in real exports, are round only in binary
/// units, so ``approximateBytes`` reads the units as powers of 1024. The
/// value has two decimals, so the count is approximate.
public struct FileSize: Sendable, Hashable, CustomStringConvertible {
    /// The size as written.
    public var text: String
    /// The size in bytes, when the text has the form number + unit (B, KB, MB, GB, TB).
    public var approximateBytes: Int?

    /// Reads a `file_size` value.
    public init(text: String) {
        self.text = text
        approximateBytes = FileSize.bytes(in: text)
    }

    /// The text.
    public var description: String { text }

    /// Reads number + unit from the text's bytes; runs once per media item, so it
    /// neither makes arrays nor uses Unicode character properties.
    private static func bytes(in text: String) -> Int? {
        text.withUTF8Bytes { bytes(in: $0) }
    }

    private static func bytes(in utf8: UnsafeRawBufferPointer) -> Int? {
        let space = UInt8(ascii: " ")
        var end = utf8.count
        while end > 0, utf8[end - 1] == space { end -= 1 }
        // The unit: up to three ASCII letters, lowercased and packed into one integer.
        var unitStart = end
        while unitStart > 0, end - unitStart < 4, (utf8[unitStart - 1] | 0x20) >= UInt8(ascii: "a"), (utf8[unitStart - 1] | 0x20) <= UInt8(ascii: "z") {
            unitStart -= 1
        }
        guard end - unitStart <= 3 else { return nil }
        var unit: UInt32 = 0
        for index in unitStart..<end { unit = unit << 8 | UInt32(utf8[index] | 0x20) }
        var numberEnd = unitStart
        while numberEnd > 0, utf8[numberEnd - 1] == space { numberEnd -= 1 }
        var numberStart = 0
        while numberStart < numberEnd, utf8[numberStart] == space { numberStart += 1 }
        guard numberStart < numberEnd,
              let value = NumberParsing.double(fromJSONNumber: UnsafeRawBufferPointer(rebasing: utf8[numberStart..<numberEnd])),
              value.isFinite, value >= 0 else { return nil }
        let multiplier: Double
        switch unit {  // the letters in hex: 0x6b6962 is "kib"
        case 0, 0x62: multiplier = 1  // "", "b"
        case 0x6b62, 0x6b6962, 0x6b: multiplier = 1024  // "kb", "kib", "k"
        case 0x6d62, 0x6d6962, 0x6d: multiplier = 1024 * 1024  // "mb", "mib", "m"
        case 0x6762, 0x676962, 0x67: multiplier = 1024 * 1024 * 1024  // "gb", "gib", "g"
        case 0x7462, 0x746962, 0x74: multiplier = 1024 * 1024 * 1024 * 1024  // "tb", "tib", "t"
        default: return nil
        }
        let bytes = (value * multiplier).rounded()
        return bytes < 9e18 ? Int(bytes) : nil
    }
}

/// Where a frame is in its video, in seconds, and the text it was read from.
///
/// The documentation writes `"01:42:00"` (hours, minutes, seconds), other
/// documentation `"00:00:00.567"`, and real exports a number of seconds.
public struct FrameTimestamp: Sendable, Hashable, CustomStringConvertible {
    /// Seconds from the start of the video.
    public var seconds: Double
    /// The value as written when it was a string; nil when it was a number.
    public var text: String?

    /// A timestamp given in seconds.
    public init(seconds: Double) {
        self.seconds = seconds
        text = nil
    }

    /// Reads `HH:MM:SS`, `MM:SS` or `SS`, each with optional decimals; nil for anything else.
    public init?(text: String) {
        guard let seconds = Self.seconds(ofWholeClock: text) ?? Self.seconds(ofClock: text) else { return nil }
        self.seconds = seconds
        self.text = text
    }

    /// The seconds of `HH:MM:SS`, `MM:SS` or `SS`, each part read as a `Double`; nil when a
    /// part is not a finite number of at least 0, or there are more than three.
    static func seconds(ofClock text: String) -> Double? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var total = 0.0
        for part in parts {
            guard let value = Double(part), value >= 0, value.isFinite else { return nil }
            total = total * 60 + value
        }
        return total
    }

    /// The seconds of a clock whose parts are whole numbers (`01:42:00`, at most three parts
    /// of at most nine digits), read byte by byte: the value ``seconds(ofClock:)`` gives (such
    /// parts are exact as doubles), without splitting the text or calling `strtod` for each
    /// part. Nil for any other text, which ``seconds(ofClock:)`` judges.
    private static func seconds(ofWholeClock text: String) -> Double? {
        var total = 0.0
        var part = 0
        var digits = 0
        var parts = 1
        for byte in text.utf8 {
            if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                part = part * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
                if digits > 9 { return nil }
            } else if byte == UInt8(ascii: ":"), digits > 0, parts < 3 {
                total = total * 60 + Double(part)
                part = 0
                digits = 0
                parts += 1
            } else {
                return nil
            }
        }
        return digits > 0 ? total * 60 + Double(part) : nil
    }

    /// The text as written, or the seconds.
    public var description: String { text ?? String(seconds) }
}

/// An object's box: `[x, y, width, height]` in pixels, from the top-left corner.
///
/// Visual Layer's documentation says so, and real boxes fit only this reading
/// (x + width never passes the image width). Values may be fractional.
public struct BoundingBox: Sendable, Hashable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    /// Creates a box from its corner and size.
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

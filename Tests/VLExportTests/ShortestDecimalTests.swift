import Testing
import TestSupport
@testable import VLExport

/// ``ShortestDecimal`` writes what `description` writes, on every kind of number: its fast
/// path may only ever decline, never differ.
@Suite(.hangLimit) struct ShortestDecimalTests {
    static func written(_ value: Double) -> String {
        var bytes: [UInt8] = []
        ShortestDecimal.append(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func itWritesWhatDescriptionWrites() {
        var generator = SeededGenerator(state: 0x5D0C)
        var values: [Double] = [
            0, -0.0, 1, -1, 0.1, 0.001, 0.0009999, 0.0001, 1e-5, 0.887193, 0.96307, 6120, 42.5, 1e15, 999_999_999_999_999.9,
            9_007_199_254_740_992, 0.30000000000000004, 1.0 / 3, 2.0 / 3, 123_456.789, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
        ]
        for _ in 0..<200_000 {
            // Decimals as exports write them (up to nine places, at every scale), numbers
            // next to them, and doubles of any bits.
            let places = Int.random(in: 0...9, using: &generator)
            let scale = Double([1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9][places])
            let decimal = Double(Int.random(in: -99_999_999_999...99_999_999_999, using: &generator)) / scale
            values.append(decimal)
            values.append(decimal.nextUp)
            values.append(Double.random(in: 0..<1, using: &generator))
            values.append(Double.random(in: -1e6...1e6, using: &generator))
            let bits = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &generator))
            if bits.isFinite { values.append(bits) }
        }
        var mismatches: [String] = []
        for value in values where Self.written(value) != value.description {
            mismatches.append("\(value.description) written as \(Self.written(value))")
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
        #expect(values.count > 900_000)
    }

    /// The fast path is the one taken for the numbers exports hold most (else the comparison
    /// above would only test `description` against itself).
    @Test func theFastPathTakesTheCommonNumbers() {
        for value in [0.887193, 0.96, 6120.0, -42.5, 0.001, 123_456.789] {
            let (taken, text) = Self.scaled(value)
            #expect(taken, "\(value)")
            #expect(text == value.description)
        }
        let (taken, text) = Self.scaled(1.0 / 3)
        #expect(!taken && text.isEmpty)
    }

    /// Whether the fast path took `value`, and what it wrote.
    static func scaled(_ value: Double) -> (Bool, String) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ShortestDecimal.longestText) { buffer in
            let start = buffer.baseAddress!
            var at = start
            let taken = ShortestDecimal.putScaled(value, at: &at)
            return (taken, String(decoding: UnsafeBufferPointer(start: start, count: start.distance(to: at)), as: UTF8.self))
        }
    }
}

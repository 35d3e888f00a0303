import Testing
import TestSupport
@testable import VLExport

/// A frame timestamp's two readings: whole clocks byte by byte, the rest by splitting.
@Suite(.hangLimit) struct FrameTimestampTests {
    /// Whole clocks are read byte by byte, everything else by splitting and `Double`: both
    /// give what splitting and `Double` give (`seconds(ofClock:)`), on random texts of digits,
    /// colons and the bytes that make a text odd (long digit runs, signs, exponents, spaces,
    /// empty parts).
    @Test func frameTimestampsOfEveryShapeGiveTheGeneralReading() {
        var generator = SeededGenerator(state: 0xC10C)
        let pieces = ["0", "1", "7", "9", "00", "59", "123456789", "1234567890", ":", ":", ":", ".", "5", "+", "-", "e", " ", "inf", "0x1"]
        var wholeClocks = 0
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 0...7, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            let read = FrameTimestamp(text: text)
            #expect(read?.seconds == FrameTimestamp.seconds(ofClock: text), "\(text)")
            if let read { #expect(read.text == text) }
            if !text.isEmpty, text.utf8.allSatisfy({ $0 == UInt8(ascii: ":") || ($0 >= 48 && $0 <= 57) }), read != nil { wholeClocks += 1 }
        }
        // Both readings were taken many times.
        #expect(wholeClocks > 1000)
        #expect(FrameTimestamp(text: "01:42:00")?.seconds == 6120)
        #expect(FrameTimestamp(text: "99:59:59")?.seconds == 359_999)
    }
}

import Testing
import TestSupport
@testable import vlx

/// The counters behind `vlx stats`, against the standard library's dictionary.
@Suite(.hangLimit) struct StringTallyTests {
    @Test func countsWhatADictionaryCounts() {
        var generator = SeededGenerator.printingSeed(for: "StringTallyTests")
        // Short and long, ASCII and not, the empty string, and enough distinct keys to grow the table several times.
        let keys = (0..<300).map { "label-\($0)" } + ["", "é", "日本語のラベル", String(repeating: "x", count: 100), "00000000-0000-4000-8000-000000000000"]
        var tally = StringTally()
        var expected: [String: Int] = [:]
        for _ in 0..<20_000 {
            let key = keys.randomElement(using: &generator)!
            tally.add(key)
            expected[key, default: 0] += 1
        }
        #expect(tally.counts == expected)
        #expect(tally.distinctCount == expected.count)
        #expect(tally.total == 20_000)
    }

    @Test func theHashDependsOnEveryByteAndOnNothingElse() {
        let text = "00000000-0000-4000-8000-000000000017"
        #expect(StringHashing.hash(text) == StringHashing.hash(String(text.reversed().reversed())))
        var seen: Set<UInt64> = []
        // Every one-byte change at every position, and every prefix: no two alike.
        for position in text.utf8.indices {
            var bytes = Array(text.utf8)
            bytes[text.utf8.distance(from: text.utf8.startIndex, to: position)] ^= 1
            seen.insert(StringHashing.hash(String(decoding: bytes, as: UTF8.self)))
        }
        for length in 0...text.utf8.count {
            seen.insert(StringHashing.hash(String(text.utf8.prefix(length))!))
        }
        #expect(seen.count == 2 * text.utf8.count + 1)
    }
}

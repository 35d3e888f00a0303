import Testing
import TestSupport
@testable import vlx

/// The tables of identifiers behind `vlx merge` and `vlx clean --dedupe`, against a Swift
/// dictionary as the reference.
@Suite(.hangLimit) struct MediaIDIndexTests {
    @Test func theTableAgreesWithADictionaryThroughEveryGrowth() {
        var table = UUIDTable()
        var reference: [String: UInt64] = [:]
        var generator = SeededGenerator.printingSeed(for: "MediaIDIndexTests")
        // Random keys, keys that differ in one half only, sequential keys and the all-zero key.
        var keys: [(UInt64, UInt64)] = (0..<40_000).map { _ in (generator.next(), generator.next()) }
        keys += (0..<5_000).map { (UInt64(7), UInt64($0)) } + (0..<5_000).map { (UInt64($0), UInt64(7)) } + [(0, 0)]
        for round in 0..<2 {
            for (position, key) in keys.enumerated() {
                let name = "\(key.0)-\(key.1)"
                let expected = reference[name]
                if expected == nil { reference[name] = UInt64(position) }
                #expect(table.insertIfAbsent(high: key.0, low: key.1, value: UInt64(position)) == expected, "round \(round), key \(position)")
            }
        }
        #expect(table.count == reference.count - 1)  // the all-zero key is kept aside
        for (position, key) in keys.enumerated().prefix(1_000) {
            #expect(table.value(high: key.0, low: key.1) == reference["\(key.0)-\(key.1)"], "key \(position)")
        }
        #expect(table.value(high: 3, low: 3) == nil)
    }

    /// A packed identifier gives back the text it was made from; the table finds each by value.
    @Test func packedIdentifiersKeepTheirText() {
        var generator = SeededGenerator.printingSeed(for: "packedIdentifiers")
        var texts = ["image-0001", "7", "", "8621054D-1D23-4CA7-A7CA-65FEB2C83EB1", "00000000-0000-0000-0000-000000000000"]
        for _ in 0..<200 {
            let hex = (0..<32).map { _ in String(generator.next() % 16, radix: 16) }.joined()
            let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
            texts.append(parts.joined(separator: "-"))
        }
        var table = IdentifierTable()
        for (position, text) in texts.enumerated() {
            let packed = PackedIdentifier(text)
            #expect(packed.text == text)
            if case .uuid = packed { #expect(text.count == 36 && text == text.lowercased(), "\(text)") }
            #expect(table.insertIfAbsent(packed, value: UInt64(position)) == nil)
        }
        for (position, text) in texts.enumerated() {
            #expect(table.value(for: PackedIdentifier(text)) == UInt64(position))
            #expect(table.insertIfAbsent(PackedIdentifier(text), value: 99) == UInt64(position))
        }
        #expect(table.value(for: PackedIdentifier("absent")) == nil)
    }

    @Test func aCanonicalUUIDIsSixteenBytesAndAnyOtherIdAString() {
        let bits = MediaIDIndex.uuidBits("8621054d-1d23-4ca7-a7ca-65feb2c83eb1")
        #expect(bits?.0 == 0x8621_054d_1d23_4ca7 && bits?.1 == 0xa7ca_65fe_b2c8_3eb1)
        for other in ["8621054D-1D23-4CA7-A7CA-65FEB2C83EB1", "8621054d1d234ca7a7ca65feb2c83eb1", "8621054d-1d23-4ca7-a7ca-65feb2c83eb", "image-0001", ""] {
            #expect(MediaIDIndex.uuidBits(other) == nil, "\(other)")
        }
        var index = MediaIDIndex()
        #expect(index.insert("image-0001", contentHash: 1, ordinal: 0) == nil)
        #expect(index.insert("8621054d-1d23-4ca7-a7ca-65feb2c83eb1", contentHash: 2, ordinal: 1) == nil)
        #expect(index.insert("image-0001", contentHash: 3, ordinal: 2)?.ordinal == 0)
        let first = index.insert("8621054d-1d23-4ca7-a7ca-65feb2c83eb1", contentHash: 4, ordinal: 3)
        #expect(first?.contentHash == 2 && first?.ordinal == 1)
        // Upper case is another string, as JSON compares strings.
        #expect(index.insert("8621054D-1D23-4CA7-A7CA-65FEB2C83EB1", contentHash: 2, ordinal: 4) == nil)
    }
}

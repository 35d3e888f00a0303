import Testing
import TestSupport
@testable import vlx

/// The set of media_ids behind `vlx merge`, against a Swift dictionary as the reference.
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

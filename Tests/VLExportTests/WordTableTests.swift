import Testing
import TestSupport
@testable import VLExport

/// The perfect-hash tables the typed walk matches keys and short values against: each word is
/// found at its place in its list, and nothing else is found, checked against a dictionary.
@Suite(.hangLimit) struct WordTableTests {
    /// The tables the walk uses, with the words each was made from.
    static let vocabularyTables: [(name: String, table: WordTable, words: [String])] = [
        ("keys", Vocabulary.shared.keys, KnownKey.ordered.map(\.rawValue)),
        ("metadata kinds", Vocabulary.shared.metadataKinds, MetadataKind.allCases.map(\.rawValue)),
        ("issue types", Vocabulary.shared.issueTypes, IssueType.spellings.map(\.spelling)),
        ("media types", Vocabulary.shared.mediaTypes, MediaType.known.map(\.rawValue)),
    ]

    @Test func everyWordIsFoundAtItsPlace() {
        for (name, table, words) in Self.vocabularyTables {
            for (index, word) in words.enumerated() {
                #expect(Self.lookUp(word, in: table) == index, "\(name): \(word)")
            }
        }
    }

    /// The known keys' table stays small enough to keep its cache lines while the input
    /// streams through the cache (a table of whole entries took 40 KB).
    @Test func theKeysTableIsSmall() {
        #expect(Vocabulary.shared.keys.byteCount <= 4096)
    }

    /// Each word with one byte changed, cut short by one byte, grown by one byte, and every
    /// other word's spelling: found only when it is a word of the table.
    @Test func nearMissesAreNotFound() {
        for (name, table, words) in Self.vocabularyTables {
            let reference = Dictionary(uniqueKeysWithValues: words.enumerated().map { (Array($0.element.utf8), $0.offset) })
            var probes: [[UInt8]] = []
            for word in words {
                let bytes = Array(word.utf8)
                probes.append(Array(bytes.dropLast()))
                probes.append(bytes + [UInt8(ascii: "s")])
                probes.append([UInt8(ascii: "_")] + bytes)
                for position in bytes.indices {
                    var changed = bytes
                    changed[position] ^= 0x01
                    probes.append(changed)
                }
            }
            for probe in probes + Self.vocabularyTables.flatMap({ $0.words.map { Array($0.utf8) } }) {
                let found = probe.withUnsafeBytes { table.index(of: $0) }
                #expect(found == (reference[probe] ?? -1), "\(name): \(String(decoding: probe, as: UTF8.self))")
            }
        }
    }

    /// 254 random words over four letters, of every length a word may have, and their table,
    /// made once: a table's memory is never freed, and a table a global holds is no leak to
    /// the address sanitizer (the walk's own tables are held the same way).
    static let randomWords: (list: [[UInt8]], table: WordTable) = {
        var generator = SeededGenerator(state: 0x5EED)
        var words: Set<[UInt8]> = []
        while words.count < 254 {
            let length = Int.random(in: 1...WordTable.maxLength, using: &generator)
            words.insert((0..<length).map { _ in UInt8.random(in: 0x61...0x64, using: &generator) })
        }
        let list = words.sorted { $0.lexicographicallyPrecedes($1) }
        return (list, WordTable(list.map { String(decoding: $0, as: UTF8.self) }))
    }()

    /// A table as large as one may be, against random probes of every length (including ones
    /// too long to be a word).
    @Test func randomWordsAndProbesAgreeWithADictionary() {
        let (list, table) = Self.randomWords
        var generator = SeededGenerator(state: 0xF00D)
        let reference = Dictionary(uniqueKeysWithValues: list.enumerated().map { ($0.element, $0.offset) })
        for word in list {
            #expect(word.withUnsafeBytes { table.index(of: $0) } == reference[word])
        }
        var foundCount = 0
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...(WordTable.maxLength + 4), using: &generator)
            let probe = (0..<length).map { _ in UInt8.random(in: 0x61...0x64, using: &generator) }
            let found = probe.withUnsafeBytes { table.index(of: $0) }
            #expect(found == (reference[probe] ?? -1))
            if found >= 0 { foundCount += 1 }
        }
        // Short probes over four letters hit words often: the probes test both answers.
        #expect(foundCount > 100)
    }

    private static func lookUp(_ word: String, in table: WordTable) -> Int {
        Array(word.utf8).withUnsafeBytes { table.index(of: $0) }
    }
}

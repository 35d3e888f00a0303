import CVLXScan
import Foundation
import Testing
import TestSupport
@_spi(Parallel) @testable import VLExport

/// The scanner against a byte-at-a-time reference, in every chunking.
@Suite(.hangLimit) struct StructureScannerTests {
    /// What the reference and the scanner both report: the brackets that leave the depth at
    /// most 2, then the final depth, whether the scan ends inside a string, and where the last
    /// byte up to 0x20 outside strings ends.
    struct Outcome: Equatable, CustomStringConvertible {
        var brackets: [String] = []
        var depth = 0
        var inString = false
        var whitespaceEnd = 0
        var description: String { "\(brackets) depth \(depth) inString \(inString) whitespaceEnd \(whitespaceEnd)" }
    }

    /// The reference: one byte at a time, as the JSON grammar reads strings and escapes. (A
    /// backslash escapes the next byte wherever it stands, as in the scanner: outside a
    /// string, where JSON has none, that only changes what invalid input is taken for.)
    static func reference(_ bytes: [UInt8]) -> Outcome {
        referenceReading(bytes).outcome
    }

    /// The deepest depth any bracket outside strings reaches, by the reference's reading.
    static func deepest(_ bytes: [UInt8]) -> Int {
        referenceReading(bytes).deepest
    }

    /// The reference's reading: its outcome, and the deepest depth on the way.
    static func referenceReading(_ bytes: [UInt8]) -> (outcome: Outcome, deepest: Int) {
        var outcome = Outcome()
        var deepest = 0
        var inString = false
        var escaped = false
        for (offset, byte) in bytes.enumerated() {
            if !inString, byte <= 0x20 { outcome.whitespaceEnd = offset + 1 }
            if escaped {
                escaped = false
                continue
            }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                continue
            }
            if inString {
                if byte == UInt8(ascii: "\"") { inString = false }
            } else {
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "}"), UInt8(ascii: "]"):
                    let opens = byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[")
                    outcome.depth += opens ? 1 : -1
                    deepest = max(deepest, outcome.depth)
                    if outcome.depth <= StructureScanner.reportedDepth || (opens && outcome.depth == StructureScanner.reportedDepth + 1) {
                        outcome.brackets.append("\(Character(UnicodeScalar(byte)))@\(offset)d\(outcome.depth)")
                    }
                default: break
                }
            }
        }
        outcome.inString = inString
        return (outcome, deepest)
    }

    /// Every way this processor can classify bytes: one at a time, SSE2, AVX2.
    static let levels = Array(0...CVLXScan_bestLevel())

    static func scanned(_ bytes: [UInt8], chunkSizes: [Int], level: Int32) -> Outcome {
        var scanner = StructureScanner(level: level)
        var outcome = Outcome()
        var start = 0
        var turn = 0
        while start < bytes.count {
            let size = max(1, chunkSizes[turn % chunkSizes.count])
            turn += 1
            let end = min(bytes.count, start + size)
            bytes[start..<end].withUnsafeBytes { chunk in
                scanner.scan(chunk) { bracket in
                    outcome.brackets.append("\(Character(UnicodeScalar(bracket.byte)))@\(bracket.offset)d\(bracket.depthAfter)")
                }
            }
            start = end
        }
        outcome.depth = scanner.depth
        outcome.inString = scanner.isInString
        outcome.whitespaceEnd = scanner.whitespaceEnd
        #expect(scanner.offset == bytes.count)
        // The bound holds every depth a bracket reached (the start's 0 included).
        #expect(scanner.depthBound >= deepest(bytes), "depth bound \(scanner.depthBound)")
        return outcome
    }

    static let chunkings: [[Int]] = [[1], [7], [63], [64], [65], [1000], [1 << 20], [3, 61, 64, 1, 200]]

    func expectAgreement(_ bytes: [UInt8], _ name: String) {
        let expected = Self.reference(bytes)
        for level in Self.levels {
            for sizes in Self.chunkings {
                let got = Self.scanned(bytes, chunkSizes: sizes, level: level)
                let firstDifference = zip(got.brackets, expected.brackets).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                #expect(got == expected, "\(name), level \(level), chunks \(sizes): first difference at \(firstDifference.map { "\($0): \(got.brackets[$0]) vs \(expected.brackets[$0])" } ?? "the end: \(got) vs \(expected)")")
            }
        }
    }

    @Test func fixturesAgreeWithTheReference() throws {
        for name in ["real-export-extreme.json", "edge-cases.json", "odd-values.json", "seed-example.json"] {
            let bytes = try Fixture.bytes(name)
            expectAgreement(bytes, name)
            #expect(!Self.reference(bytes).brackets.isEmpty)
        }
    }

    /// Strings made of quotes, backslashes and brackets, in every arrangement a seeded
    /// generator finds: runs of backslashes of every length, escaped quotes, brackets
    /// inside strings, across block and chunk edges.
    @Test func escapesAndQuotesInEveryArrangement() {
        var generator = SeededGenerator(state: 0xBAC5)
        let alphabet = Array(#"\\\\""{}[]a ,:Y_y"#.utf8) + [0x0A, 0x7F]
        for round in 0..<400 {
            let length = Int.random(in: 1...300, using: &generator)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            expectAgreement(bytes, "random \(round)")
        }
    }

    @Test func itemsWithEscapedQuotesStraddlingEveryEdge() {
        // An export whose items hold strings of escaped quotes and backslashes, shifted byte by byte
        // so that every part of them falls on a block edge in turn.
        let item = #"{"media_id":"a\"b\\","file_name":"\\\"}]\\\\","metadata_items":[{"type":"issue","properties":{"x":"[{\""}}]}"#
        for shift in 0..<70 {
            let text = String(repeating: " ", count: shift) + #"{"info":{},"media_items":["# + Array(repeating: item, count: 5).joined(separator: ",\n") + "]}"
            expectAgreement(Array(text.utf8), "shift \(shift)")
            let outcome = Self.reference(Array(text.utf8))
            #expect(outcome.depth == 0)
            #expect(outcome.brackets.count(where: { $0.hasPrefix("}") && $0.hasSuffix("d2") }) == 5)
        }
    }

    @Test func deepNesting() {
        let bytes = Array((String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)).utf8)
        expectAgreement(bytes, "5000 deep")
        // Openings to depth 1, 2 and 3, closings to depth 2, 1 and 0.
        #expect(Self.reference(bytes).brackets.count == 6)
    }

    /// The vector classes of each 64-byte block, at every level this processor has, against
    /// the byte loop, on blocks of every byte value (the bytes next to the classes' bounds above
    /// all: 0x20 and 0x21, 0x7F and 0x80, and the bytes that differ from a bracket by one bit).
    @Test func vectorClassesAreTheByteLoopsClasses() {
        var generator = SeededGenerator(state: 0xC1A5)
        let nearBounds: [UInt8] = [0x00, 0x09, 0x0A, 0x1F, 0x20, 0x21, 0x22, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x7F, 0x80, 0xA0, 0xDB, 0xFB, 0xFD, 0xFF]
        var blocks: [[UInt8]] = (0..<4).map { part in (0..<64).map { UInt8(part * 64 + $0) } }
        for _ in 0..<2000 {
            blocks.append((0..<64).map { _ in
                Bool.random(using: &generator) ? nearBounds.randomElement(using: &generator)! : UInt8.random(in: 0...255, using: &generator)
            })
        }
        func masks(_ classes: CVLXScan_Classes) -> [UInt64] {
            [classes.quotes, classes.backslashes, classes.brackets, classes.closers, classes.spaces, classes.commas]
        }
        for block in blocks {
            let bytes = block.withUnsafeBufferPointer { masks(CVLXScan_classifyBytes($0.baseAddress!)) }
            let inlined = block.withUnsafeBufferPointer { masks(CVLXScan_classify($0.baseAddress!)) }
            #expect(inlined == bytes, "\(block)")
            for level in Self.levels {
                let atLevel = block.withUnsafeBufferPointer { masks(CVLXScan_classifyAtLevel(level, $0.baseAddress!)) }
                #expect(atLevel == bytes, "level \(level): \(block)")
            }
        }
        // Every byte value is in the blocks once; the classes count them as JSON does.
        let counts = blocks.prefix(4).reduce(into: [0, 0, 0, 0, 0, 0]) { counts, block in
            let classes = block.withUnsafeBufferPointer { CVLXScan_classifyBytes($0.baseAddress!) }
            for (index, mask) in [classes.quotes, classes.backslashes, classes.brackets, classes.closers, classes.spaces, classes.commas].enumerated() {
                counts[index] += mask.nonzeroBitCount
            }
        }
        #expect(counts == [1, 1, 4, 2, 33, 1])
    }

    /// The scan uses AVX2 where `/proc/cpuinfo` shows the processor has it (with POPCNT), and
    /// SSE2 on any other x86-64 processor.
    @Test func theBestLevelIsWhatTheProcessorHas() throws {
        #if arch(x86_64) && os(Linux)
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = Set(cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
        #expect(!flags.isEmpty)
        let expected = flags.contains("avx2") && flags.contains("popcnt") ? CVLXScan_levelAVX2 : CVLXScan_levelSSE2
        #expect(CVLXScan_bestLevel() == Int32(expected))
        #endif
    }
}

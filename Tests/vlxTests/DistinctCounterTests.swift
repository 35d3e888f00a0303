import Testing
import TestSupport
@testable import vlx

/// The bounded distinct count behind `vlx stats`' duplicate_groups.
@Suite(.hangLimit) struct DistinctCounterTests {
    @Test func countsExactlyUpToTheLimit() {
        var counter = DistinctCounter()
        for round in 0..<3 {
            for value in 0..<1000 { counter.insert("group-\(value)") }
            #expect(counter.count == 1000, "round \(round)")
        }
        #expect(counter.isExact)
    }

    @Test(arguments: [20_000, 150_000, 600_000, 2_000_000])
    func estimatesWithinTwoPercentPastTheLimit(_ distinct: Int) {
        var counter = DistinctCounter()
        for value in 0..<distinct {
            counter.insert("00000000-0000-4000-8000-\(value)")
            if value % 3 == 0 { counter.insert("00000000-0000-4000-8000-\(value)") }
        }
        #expect(!counter.isExact)
        let error = abs(Double(counter.count - distinct)) / Double(distinct)
        // 2^14 registers: a standard error of 0.8%; 2% is two and a half of them.
        #expect(error < 0.02, "estimate \(counter.count) for \(distinct)")
    }
}

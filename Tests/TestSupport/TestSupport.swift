// What both test targets share: a seeded generator and the suites' time limit.

import Foundation
import Testing

/// A deterministic generator (SplitMix64), so that "random" test data is the same on every run.
public struct SeededGenerator: RandomNumberGenerator {
    public var state: UInt64

    public init(state: UInt64) {
        self.state = state
    }

    /// A generator for a test that draws fresh values each run: seeded from `VLX_TEST_SEED` when
    /// it is set, else at random, and the seed printed, so that a failure can be run again.
    public static func printingSeed(for test: String) -> SeededGenerator {
        let seed = ProcessInfo.processInfo.environment["VLX_TEST_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64.max)
        print("\(test): seed \(seed) (VLX_TEST_SEED=\(seed) repeats it)")
        return SeededGenerator(state: seed)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Trait where Self == TimeLimitTrait {
    /// Every suite's limit for one test: far above any test's time (speed is measured by the
    /// benchmarks, not here), so that a hang fails the test instead of stalling the run. Under
    /// a sanitizer (`Scripts/test.sh --sanitize`, which sets `VLX_SANITIZER`) code runs several
    /// times slower, and the parallel walk's largest tests take most of 15 minutes: twice that.
    public static var hangLimit: Self {
        .timeLimit(.minutes(ProcessInfo.processInfo.environment["VLX_SANITIZER"] == nil ? 15 : 30))
    }
}

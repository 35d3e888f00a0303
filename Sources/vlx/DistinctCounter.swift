/// Counts distinct strings in bounded memory: exactly up to a limit, then by estimate.
///
/// An export can hold millions of duplicate groups, and a set of them all
/// would grow with the export. Up to ``exactLimit`` values the count is exact;
/// past it the counter switches to HyperLogLog with 2^14 registers (16 KiB,
/// a standard error of about 0.8%), as DuckDB's approx_count_distinct does.
/// Values are kept as their 64-bit ``StringHashing`` hashes: two of 16,384
/// values share one with a chance of about 1 in 10^11.
struct DistinctCounter {
    static let exactLimit = 16_384
    private static let registerBits = 14

    private var exact: Set<UInt64> = []
    private var registers: [UInt8] = []

    /// Whether ``count`` is exact.
    var isExact: Bool { registers.isEmpty }

    mutating func insert(_ value: String) {
        insert(hash: StringHashing.hash(value))
    }

    /// Counts the value whose ``StringHashing`` hash is `hash`.
    mutating func insert(hash: UInt64) {
        if isExact {
            exact.insert(hash)
            if exact.count > Self.exactLimit {
                registers = [UInt8](repeating: 0, count: 1 << Self.registerBits)
                for seen in exact { add(hash: seen) }
                exact = []
            }
        } else {
            add(hash: hash)
        }
    }

    var count: Int {
        guard !isExact else { return exact.count }
        let m = Double(registers.count)
        var sum = 0.0
        var zeros = 0
        for register in registers {
            sum += 1 / Double(1 << Int(register))
            if register == 0 { zeros += 1 }
        }
        let alpha = 0.7213 / (1 + 1.079 / m)
        let estimate = alpha * m * m / sum
        // Small range correction (linear counting), as in the HyperLogLog paper.
        if estimate <= 2.5 * m, zeros > 0 { return Int((m * log(m / Double(zeros))).rounded()) }
        return Int(estimate.rounded())
    }

    private mutating func add(hash: UInt64) {
        let index = Int(hash >> (64 - UInt64(Self.registerBits)))
        let rest = hash << UInt64(Self.registerBits)
        let rank = UInt8(min(rest.leadingZeroBitCount, 64 - Self.registerBits) + 1)
        if rank > registers[index] { registers[index] = rank }
    }
}

#if canImport(Glibc)
import Glibc
#endif

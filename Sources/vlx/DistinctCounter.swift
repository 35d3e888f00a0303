/// Counts distinct strings in bounded memory: exactly up to a limit, then by estimate.
///
/// An export can hold millions of duplicate groups, and a set of them all
/// would grow with the export. Up to ``exactLimit`` values the count is exact;
/// past it the counter switches to HyperLogLog with 2^14 registers (16 KiB,
/// a standard error of about 0.8%), as DuckDB's approx_count_distinct does.
struct DistinctCounter {
    static let exactLimit = 16_384
    private static let registerBits = 14

    private var exact: Set<String> = []
    private var registers: [UInt8] = []

    /// Whether ``count`` is exact.
    var isExact: Bool { registers.isEmpty }

    mutating func insert(_ value: String) {
        if isExact {
            exact.insert(value)
            if exact.count > Self.exactLimit {
                registers = [UInt8](repeating: 0, count: 1 << Self.registerBits)
                for seen in exact { add(hash: Self.hash(seen)) }
                exact = []
            }
        } else {
            add(hash: Self.hash(value))
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

    /// A multiply-xorshift over the UTF-8 bytes, then MurmurHash3's 64-bit finaliser:
    /// well spread, and the same on every run (unlike `Hasher`).
    private static func hash(_ value: String) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15
        for byte in value.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 29
        }
        hash ^= hash >> 33
        hash &*= 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 33
        hash &*= 0xC4CE_B9FE_1A85_EC53
        hash ^= hash >> 33
        return hash
    }
}

#if canImport(Glibc)
import Glibc
#endif

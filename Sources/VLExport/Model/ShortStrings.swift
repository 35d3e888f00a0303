/// The short strings one reader made lately, found again by their bytes.
///
/// Most strings of a media item are short and come back item after item: an image label's
/// `category_name` and `source`, an issue's suggested label, a video's name. Swift keeps a
/// string of at most 15 bytes inside the value, with no storage to allocate or count, but
/// making one still checks its bytes as UTF-8 and packs them. Finding it here instead is two
/// loads, a multiply and a compare.
///
/// Only ASCII strings of 1 to 15 bytes are kept, in a table of 256 entries where a new
/// string takes the place of the one whose slot it shares. A string found is then two words
/// copied, with no reference count: strings kept here share no storage with any other
/// thread's. The table belongs to one thread (a builder's), and is freed by its owner with
/// ``deallocate()``.
struct ShortStrings: @unchecked Sendable {
    // @unchecked: the entries are read and written by the one thread that owns the table.

    private struct Entry {
        var first: UInt64
        var last: UInt64
        var count: Int
        var string: String
    }

    private static let slotBits = 8
    private static let slotCount = 1 << slotBits
    private let entries: UnsafeMutablePointer<Entry>

    private init(entries: UnsafeMutablePointer<Entry>) {
        self.entries = entries
    }

    /// A new, empty table.
    static func allocate() -> ShortStrings {
        let entries = UnsafeMutablePointer<Entry>.allocate(capacity: slotCount)
        entries.initialize(repeating: Entry(first: 0, last: 0, count: 0, string: ""), count: slotCount)
        return ShortStrings(entries: entries)
    }

    /// Frees the table; neither it nor a copy of it is used after.
    func deallocate() {
        entries.deinitialize(count: Self.slotCount)
        entries.deallocate()
    }

    /// The string `bytes` spell (invalid UTF-8 repaired, as `String(decoding:as:)` does).
    @inline(__always)
    func string(_ bytes: UnsafeRawBufferPointer) -> String {
        let count = bytes.count
        guard count > 0, count < 16, let base = bytes.baseAddress else { return String(decoding: bytes, as: UTF8.self) }
        // With the count, the first and last of the loads hold every byte of a word this short.
        let loads = WordTable.loads(base, count)
        guard (loads.0 | loads.2) & ByteWord.highs == 0 else { return String(decoding: bytes, as: UTF8.self) }
        let slot = (loads.0 &* 0x9E37_79B9_7F4A_7C15 &+ loads.2 &* 0xC2B2_AE3D_27D4_EB4F &+ UInt64(count)) >> UInt64(64 - Self.slotBits)
        let entry = entries + Int(slot)
        if entry.pointee.count == count, entry.pointee.first == loads.0, entry.pointee.last == loads.2 {
            return entry.pointee.string
        }
        let made = String(decoding: bytes, as: UTF8.self)
        entry.pointee = Entry(first: loads.0, last: loads.2, count: count, string: made)
        return made
    }
}

/// Removes insignificant white space from JSON text, leaving strings untouched.
///
/// The raw walk copies each media item's bytes out of the input as they are,
/// so escapes and number text are exactly what the export had; this pass
/// makes them one line. Real exports are compact: a buffer with no byte up to
/// space (no white space anywhere, which is what a compact export's items hold
/// unless a string has a space) is copied whole, after a check eight bytes at a time.
enum JSONCompactor {
    /// `source` without white space outside strings, as a new array.
    static func compacted(_ source: UnsafeRawBufferPointer) -> [UInt8] {
        if !containsSpaceOrControl(source) { return Array(source) }
        return [UInt8](unsafeUninitializedCapacity: source.count) { output, written in
            written = compact(source, into: output.baseAddress!)
        }
    }

    /// Whether any byte is a space or a control character (0x00 to 0x20), white space among them.
    static func containsSpaceOrControl(_ source: UnsafeRawBufferPointer) -> Bool {
        guard let base = source.baseAddress else { return false }
        var position = 0
        while source.count - position >= 8 {
            if spaceOrControlBytes(base.loadUnaligned(fromByteOffset: position, as: UInt64.self)) != 0 { return true }
            position += 8
        }
        while position < source.count {
            if source[position] <= 0x20 { return true }
            position += 1
        }
        return false
    }

    /// The high bit of each byte of `word` that is a space or a control character (0x00 to 0x20).
    @inline(__always)
    private static func spaceOrControlBytes(_ word: UInt64) -> UInt64 {
        // Adding 0x5F to a byte's low seven bits sets its high bit from 0x21 on; no lane carries.
        ~(((word & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x5F5F_5F5F_5F5F_5F5F) | word) & 0x8080_8080_8080_8080
    }

    /// Writes `source` without white space outside strings to `output`; returns the count written.
    ///
    /// `output` must have room for `source.count` bytes.
    static func compact(_ source: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<UInt8>) -> Int {
        guard let input = source.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        let count = source.count
        var read = 0
        var write = 0
        while read < count {
            let byte = input[read]
            if byte == UInt8(ascii: "\"") {
                // Copy the whole string, escapes and all, up to its closing quote.
                output[write] = byte
                write += 1
                read += 1
                while read < count {
                    let inner = input[read]
                    output[write] = inner
                    write += 1
                    read += 1
                    if inner == UInt8(ascii: "\\") {
                        if read < count {
                            output[write] = input[read]
                            write += 1
                            read += 1
                        }
                    } else if inner == UInt8(ascii: "\"") {
                        break
                    }
                }
            } else {
                if !(byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09) {
                    output[write] = byte
                    write += 1
                }
                read += 1
            }
        }
        return write
    }
}

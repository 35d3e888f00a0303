import CVLXScan

extension RawMediaItem {
    /// The paths of object keys that appear more than once in the same object, in document
    /// order, each once per object: `media_items[3].metadata_items[0].properties.confidence`.
    ///
    /// The same answer as ``JSONValue/duplicateKeyPaths(under:)`` on the parsed item, read
    /// straight from the compact bytes with no value built. Keys are compared as written,
    /// escapes and all (`"a"` and `"\u0061"` count as different keys). An item from
    /// ``ExportReader/mediaItemsWithJSON`` whose typed walk met every key of each object once
    /// is answered without reading its bytes again.
    public func duplicateKeyPaths() -> [String] {
        // The typed walk that read the item may already know that no key repeats.
        if keysAreKnownDistinct { return [] }
        return json.withUnsafeBytes { bytes in
            // Most items have no repeated key: the block scan says so at several bytes a cycle,
            // and only then are the paths named.
            guard DuplicateKeyScanner.hasRepeatedKey(in: bytes) else { return [] }
            return DuplicateKeyScanner.paths(in: bytes, prefix: ItemPath.mediaItem(index))
        }
    }
}

/// Finds repeated keys in compact JSON (no white space, as ``JSONCompactor`` writes it).
enum DuplicateKeyScanner {
    private struct Frame {
        var isObject: Bool
        /// Where this object's keys start in the list of keys seen.
        var firstKey: Int
        /// The array position, or the object's last key (an index into the keys), for paths.
        var position: Int
        /// Keys already reported as repeated in this object.
        var reported: [Int] = []
    }

    /// The paths of the repeated keys in `bytes`, each under `prefix`: a byte-by-byte scan, for
    /// the items ``hasRepeatedKey(in:)`` finds.
    static func paths(in bytes: UnsafeRawBufferPointer, prefix: String) -> [String] {
        var found: [String] = []
        var frames: [Frame] = []
        frames.reserveCapacity(8)
        var keys: [Range<Int>] = []
        keys.reserveCapacity(64)
        var expectingKey = false
        var position = 0
        let count = bytes.count
        while position < count {
            switch bytes[position] {
            case UInt8(ascii: "{"):
                frames.append(Frame(isObject: true, firstKey: keys.count, position: -1))
                expectingKey = true
            case UInt8(ascii: "["):
                frames.append(Frame(isObject: false, firstKey: keys.count, position: 0))
                expectingKey = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if let frame = frames.popLast(), frame.isObject { keys.removeSubrange(frame.firstKey...) }
                expectingKey = false
            case UInt8(ascii: ","):
                if let last = frames.indices.last {
                    if frames[last].isObject { expectingKey = true } else { frames[last].position += 1 }
                }
            case UInt8(ascii: "\""):
                let start = position + 1
                position = closingQuote(in: bytes, from: start)
                if expectingKey, let last = frames.indices.last {
                    let key = start..<min(position, count)
                    let earlier = keys[frames[last].firstKey...].firstIndex { equal(bytes, $0, key) }
                    keys.append(key)
                    frames[last].position = keys.count - 1
                    if let earlier, !frames[last].reported.contains(where: { equal(bytes, keys[$0], key) }) {
                        frames[last].reported.append(earlier)
                        found.append(path(frames, keys, bytes, prefix))
                    }
                    expectingKey = false
                }
            default:
                break
            }
            position += 1
        }
        return found
    }

    /// Whether an object in the compact JSON `bytes` holds a key more than once, read 64 bytes
    /// at a time: each block's quotes, backslashes, brackets and commas as bit masks
    /// (`CVLXScan`), its strings from ``StringBlocks``, then only the bytes that matter, in
    /// order: brackets, and the quotes that open a key (after `{` or a comma, in an object),
    /// each key ending at the next closing quote.
    ///
    /// Each open object keeps a 64-bit filter of its keys (one bit per key, chosen by a hash of
    /// its length and first eight bytes): a key whose bit is not yet set is new, with no
    /// comparison. Only when the bit is set are the object's earlier keys compared, by length
    /// and first eight bytes, then byte by byte. (A plain loop over the blocks: a function
    /// that called a closure for each block would box its state.)
    static func hasRepeatedKey(in bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        var strings = StringBlocks()
        // The open brackets, innermost last: where an object's keys begin in `keys` and its
        // filter; an array's start is -1.
        var openBrackets = GrowableStack<(keysStart: Int, filter: UInt64)>(capacity: 16)
        var keys = GrowableStack<(fingerprint: UInt64, start: Int, count: Int)>(capacity: 64)
        // Where the key being read begins, when it goes on past its block.
        var keyStart: Int?
        // Whether the last byte of the block before was a `{`, `[` or comma outside a string.
        var carriedOpener: UInt64 = 0
        var blockStart = 0
        // Whether the key at `start` is among the keys of the innermost object so far; adds it if not.
        func isRepeated(start: Int, end: Int) -> Bool {
            let count = end - start
            let print = fingerprint(bytes, start, count)
            let bit = UInt64(1) << (((print ^ UInt64(truncatingIfNeeded: count)) &* 0x9E37_79B9_7F4A_7C15) >> 58)
            let object = openBrackets.last
            if object.pointee.filter & bit != 0 {
                for index in object.pointee.keysStart..<keys.count where keys[index].fingerprint == print && keys[index].count == count {
                    if count <= 8 || memcmp(base + keys[index].start, base + start, count) == 0 { return true }
                }
            }
            object.pointee.filter |= bit
            keys.append((fingerprint: print, start: start, count: count))
            return false
        }
        var padded: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        while blockStart < bytes.count {
            let count = min(64, bytes.count - blockStart)
            let classes: CVLXScan_Classes
            if count == 64 {
                classes = CVLXScan_classify((base + blockStart).assumingMemoryBound(to: UInt8.self))
            } else {
                // The last bytes, in a block of zeros: a zero byte is none of the classes read here.
                classes = withUnsafeMutableBytes(of: &padded) { block in
                    block.baseAddress!.copyMemory(from: base + blockStart, byteCount: count)
                    return CVLXScan_classify(block.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
            let (inside, escaped) = strings.read(quotes: classes.quotes, backslashes: classes.backslashes, count: count)
            let quotes = classes.quotes & ~escaped
            let closingQuotes = quotes & ~inside
            if let start = keyStart {
                // A key that began in an earlier block ends at this block's first closing quote, if any.
                guard closingQuotes != 0 else {
                    blockStart += count
                    continue
                }
                keyStart = nil
                if isRepeated(start: start, end: blockStart + closingQuotes.trailingZeroBitCount) { return true }
            }
            let brackets = classes.brackets & ~inside & ~escaped
            // A key's opening quote follows a `{` or a comma (a `[` or a comma in an array opens
            // a string that is no key: the open bracket tells).
            let openers = ((brackets & ~classes.closers) | (classes.commas & ~inside)) & ~escaped
            let keyOpenings = quotes & inside & (openers << 1 | carriedOpener)
            carriedOpener = openers >> 63
            var events = brackets | keyOpenings
            while events != 0 {
                let position = events.trailingZeroBitCount
                let bit = UInt64(1) << UInt64(position)
                events &= events &- 1
                let offset = blockStart + position
                if keyOpenings & bit != 0 {
                    guard openBrackets.count > 0, openBrackets.last.pointee.keysStart >= 0 else { continue }
                    // The key ends at the next closing quote: in this block, or in a later one.
                    let closing = closingQuotes & ~(bit | (bit &- 1))
                    if closing == 0 {
                        keyStart = offset + 1
                    } else if isRepeated(start: offset + 1, end: blockStart + closing.trailingZeroBitCount) {
                        return true
                    }
                } else if classes.closers & bit == 0 {
                    let isObject = base.load(fromByteOffset: offset, as: UInt8.self) == UInt8(ascii: "{")
                    openBrackets.append((keysStart: isObject ? keys.count : -1, filter: 0))
                } else if openBrackets.count > 0 {
                    let keysStart = openBrackets.removeLast().keysStart
                    if keysStart >= 0 { keys.shrink(to: keysStart) }
                }
            }
            blockStart += count
        }
        return false
    }

    /// The first eight bytes of the `count` bytes at `start` (fewer, zero-filled, for a shorter key).
    @inline(__always)
    private static func fingerprint(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> UInt64 {
        if start + 8 <= bytes.count {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: start, as: UInt64.self))
            return count >= 8 ? word : word & ((1 << UInt64(8 * count)) &- 1)
        }
        var value: UInt64 = 0
        for index in 0..<count { value |= UInt64(bytes[start + index]) << UInt64(8 * index) }
        return value
    }

    /// Where the string whose text starts at `start` ends: the index of its closing quote (the
    /// first quote after an even run of backslashes), or the end of `bytes`. Quotes are found
    /// with `memchr`, so a long value is passed over in a few steps.
    private static func closingQuote(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        guard let base = bytes.baseAddress else { return start }
        var from = start
        while from < bytes.count, let found = memchr(base + from, Int32(UInt8(ascii: "\"")), bytes.count - from) {
            let quote = base.distance(to: UnsafeRawPointer(found))
            var backslashes = 0
            while quote - backslashes - 1 >= start, bytes[quote - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes % 2 == 0 { return quote }
            from = quote + 1
        }
        return bytes.count
    }

    /// A key's text, its escapes decoded.
    private static func key(_ escaped: UnsafeRawBufferPointer) -> String {
        guard escaped.contains(UInt8(ascii: "\\")) else { return String(decoding: escaped, as: UTF8.self) }
        let quoted = [UInt8(ascii: "\"")] + Array(escaped) + [UInt8(ascii: "\"")]
        if case .string(let text)? = try? JSONValue(parsing: quoted) { return text }
        return String(decoding: escaped, as: UTF8.self)
    }

    private static func equal(_ bytes: UnsafeRawBufferPointer, _ first: Range<Int>, _ second: Range<Int>) -> Bool {
        first.count == second.count && memcmp(bytes.baseAddress! + first.lowerBound, bytes.baseAddress! + second.lowerBound, first.count) == 0
    }

    /// The path to the key each frame is at, the item's own frame first.
    private static func path(_ frames: [Frame], _ keys: [Range<Int>], _ bytes: UnsafeRawBufferPointer, _ prefix: String) -> String {
        var text = prefix
        for frame in frames {
            if frame.isObject {
                text += "." + key(UnsafeRawBufferPointer(rebasing: bytes[keys[frame.position]]))
            } else {
                text += "[\(frame.position)]"
            }
        }
        return text
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

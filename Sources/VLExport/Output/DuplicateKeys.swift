extension RawMediaItem {
    /// The paths of object keys that appear more than once in the same object, in document
    /// order, each once per object: `media_items[3].metadata_items[0].properties.confidence`.
    ///
    /// The same answer as ``JSONValue/duplicateKeyPaths(under:)`` on the parsed item, read
    /// straight from the compact bytes with no value built. Keys are compared as written,
    /// escapes and all (`"a"` and `"\u0061"` count as different keys).
    public func duplicateKeyPaths() -> [String] {
        json.withUnsafeBytes { DuplicateKeyScanner.paths(in: $0, prefix: "media_items[\(index)]") }
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

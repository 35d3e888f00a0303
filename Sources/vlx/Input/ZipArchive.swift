import CZlibVLX
import VLExport

#if canImport(Glibc)
import Glibc
#endif

/// The entries of a ZIP archive, read from its central directory, and each entry's data
/// read as a stream: what `vlx` needs of a Visual Layer download.
///
/// Follows PKWARE's APPNOTE: the end of central directory record (with its ZIP64 form,
/// for archives over 4 GiB or 65,535 entries), central directory headers (with the
/// ZIP64 extra field), and local headers, which only place the data. Entries stored or
/// compressed with deflate are read; their CRC-32 and size are checked at the end.
struct ZipArchive {
    /// One file in the archive.
    struct Entry {
        var path: String
        /// 0 stored, 8 deflate; others are refused when read.
        var method: UInt16
        var flags: UInt16
        var crc32: UInt32
        var compressedSize: UInt64
        var uncompressedSize: UInt64
        var localHeaderOffset: UInt64

        /// Whether the entry can be the export: a `.json` file, and not the copy of a file's
        /// attributes that macOS adds to archives it makes (`__MACOSX/…/._name.json`).
        var isExport: Bool {
            let name = path.split(separator: "/").last.map(String.init) ?? ""
            return !path.hasSuffix("/") && name.lowercased().hasSuffix(".json") && !name.hasPrefix("._")
                && !path.hasPrefix("__MACOSX/")
        }
    }

    /// A fault of the archive itself.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let descriptor: Int32
    let entries: [Entry]

    /// Reads the central directory of the archive open on `descriptor`, of `size` bytes.
    init(descriptor: Int32, size: UInt64) throws(Failure) {
        self.descriptor = descriptor
        // The end record is 22 bytes, followed by a comment of at most 65,535.
        let tailSize = min(size, 22 + 0xFFFF)
        let tail = try Self.read(descriptor, at: size - tailSize, count: Int(tailSize))
        guard let endAt = Self.lastIndex(of: Self.endSignature, in: tail, before: tail.count - 21) else {
            throw Failure(description: "no end of central directory record")
        }
        var end = ByteReader(tail, at: endAt + 4)
        end.skip(6)
        var entryCount = UInt64(end.uint16())
        var directorySize = UInt64(end.uint32())
        var directoryOffset = UInt64(end.uint32())
        let endOffset = size - tailSize + UInt64(endAt)
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF, endAt >= 20,
           ByteReader.uint32(in: tail, at: endAt - 20) == Self.zip64LocatorSignature {
            var locator = ByteReader(tail, at: endAt - 20 + 8)
            let recordOffset = locator.uint64()
            guard recordOffset < endOffset else { throw Failure(description: "a ZIP64 end record outside the archive") }
            var record = ByteReader(try Self.read(descriptor, at: recordOffset, count: 56), at: 0)
            guard record.uint32() == Self.zip64EndSignature else { throw Failure(description: "no ZIP64 end of central directory record") }
            record.skip(28)
            entryCount = record.uint64()
            directorySize = record.uint64()
            directoryOffset = record.uint64()
        }
        guard directoryOffset <= endOffset, directorySize <= endOffset - directoryOffset else {
            throw Failure(description: "a central directory outside the archive")
        }
        guard directorySize <= 256 << 20 else { throw Failure(description: "a central directory of \(directorySize) bytes") }
        let directory = try Self.read(descriptor, at: directoryOffset, count: Int(directorySize))
        var reader = ByteReader(directory, at: 0)
        var entries: [Entry] = []
        for _ in 0..<entryCount {
            guard reader.remaining >= 46, reader.uint32() == Self.directorySignature else {
                throw Failure(description: "a damaged central directory")
            }
            reader.skip(4)
            let flags = reader.uint16()
            let method = reader.uint16()
            reader.skip(4)
            let crc32 = reader.uint32()
            var compressedSize = UInt64(reader.uint32())
            var uncompressedSize = UInt64(reader.uint32())
            let nameLength = Int(reader.uint16())
            let extraLength = Int(reader.uint16())
            let commentLength = Int(reader.uint16())
            reader.skip(8)
            var localHeaderOffset = UInt64(reader.uint32())
            guard reader.remaining >= nameLength + extraLength + commentLength else {
                throw Failure(description: "a damaged central directory")
            }
            let path = String(decoding: reader.bytes(nameLength), as: UTF8.self)
            var extra = ByteReader(reader.bytes(extraLength), at: 0)
            reader.skip(commentLength)
            // The ZIP64 extra field holds, in this order, each size or offset the header marks 0xFFFFFFFF.
            while extra.remaining >= 4 {
                let id = extra.uint16()
                let length = Int(extra.uint16())
                guard extra.remaining >= length else { break }
                var field = ByteReader(extra.bytes(length), at: 0)
                guard id == 0x0001 else { continue }
                if uncompressedSize == 0xFFFF_FFFF, field.remaining >= 8 { uncompressedSize = field.uint64() }
                if compressedSize == 0xFFFF_FFFF, field.remaining >= 8 { compressedSize = field.uint64() }
                if localHeaderOffset == 0xFFFF_FFFF, field.remaining >= 8 { localHeaderOffset = field.uint64() }
            }
            entries.append(Entry(
                path: path, method: method, flags: flags, crc32: crc32, compressedSize: compressedSize,
                uncompressedSize: uncompressedSize, localHeaderOffset: localHeaderOffset
            ))
        }
        self.entries = entries
    }

    /// Streams the data of `entry` to `consume`, in pieces of at most 64 KiB, and checks its
    /// size and CRC-32 at the end. An error `consume` throws ends the reading and is rethrown.
    func extract(_ entry: Entry, _ consume: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard entry.flags & 1 == 0 else { throw Failure(description: "\(entry.path) is encrypted") }
        guard entry.method == 0 || entry.method == 8 else {
            let known: [UInt16: String] = [9: "Deflate64", 12: "bzip2", 14: "LZMA", 93: "Zstandard", 95: "XZ", 98: "PPMd"]
            let method = known[entry.method].map { "\($0) (method \(entry.method))" } ?? "method \(entry.method)"
            throw Failure(description: "\(entry.path) is compressed with \(method); vlx reads stored and deflated entries")
        }
        var local = ByteReader(try Self.read(descriptor, at: entry.localHeaderOffset, count: 30), at: 0)
        guard local.uint32() == Self.localSignature else { throw Failure(description: "no local header for \(entry.path)") }
        local.skip(22)
        var offset = entry.localHeaderOffset + 30 + UInt64(local.uint16())
        offset += UInt64(local.uint16())
        var remaining = entry.compressedSize
        var crc = crc32(0, nil, 0)
        var produced: UInt64 = 0
        let inflater = entry.method == 8 ? RawInflater() : nil
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        defer {
            input.deallocate()
            output.deallocate()
        }
        var pending = UnsafeRawBufferPointer(start: nil, count: 0)
        while true {
            if pending.isEmpty, remaining > 0 {
                let count = Int(min(remaining, UInt64(input.count)))
                let read = try SystemCall.retrying { pread(descriptor, input.baseAddress, count, off_t(offset)) }
                guard read > 0 else { throw Failure(description: "\(entry.path) is cut short") }
                offset += UInt64(read)
                remaining -= UInt64(read)
                pending = UnsafeRawBufferPointer(rebasing: input[..<read])
            }
            let piece: UnsafeRawBufferPointer
            var ended = false
            if let inflater {
                let step = try inflater.inflate(pending, into: output)
                pending = UnsafeRawBufferPointer(rebasing: pending[step.consumed...])
                ended = step.ended
                if step.produced == 0, !ended, pending.isEmpty, remaining == 0 {
                    throw Failure(description: "the deflate data of \(entry.path) is cut short")
                }
                piece = UnsafeRawBufferPointer(rebasing: output[..<step.produced])
            } else {
                piece = pending
                pending = UnsafeRawBufferPointer(start: nil, count: 0)
                ended = remaining == 0
            }
            if !piece.isEmpty {
                crc = crc32(crc, piece.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt32(piece.count))
                produced += UInt64(piece.count)
                try consume(piece)
            }
            if ended { break }
        }
        guard produced == entry.uncompressedSize, UInt32(crc) == entry.crc32 else {
            throw Failure(description: "\(entry.path) does not match its CRC-32 and size: the archive is damaged")
        }
    }

    private static let endSignature: UInt32 = 0x0605_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let directorySignature: UInt32 = 0x0201_4B50
    private static let localSignature: UInt32 = 0x0403_4B50

    /// `count` bytes at `offset`, all of them.
    private static func read(_ descriptor: Int32, at offset: UInt64, count: Int) throws(Failure) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let read = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if read < 0, errno == EINTR { continue }
            guard read > 0 else { throw Failure(description: read < 0 ? "cannot read: \(SystemError.current)" : "the archive is cut short") }
            done += read
        }
        return bytes
    }

    /// Where the last `signature` (little-endian) starts at or before `limit`.
    private static func lastIndex(of signature: UInt32, in bytes: [UInt8], before limit: Int) -> Int? {
        var index = min(limit, bytes.count - 4)
        while index >= 0 {
            if ByteReader.uint32(in: bytes, at: index) == signature { return index }
            index -= 1
        }
        return nil
    }
}

/// Reads little-endian integers and byte runs from a buffer, moving on as it goes; reads past
/// the end give zeros (callers check ``remaining`` where a short record matters).
private struct ByteReader {
    private let bytes: [UInt8]
    private var position: Int

    init(_ bytes: [UInt8], at position: Int) {
        self.bytes = bytes
        self.position = position
    }

    init(_ bytes: ArraySlice<UInt8>, at position: Int) {
        self.init(Array(bytes), at: position)
    }

    var remaining: Int { max(0, bytes.count - position) }

    mutating func skip(_ count: Int) { position += count }

    mutating func bytes(_ count: Int) -> ArraySlice<UInt8> {
        defer { position += count }
        let start = min(position, bytes.count)
        return bytes[start..<min(position + count, bytes.count)]
    }

    /// The little-endian 32-bit integer at `index` of `bytes`.
    static func uint32(in bytes: [UInt8], at index: Int) -> UInt32 {
        var reader = ByteReader(bytes, at: index)
        return reader.uint32()
    }

    mutating func uint16() -> UInt16 { UInt16(truncatingIfNeeded: integer(2)) }
    mutating func uint32() -> UInt32 { UInt32(truncatingIfNeeded: integer(4)) }
    mutating func uint64() -> UInt64 { integer(8) }

    private mutating func integer(_ size: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in (0..<size).reversed() where position + index < bytes.count {
            value = value << 8 | UInt64(bytes[position + index])
        }
        position += size
        return value
    }
}

/// zlib inflating raw deflate data (no header), as ZIP stores it.
private final class RawInflater {
    /// zlib checks that a stream stays where it was initialised: it lives in storage of its own.
    private let stream: UnsafeMutablePointer<z_stream>

    init() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // -15: raw deflate with a 32 KiB window.
        _ = CZlibVLX_inflateInit2(stream, -15)
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Inflates from `input` into `output`: bytes taken and made, and whether the stream ended.
    func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(ZipArchive.Failure) -> (consumed: Int, produced: Int, ended: Bool) {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.pointee.avail_in = UInt32(input.count)
        stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
        stream.pointee.avail_out = UInt32(output.count)
        let status = CZlibVLX.inflate(stream, Z_NO_FLUSH)
        let consumed = input.count - Int(stream.pointee.avail_in)
        let produced = output.count - Int(stream.pointee.avail_out)
        switch status {
        case Z_OK, Z_BUF_ERROR: return (consumed, produced, false)
        case Z_STREAM_END: return (consumed, produced, true)
        default:
            let reason = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
            throw ZipArchive.Failure(description: "the deflate data is corrupt: \(reason)")
        }
    }
}

import CZlibVLX

/// An export's bytes from a descriptor: as they are, or inflated when they are gzip.
///
/// The container is recognised by the first bytes, not by a name, so standard
/// input and a `.json.gz` file read alike. Concatenated gzip members are read one
/// after another, as `zcat` reads them. A ZIP archive is refused with a clear
/// error: its entry needs a seekable file (`vlx` extracts it).
final class DecodedInput: BlockingByteInput {
    let descriptor: DescriptorInput
    private var format: Format = .unknown
    private var inflater: GzipInflater?

    private enum Format {
        case unknown, plain, gzip
    }

    init(_ descriptor: DescriptorInput) {
        self.descriptor = descriptor
    }

    /// Reads the next bytes of the export into `buffer`: how many, 0 at the end, nil when woken.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(VLExportError) -> Int? {
        switch format {
        case .plain:
            return try descriptor.read(into: buffer)
        case .gzip:
            return try inflater!.read(into: buffer)
        case .unknown:
            guard let count = try descriptor.read(into: buffer) else { return nil }
            let head = UnsafeRawBufferPointer(rebasing: buffer[..<count])
            if head.starts(with: [0x1F, 0x8B]) {
                format = .gzip
                let inflater = GzipInflater(source: descriptor)
                inflater.supply(head)
                self.inflater = inflater
                return try inflater.read(into: buffer)
            }
            if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
                throw VLExportError(.schema, "\(descriptor.name) is a ZIP archive, not JSON: extract its .json entry first (vlx reads such archives directly)")
            }
            format = .plain
            return count
        }
    }

    /// Goes back to the start of the export, when the descriptor is a regular file.
    func rewind() -> Bool {
        guard descriptor.rewind() else { return false }
        format = .unknown
        inflater = nil
        return true
    }
}

/// Inflates gzip data read from a descriptor.
final class GzipInflater {
    private let source: DescriptorInput
    /// zlib checks that a stream stays where it was initialised: it lives in storage of its own.
    private let stream: UnsafeMutablePointer<z_stream>
    private var input: [UInt8] = []
    private var inputOffset = 0
    private var memberEnded = false
    private var finished = false
    private static let inputSize = 64 << 10

    init(source: DescriptorInput) {
        self.source = source
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 + 32: a 32 KiB window, and a gzip or zlib header recognised by itself.
        _ = CZlibVLX_inflateInit2(stream, 15 + 32)
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Hands over compressed bytes already read from the source.
    func supply(_ bytes: UnsafeRawBufferPointer) {
        input = Array(bytes)
        inputOffset = 0
    }

    /// Inflates into `buffer`: how many bytes, 0 at the end, nil when the source was woken.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(VLExportError) -> Int? {
        guard !finished else { return 0 }
        var produced = 0
        while produced == 0 {
            if inputOffset == input.count {
                if input.count != Self.inputSize { input = [UInt8](repeating: 0, count: Self.inputSize) }
                guard let count = try source.read(into: &input) else {
                    return nil
                }
                input.removeSubrange(count...)
                inputOffset = 0
                if count == 0 {
                    finished = true
                    if !memberEnded {
                        throw VLExportError(.truncated, "the gzip data is cut short")
                    }
                    return 0
                }
                if memberEnded {
                    // Another gzip member follows the one that ended.
                    inflateReset(stream)
                    memberEnded = false
                }
            }
            var status: Int32 = Z_OK
            input.withUnsafeMutableBufferPointer { inputBuffer in
                stream.pointee.next_in = inputBuffer.baseAddress! + inputOffset
                stream.pointee.avail_in = UInt32(inputBuffer.count - inputOffset)
                stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self) + produced
                stream.pointee.avail_out = UInt32(buffer.count - produced)
                status = inflate(stream, Z_NO_FLUSH)
                inputOffset = inputBuffer.count - Int(stream.pointee.avail_in)
                produced = buffer.count - Int(stream.pointee.avail_out)
            }
            switch status {
            case Z_OK, Z_BUF_ERROR:
                break
            case Z_STREAM_END:
                memberEnded = true
                if inputOffset < input.count {
                    inflateReset(stream)
                    memberEnded = false
                }
            default:
                finished = true
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                throw VLExportError(.compression, "the gzip data is corrupt: \(reason)")
            }
        }
        return produced
    }
}

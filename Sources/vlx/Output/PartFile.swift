import CZlibVLX
import VLExport

/// A file of NDJSON lines, plain or compressed with gzip, that knows its size on disk.
final class PartFile {
    private let stream: OutputStream
    private let path: String
    /// zlib checks that a stream stays where it was initialised: it lives in storage of its own.
    private var deflater: UnsafeMutablePointer<z_stream>?
    private var pending: [UInt8] = []
    private var compressed: [UInt8] = []
    private static let batchSize = 256 << 10

    init(path: String, gzip: Bool) throws(CLIFailure) {
        self.path = path
        stream = try OutputStream(creating: path)
        if gzip {
            let deflater = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            deflater.initialize(to: z_stream())
            // 15 + 16: a gzip header and trailer around the deflate data.
            guard CZlibVLX_deflateInit2(deflater, Z_DEFAULT_COMPRESSION, 15 + 16) == Z_OK else {
                deflater.deallocate()
                throw CLIFailure(.ioFailure, "cannot start gzip compression for \(path)")
            }
            self.deflater = deflater
            compressed = [UInt8](repeating: 0, count: Self.batchSize)
        }
    }

    deinit { endCompression() }

    /// Bytes written to the file so far (compressed, for gzip).
    var fileBytes: Int { stream.bytesWritten }

    func writeLine(_ bytes: [UInt8]) throws(CLIFailure) {
        guard deflater != nil else {
            try stream.writeLine(bytes)
            return
        }
        pending.append(contentsOf: bytes)
        pending.append(0x0A)
        if pending.count >= Self.batchSize { try compress(finish: false) }
    }

    /// Writes what is buffered, and the gzip trailer; the file is complete after this.
    func close() throws(CLIFailure) {
        if deflater != nil {
            defer { endCompression() }
            try compress(finish: true)
        }
        try stream.flush()
    }

    private func endCompression() {
        guard let deflater else { return }
        deflateEnd(deflater)
        deflater.deinitialize(count: 1)
        deflater.deallocate()
        self.deflater = nil
    }

    private func compress(finish: Bool) throws(CLIFailure) {
        guard let deflater else { return }
        var status: Int32 = Z_OK
        var offset = 0
        repeat {
            var produced = 0
            pending.withUnsafeMutableBufferPointer { input in
                compressed.withUnsafeMutableBufferPointer { out in
                    deflater.pointee.next_in = input.baseAddress.map { $0 + offset }
                    deflater.pointee.avail_in = UInt32(input.count - offset)
                    deflater.pointee.next_out = out.baseAddress
                    deflater.pointee.avail_out = UInt32(out.count)
                    status = deflate(deflater, finish ? Z_FINISH : Z_NO_FLUSH)
                    offset = input.count - Int(deflater.pointee.avail_in)
                    produced = out.count - Int(deflater.pointee.avail_out)
                }
            }
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw CLIFailure(.ioFailure, "gzip compression failed for \(path)")
            }
            if produced > 0 { try stream.write(compressed[..<produced]) }
        } while offset < pending.count || (finish && status != Z_STREAM_END)
        pending.removeAll(keepingCapacity: true)
    }
}

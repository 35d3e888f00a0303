extension String {
    /// Calls `body` with the string's UTF-8 bytes: in place for a native string (every string
    /// the walk makes, and small ones, which the standard library spills to the stack), from a
    /// copy otherwise. Unlike `withUTF8`, it neither needs the string to be a `var` nor copies
    /// it to make it one.
    @inlinable @inline(__always)
    package func withUTF8Bytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        if let result = try utf8.withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        var contiguous = self
        return try contiguous.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }
}

extension [UInt8] {
    /// Appends at most `maximum` bytes, which `body` writes from the pointer it is given, moving
    /// the pointer past them: one check of the array's room and uniqueness for all of them,
    /// where appending byte by byte makes one per byte.
    @inlinable
    package mutating func append(maximum: Int, writtenBy body: (inout UnsafeMutablePointer<UInt8>) -> Void) {
        append(addingCapacity: maximum) { span in
            span.withUnsafeMutableBufferPointer { buffer, initialized in
                let start = buffer.baseAddress.unsafelyUnwrapped
                var at = start + initialized
                body(&at)
                initialized = start.distance(to: at)
            }
        }
    }
}

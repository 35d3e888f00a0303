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

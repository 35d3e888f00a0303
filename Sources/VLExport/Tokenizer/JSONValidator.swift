import CYajl

/// Checks that bytes are JSON with yajl and no callbacks: as fast as yajl reads, for the
/// parallel walk's raw batches (``ItemBatch``), whose items need no events when they are valid.
///
/// It accepts what the ``Tokenizer`` accepts, with one exception the caller rules out
/// first: yajl takes form feed and vertical tab for white space, which JSON does not.
enum JSONValidator {
    /// Whether `[`, the bytes and `]` (or the bytes alone, when they end with the array's own
    /// `]`) are one valid JSON array, by the Tokenizer's rules but for form feed and vertical tab.
    static func isValidArray(elements bytes: UnsafeRawBufferPointer, endsWithClosingBracket: Bool) -> Bool {
        guard let base = bytes.baseAddress, let handle = yajl_alloc(nil, nil, nil) else { return false }
        defer { yajl_free(handle) }
        _ = CYajl_setOption(handle, yajl_allow_comments, 0)
        _ = CYajl_setOption(handle, yajl_dont_validate_strings, 0)
        _ = CYajl_setOption(handle, yajl_allow_trailing_garbage, 0)
        _ = CYajl_setOption(handle, yajl_allow_multiple_values, 0)
        _ = CYajl_setOption(handle, yajl_allow_partial_values, 0)
        var bracket = UInt8(ascii: "[")
        guard yajl_parse(handle, &bracket, 1) == yajl_status_ok,
              yajl_parse(handle, base.assumingMemoryBound(to: UInt8.self), bytes.count) == yajl_status_ok
        else { return false }
        if !endsWithClosingBracket {
            bracket = UInt8(ascii: "]")
            guard yajl_parse(handle, &bracket, 1) == yajl_status_ok else { return false }
        }
        return yajl_complete_parse(handle) == yajl_status_ok
    }
}

import VLExport

#if canImport(Glibc)
import Glibc
#endif

/// Standard error, and whether it is a terminal.
enum Terminal {
    /// Writes a line to standard error, unbuffered.
    static func printError(_ message: String) {
        printErrorRaw(message + "\n")
    }

    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}

extension Terminal {
    /// Writes text to standard error as it is, without a line feed.
    static func printErrorRaw(_ text: String) {
        var text = text
        text.withUTF8 { bytes in try? SystemCall.writeAll(STDERR_FILENO, UnsafeRawBufferPointer(bytes)) }
    }
}

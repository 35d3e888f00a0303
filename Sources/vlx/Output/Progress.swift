import VLExport

#if canImport(Glibc)
import Glibc
#endif

/// The progress line on standard error: bytes read and percent, MB/s, items, ETA.
///
/// Shown only when standard error is a terminal. The walk counts items; the byte
/// count comes from the reader, which reads on a thread of its own.
final class Progress {
    private let reader: ExportReader
    private let totalBytes: Int?
    private let enabled: Bool
    /// Items counted so far.
    private(set) var items = 0
    private let start = Progress.now()
    private var lastPrint = 0.0
    private var shown = false
    /// Items between two looks at the clock (the first item is looked at).
    private static let itemsPerCheck = 256

    init(reader: ExportReader, totalBytes: Int?, enabled: Bool) {
        self.reader = reader
        self.totalBytes = totalBytes
        self.enabled = enabled
    }

    /// Counts an item; now and then, redraws the line.
    func addItem() {
        addItems(1)
    }

    /// Counts `count` items at once (a value that stands for a run of items); now and then,
    /// redraws the line: when a quarter of a second has passed since it last did.
    func addItems(_ count: Int) {
        let before = items
        items += count
        // At the first item, and at every `itemsPerCheck`-th after it: when the items counted
        // now include one whose number is 1 more than a multiple of `itemsPerCheck`.
        let per = Self.itemsPerCheck
        guard enabled, (before + per - 1) / per != (items + per - 1) / per else { return }
        let now = Progress.now()
        if now - lastPrint >= 0.25 {
            lastPrint = now
            show(now)
        }
    }

    /// Clears the line.
    func finish() {
        if shown { Terminal.printErrorRaw("\r\u{1B}[K") }
        shown = false
    }

    private func show(_ now: Double) {
        let bytes = reader.bytesRead
        let elapsed = max(now - start, 0.001)
        let rate = Double(bytes) / elapsed
        var line = "\r\(Progress.size(bytes))"
        if let totalBytes, totalBytes > 0 {
            line += " of \(Progress.size(totalBytes)) (\(String(format1: Double(bytes) * 100 / Double(totalBytes)))%)"
            let remaining = Double(totalBytes - bytes) / max(rate, 1)
            line += "  ETA \(Int(remaining) / 60):\(String(Int(remaining) % 60).leftPadded(2))"
        }
        line += "  \(String(format1: rate / 1e6)) MB/s  \(items) item\(items == 1 ? "" : "s")\u{1B}[K"
        Terminal.printErrorRaw(line)
        shown = true
    }

    private static func size(_ bytes: Int) -> String {
        bytes >= 1_000_000_000 ? "\(String(format1: Double(bytes) / 1e9)) GB" : "\(String(format1: Double(bytes) / 1e6)) MB"
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

extension String {
    /// A number with one decimal.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }

    func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

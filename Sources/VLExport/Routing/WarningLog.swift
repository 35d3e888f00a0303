/// What a walk noticed that is not an error: the first warnings, kept, and how many there were.
struct WarningLog {
    /// The warnings, the first ``maxKept`` of them.
    private(set) var warnings: [ExportWarning] = []
    /// How many there were, kept or not.
    private(set) var count = 0
    let maxKept: Int

    init(maxKept: Int) {
        self.maxKept = maxKept
    }

    /// Keeps a warning while fewer than the limit are kept; counts it either way.
    mutating func warn(_ warning: ExportWarning) {
        count += 1
        if warnings.count < maxKept { warnings.append(warning) }
    }

    /// Adds the warnings of a batch, or of an item read again: those kept there, and their count.
    mutating func append(_ more: [ExportWarning], count moreCount: Int) {
        for warning in more where warnings.count < maxKept { warnings.append(warning) }
        count += moreCount
    }

    /// Starts again with `earlier`, the warnings of an earlier pass about the items before
    /// `index`, for a walk read again from the start that passes over those items.
    mutating func restart(keepingItemsBefore index: Int, of earlier: [ExportWarning]) {
        warnings = earlier.filter { warning in warning.mediaItemIndex.map { $0 < index } ?? false }
        count = warnings.count
    }

    /// Places the values that could not be read and have no location of their own at `location`
    /// (where what holds them starts), and warns about each, at `prefix` + its path.
    mutating func warn(about values: inout [NonconformingValue], under prefix: String, at location: SourceLocation?, mediaItemIndex: Int?) {
        for position in values.indices {
            if values[position].location == nil { values[position].location = location }
            warn(ExportWarning(
                .nonconformingValue, values[position].message, location: values[position].location,
                path: NonconformingLog.join(prefix, values[position].path), mediaItemIndex: mediaItemIndex
            ))
        }
    }
}

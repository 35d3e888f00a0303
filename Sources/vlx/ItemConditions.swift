import ArgumentParser
import VLExport

/// The conditions of `vlx filter` (and `coco --media-type`): an item matches when it meets
/// every condition given, and meets a repeated condition when it has any of its values.
struct ItemConditions: Sendable {
    var mediaTypes: [String] = []
    var issueKinds: [IssueType] = []
    var minConfidence: Double?
    var labels: [String] = []
    var tags: [String] = []
    var minUniqueness: Double?

    /// Whether `item` meets every condition given.
    func match(_ item: MediaItem) -> Bool {
        if !mediaTypes.isEmpty, !mediaTypes.contains(item.mediaType?.rawValue ?? "") { return false }
        if let minUniqueness, (item.uniquenessScore ?? -1) < minUniqueness { return false }
        if !issueKinds.isEmpty || minConfidence != nil {
            let found = item.allIssues.contains { issue in
                let typeMatches = issueKinds.isEmpty || issueKinds.contains { Self.kind($0, includes: issue.issueType) }
                return typeMatches && (minConfidence.map { (issue.confidence ?? -1) >= $0 } ?? true)
            }
            if !found { return false }
        }
        if !labels.isEmpty, !Self.labels(of: item).contains(where: labels.contains) { return false }
        if !tags.isEmpty, !Self.tags(of: item).contains(where: tags.contains) { return false }
        return true
    }

    /// Whether an issue of type `type` is of the kind a condition names (either spelling).
    static func kind(_ kind: IssueType, includes type: IssueType?) -> Bool {
        kind.kind == .other ? kind.rawValue == type?.rawValue : kind.kind == type?.kind
    }

    /// The category names of the item's image labels and objects.
    static func labels(of item: MediaItem) -> [String] {
        item.metadataItems.compactMap { metadata in
            switch metadata.content {
            case .imageLabel(let imageLabel): imageLabel.categoryName
            case .objectLabel(let object): object.categoryName
            default: nil
            }
        }
    }

    /// The names of the item's user tags and its objects' user tags.
    static func tags(of item: MediaItem) -> [String] {
        (item.metadataItems + item.objectLabels.flatMap(\.metadataItems)).compactMap { metadata in
            if case .userTag(let userTag) = metadata.content { return userTag.tagName }
            return nil
        }
    }

    /// Checks the ranges of the thresholds, as options are parsed.
    static func checkRange(_ value: Double?, of option: String) throws(ValidationError) {
        guard let value else { return }
        guard value.isFinite, (0...1).contains(value) else {
            throw ValidationError("\(option) takes a number from 0 to 1, not \(value).")
        }
    }
}

/// The values the items held for the fields a run's conditions look at, each with the number of
/// items that held it: what a condition value that selected nothing is said against.
///
/// A field is counted only while one of its wanted values has not been met in the items added:
/// in a run where every value exists, counting stops within a few items of each batch, and the
/// counts are full exactly for the fields a line is written about (a value missing from the
/// whole run is missing from every batch). Vocabularies are open but small (types, category
/// names, tags); past ``limit`` distinct values of a field, new ones are no longer kept.
struct HeldValues: Sendable {
    /// The fields a condition can look at, with their names in messages.
    enum Field: String, CaseIterable, Sendable {
        case mediaType = "media type"
        case issueType = "issue type"
        case label
        case tag

        /// Whether a held value is the wanted one: equal, or for issue types of the same kind.
        func value(_ held: String, is wanted: String) -> Bool {
            self == .issueType ? ItemConditions.kind(IssueType(rawValue: wanted), includes: IssueType(rawValue: held)) : held == wanted
        }
    }

    static let limit = 10_000
    private var counts: [Field: [String: Int]] = [:]
    /// The fields still counted, each with its wanted values not met yet.
    private var unmet: [(field: Field, values: [String])]

    /// Counts the fields the conditions name values of.
    init(for conditions: ItemConditions) {
        unmet = Self.wanted(conditions).filter { !$0.values.isEmpty }
    }

    /// Each field's wanted values.
    private static func wanted(_ conditions: ItemConditions) -> [(field: Field, values: [String])] {
        [(.mediaType, conditions.mediaTypes), (.issueType, conditions.issueKinds.map(\.rawValue)), (.label, conditions.labels), (.tag, conditions.tags)]
    }

    /// Counts what the item holds, once per item for each value.
    mutating func add(_ item: MediaItem) {
        var index = 0
        while index < unmet.count {
            let field = unmet[index].field
            let values: [String] = switch field {
            case .mediaType: item.mediaType.map { [$0.rawValue] } ?? []
            case .issueType: item.allIssues.compactMap { $0.issueType?.rawValue }
            case .label: ItemConditions.labels(of: item)
            case .tag: ItemConditions.tags(of: item)
            }
            add(values, to: field)
            unmet[index].values.removeAll { wanted in values.contains { field.value($0, is: wanted) } }
            if unmet[index].values.isEmpty { unmet.remove(at: index) } else { index += 1 }
        }
    }

    private mutating func add(_ values: [String], to field: Field) {
        guard !values.isEmpty else { return }
        var fieldCounts = counts.removeValue(forKey: field) ?? [:]
        for (position, value) in values.enumerated() where !values[..<position].contains(value) {
            if fieldCounts[value] != nil || fieldCounts.count < Self.limit { fieldCounts[value, default: 0] += 1 }
        }
        counts[field] = fieldCounts
    }

    /// Adds the counts of a later run of items.
    mutating func merge(_ other: HeldValues) {
        for (field, otherCounts) in other.counts {
            var fieldCounts = counts.removeValue(forKey: field) ?? [:]
            for (value, count) in otherCounts where fieldCounts[value] != nil || fieldCounts.count < Self.limit {
                fieldCounts[value, default: 0] += count
            }
            counts[field] = fieldCounts
        }
    }

    /// A line for each condition value no item held, with the closest values that items did
    /// hold and their counts, as git's "did you mean".
    func unmatched(_ conditions: ItemConditions) -> [String] {
        var lines: [String] = []
        for (field, wanted) in Self.wanted(conditions) {
            let held = counts[field] ?? [:]
            for value in wanted where !held.keys.contains(where: { field.value($0, is: value) }) {
                var line = "no item has \(field.rawValue) \"\(value)\""
                let closest = Suggestions.closest(to: value, among: held)
                if closest.isEmpty {
                    line += "; no item has any \(field.rawValue)"
                } else {
                    line += "; the closest seen: " + closest.map { "\($0.value) (\($0.count) item\($0.count == 1 ? "" : "s"))" }.joined(separator: ", ")
                    if held.count > closest.count { line += ", …" }
                }
                lines.append(line)
            }
        }
        return lines
    }
}

/// The known words closest to a word the user typed.
enum Suggestions {
    /// Up to `limit` of `candidates`, closest to `word` first: those equal but for case, then by
    /// edit distance, then the most frequent.
    static func closest(to word: String, among candidates: [String: Int], limit: Int = 5) -> [(value: String, count: Int)] {
        let lowered = Array(word.lowercased().unicodeScalars)
        let ranked = candidates.map { candidate, count in
            (value: candidate, count: count, distance: distance(lowered, Array(candidate.lowercased().unicodeScalars)))
        }
        return ranked.sorted { ($0.distance, -$0.count, $0.value) < ($1.distance, -$1.count, $1.value) }
            .prefix(limit).map { ($0.value, $0.count) }
    }

    /// The candidates close enough to `word` to be what was meant (`stat` for `stats`).
    static func likely(_ word: String, among candidates: [String]) -> [String] {
        let lowered = Array(word.lowercased().unicodeScalars)
        return candidates.filter { candidate in
            let other = Array(candidate.lowercased().unicodeScalars)
            return distance(lowered, other) <= max(1, min(lowered.count, other.count) / 3)
                || (lowered.count >= 3 && other.starts(with: lowered))
        }
    }

    /// Levenshtein's distance: insertions, deletions and substitutions.
    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

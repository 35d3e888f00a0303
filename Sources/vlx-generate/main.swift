// vlx-generate: writes a synthetic Visual Layer export to standard output, streaming.
//
// Deterministic for a given seed and size, so benchmarks and soak tests can
// regenerate the same file anywhere. Memory use does not grow with the output.
//
//   vlx-generate (--items N | --size BYTES[K|M|G]) [--seed S] [--pretty] [--info-last] [--odd RATE]
//                [--repeated-keys RATE]
//
// --odd RATE gives that fraction of items one value that cannot be read as its
// field's kind, as exports in the wild have (a height of "tall", a confidence
// of "high", a box of three numbers, a metadata_items that is an object, an
// item that is not an object…); how many were written goes to standard error.
// --repeated-keys RATE gives that fraction of items one key written twice in one
// object, a decoy value first and the item's own value last (the last counts):
// an item's "width", or an issue's "confidence"; the count goes to standard
// error too. Neither option changes the other items, or the values that count.
//
// Items alternate at random between the two styles FORMAT.md describes: the
// documented style ("metadata_type", string confidences, integer duplicate
// group ids, "HH:MM:SS" frame timestamps, user tags with assigned_by) and the
// real-export style ("type", numeric confidences, UUID group ids, one duplicates
// issue per threshold tier, uniqueness scores, float frame timestamps, objects
// with nested issues). File names carry unicode and escapes.

#if canImport(Glibc)
import Glibc
#endif

struct Options {
    var items: Int?
    var size: Int?
    var seed: UInt64 = 1
    var pretty = false
    var infoLast = false
    var oddRate = 0.0
    var repeatedKeyRate = 0.0
}

func fail(_ message: String) -> Never {
    var line = "vlx-generate: \(message)\n"
    line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    exit(2)
}

func parseSize(_ text: String) -> Int? {
    let upper = text.uppercased().replacingOccurrences(of: "B", with: "")
    let multipliers: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
    if let last = upper.last, let multiplier = multipliers[last], let value = Double(upper.dropLast()) {
        return Int(value * Double(multiplier))
    }
    return Int(upper)
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

func parseOptions() -> Options {
    var options = Options()
    var arguments = CommandLine.arguments.dropFirst()
    while let argument = arguments.popFirst() {
        switch argument {
        case "--items":
            guard let items = arguments.popFirst().flatMap({ Int($0) }) else { fail("--items takes a whole number") }
            options.items = items
        case "--size":
            guard let size = arguments.popFirst().flatMap(parseSize) else { fail("--size takes a size such as 1G or 500M") }
            options.size = size
        case "--seed":
            guard let seed = arguments.popFirst().flatMap({ UInt64($0) }) else { fail("--seed takes a whole number") }
            options.seed = seed
        case "--pretty": options.pretty = true
        case "--info-last": options.infoLast = true
        case "--odd":
            guard let rate = arguments.popFirst().flatMap({ Double($0) }), (0...1).contains(rate) else { fail("--odd takes a fraction from 0 to 1") }
            options.oddRate = rate
        case "--repeated-keys":
            guard let rate = arguments.popFirst().flatMap({ Double($0) }), (0...1).contains(rate) else { fail("--repeated-keys takes a fraction from 0 to 1") }
            options.repeatedKeyRate = rate
        case "-h", "--help":
            print("usage: vlx-generate (--items N | --size BYTES[K|M|G]) [--seed S] [--pretty] [--info-last] [--odd RATE] [--repeated-keys RATE]")
            exit(0)
        default: fail("unknown argument \(argument)")
        }
    }
    if options.items == nil, options.size == nil { fail("give --items N or --size BYTES") }
    return options
}

/// SplitMix64: small, fast and the same on every machine.
struct Random {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func chance(_ probability: Double) -> Bool { unit() < probability }
    mutating func uuid() -> String {
        let hex = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(36)
        var bits = next()
        var more = next()
        for position in 0..<32 {
            if position == 16 { bits = more; more = 0 }
            if [8, 12, 16, 20].contains(position) { text.append("-") }
            text.append(hex[Int(bits & 15)])
            bits >>= 4
        }
        return text
    }
    mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }
}

/// Buffers output and writes it to standard output in large blocks.
struct Output {
    private var buffer: [UInt8] = []
    private(set) var written = 0

    init() { buffer.reserveCapacity(1 << 20) }

    mutating func append(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { flush() }
    }

    mutating func flush() {
        var offset = 0
        buffer.withUnsafeBytes { bytes in
            while offset < bytes.count {
                let count = write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if count <= 0 { exit(errno == EPIPE ? 0 : 3) }
                offset += count
            }
        }
        written += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    var total: Int { written + buffer.count }
}

/// Writes JSON objects compactly or pretty-printed.
struct Writer {
    var output = Output()
    let pretty: Bool
    var depth = 0

    mutating func newline() {
        guard pretty else { return }
        output.append("\n" + String(repeating: "  ", count: depth))
    }

    mutating func open(_ bracket: String) {
        output.append(bracket)
        depth += 1
    }

    mutating func close(_ bracket: String) {
        depth -= 1
        newline()
        output.append(bracket)
    }

    /// Writes `"key": value`, preceded by a comma unless it is the first member.
    mutating func member(_ key: String, _ rawValue: String, first: Bool = false) {
        if !first { output.append(",") }
        newline()
        output.append("\"\(key)\":" + (pretty ? " " : "") + rawValue)
    }

    mutating func element(first: Bool) {
        if !first { output.append(",") }
        newline()
    }
}

func quoted(_ text: String) -> String { "\"\(text)\"" }

func number(_ value: Double, digits: Int) -> String {
    var scaled = (value * pow(10, Double(digits))).rounded()
    if scaled < 0 { scaled = 0 }
    let whole = Int(scaled) / Int(pow(10, Double(digits)))
    let fraction = Int(scaled) % Int(pow(10, Double(digits)))
    let fractionText = String(fraction)
    return "\(whole)." + String(repeating: "0", count: digits - fractionText.count) + fractionText
}

let categories = ["person", "car", "tree", "sky", "dog", "cat", "mountain", "snow", "parachute", "building", "ski pole", "airplane"]
/// File names as JSON string contents (escapes included); `#` stands for the item's index.
let fileNames = ["frame_#.jpg", "café_#.jpg", "日本_#.png", "photo \\\"#\\\".jpg", "path\\\\to_#.jpg", "emoji_😀_#.jpg", "tab\\t#.jpg", "u\\u00e9_#.jpg"]

func writeMetadata(_ writer: inout Writer, _ random: inout Random, documented: Bool, first: Bool, type: String, properties: (inout Writer, inout Random) -> Void) {
    writer.element(first: first)
    writer.open("{")
    writer.member(documented ? "metadata_type" : "type", quoted(type), first: true)
    writer.member("properties", "")
    writer.open("{")
    properties(&writer, &random)
    writer.close("}")
    writer.close("}")
}

/// The odd values --odd puts in an item, one each: a value of another JSON type than its field's,
/// or a part of the export with another shape.
enum OddValue: CaseIterable {
    case heightAsText, uniquenessAsObject, fileSizeAsBoolean, confidenceAsText, groupAsArray
    case boxOfThree, metadataElementNumber, propertiesAsArray, metadataItemsAsObject, itemAsString
}

/// The keys --repeated-keys writes twice in an item, one each: the item's own `width`, or the
/// `confidence` of an issue of its own.
enum RepeatedKey: CaseIterable {
    case width, confidence
}

/// Writes one item; false when `repeated` was asked for but the item's odd value left no place
/// for it (an item that is no object, or a metadata_items that is no array).
func writeItem(_ writer: inout Writer, _ random: inout Random, index: Int, odd: OddValue?, repeated: RepeatedKey?) -> Bool {
    if odd == .itemAsString {
        writer.output.append(quoted("item \(index) is not an object"))
        return repeated == nil
    }
    let documented = random.chance(0.3)
    let video = random.chance(0.5)
    writer.open("{")
    let id = random.uuid()
    writer.member("media_id", quoted(id), first: true)
    writer.member("media_type", quoted(video ? "video_frame" : "image"))
    let name = random.pick(fileNames).replacingOccurrences(of: "#", with: String(index))
    writer.member("file_name", quoted(name))
    writer.member("file_path", quoted("dataset/" + (video ? "clip_\(index / 50).mp4/" : "images/") + name))
    writer.member("file_size", odd == .fileSizeAsBoolean ? "true" : quoted(number(random.unit() * 900 + 10, digits: 2) + (random.chance(0.8) ? "KB" : "MB")))
    if odd == .uniquenessAsObject {
        writer.member("uniqueness_score", #"{"value":0.5}"#)
    } else if !documented {
        writer.member("uniqueness_score", String(random.unit()))
    }
    writer.member("height", odd == .heightAsText ? quoted("tall") : String(240 + random.below(900)))
    if repeated == .width { writer.member("width", "1") }
    writer.member("width", String(320 + random.below(1200)))
    writer.member("url", quoted("https://app.visual-layer.com/dataset/42e3b7ae-dd5e-11ef-9fca-1a226f3de670/data/image/\(id)"))
    writer.member("cluster_id", quoted(random.uuid()))
    if odd == .metadataItemsAsObject {
        writer.member("metadata_items", #"{"type":"issue"}"#)
        writer.close("}")
        return repeated != .confidence
    }
    writer.member("metadata_items", "")
    writer.open("[")
    var first = true
    if odd == .metadataElementNumber {
        writer.element(first: true)
        writer.output.append("42")
        first = false
    }
    if odd == .propertiesAsArray {
        writer.element(first: first)
        writer.output.append(#"{"type":"user_tag","properties":["reviewed"]}"#)
        first = false
    }
    if odd == .confidenceAsText || odd == .groupAsArray {
        writeMetadata(&writer, &random, documented: documented, first: first, type: "issue") { writer, _ in
            writer.member("issue_type", quoted("duplicates"), first: true)
            writer.member("confidence", odd == .confidenceAsText ? quoted("high") : "0.9")
            writer.member("duplicate_group_id", odd == .groupAsArray ? "[1,2]" : "7")
        }
        first = false
    }
    if repeated == .confidence {
        writeMetadata(&writer, &random, documented: documented, first: first, type: "issue") { writer, _ in
            writer.member("issue_type", quoted("outliers"), first: true)
            writer.member("confidence", "0.01")
            writer.member("confidence", "0.75")
        }
        first = false
    }
    if odd == .boxOfThree {
        writeMetadata(&writer, &random, documented: documented, first: first, type: "object_label") { writer, _ in
            writer.member("category_name", quoted("box"), first: true)
            writer.member("bbox", "[1,2,3]")
        }
        first = false
    }
    if video {
        writeMetadata(&writer, &random, documented: documented, first: first, type: "video_info") { writer, random in
            writer.member("video_name", quoted("clip_\(index / 50).mp4"), first: true)
            writer.member("frame_timestamp", documented ? quoted("00:0\(index % 10):\(10 + index % 50)") : number(Double(index % 50) * 0.5, digits: 1))
        }
        first = false
    }
    if random.chance(0.6) {
        let tiers = documented ? [0.96] : [0.96, 0.97, 0.98, 0.985, 0.99, 0.995, 0.999, 1.0]
        for threshold in tiers.prefix(1 + random.below(tiers.count)) {
            writeMetadata(&writer, &random, documented: documented, first: first, type: "issue") { writer, random in
                writer.member("issue_type", quoted(documented ? "duplicate" : "duplicates"), first: true)
                let confidence = number(0.8 + random.unit() * 0.2, digits: 6)
                writer.member("confidence", documented ? quoted(confidence) : confidence)
                writer.member("duplicate_group_id", documented ? String(random.below(10_000)) : quoted(random.uuid()))
                if documented {
                    writer.member("similarity_level", quoted(number(0.9 + random.unit() * 0.1, digits: 2)))
                } else {
                    writer.member("duplicate_threshold", String(threshold))
                }
            }
            first = false
        }
    }
    if random.chance(0.2) {
        writeMetadata(&writer, &random, documented: documented, first: first, type: "issue") { writer, random in
            writer.member("issue_type", quoted(random.pick(["blur", "dark", "bright", "outliers"])), first: true)
            writer.member("confidence", number(random.unit(), digits: 7))
        }
        first = false
    }
    for _ in 0..<random.below(documented ? 3 : 13) {
        writeMetadata(&writer, &random, documented: documented, first: first, type: "image_label") { writer, random in
            if documented {
                writer.member("category_id", String(random.below(1000)), first: true)
                writer.member("category_name", quoted(random.pick(categories)))
                writer.member("source", quoted(random.pick(["user", "vl_enrichment"])))
            } else {
                writer.member("original_id", "-1", first: true)
                writer.member("category_name", quoted(random.pick(categories)))
                writer.member("source", quoted("Visual Layer"))
            }
        }
        first = false
    }
    if documented, random.chance(0.3) {
        writeMetadata(&writer, &random, documented: true, first: first, type: "user_tag") { writer, _ in
            writer.member("tag_name", quoted("reviewed"), first: true)
            writer.member("assigned_date", quoted("2023-01-01 12:34:56"))
            writer.member("assigned_by", quoted("Elad Yaakov"))
        }
        first = false
    }
    for _ in 0..<(random.chance(0.4) ? 1 + random.below(3) : 0) {
        writeMetadata(&writer, &random, documented: documented, first: first, type: "object_label") { writer, random in
            if documented { writer.member("category_id", String(random.below(1000)), first: true) } else { writer.member("original_id", "-1", first: true) }
            writer.member("category_name", quoted(random.pick(categories)))
            writer.member("source", quoted(documented ? "user" : "Visual Layer"))
            let x = random.below(300), y = random.below(200)
            writer.member("bbox", "[\(x),\(y),\(10 + random.below(300)),\(10 + random.below(300))]")
            if documented { writer.member("cluster_id", quoted(random.uuid())) } else { writer.member("uniqueness_score", String(random.unit())) }
            writer.member("url", quoted("https://app.visual-layer.com/dataset/42e3b7ae/data/image/\(random.uuid())?&object_id=\(random.uuid())"))
            writer.member("metadata_items", "")
            writer.open("[")
            for nested in 0..<random.below(4) {
                writeMetadata(&writer, &random, documented: documented, first: nested == 0, type: "issue") { writer, random in
                    if documented {
                        writer.member("issue_type", quoted("mislabel"), first: true)
                        writer.member("confidence", quoted(number(random.unit(), digits: 2)))
                        writer.member("actual_label", quoted(random.pick(categories)))
                        writer.member("suggested_label", quoted(random.pick(categories)))
                        writer.member("suggestion_confidence", quoted(number(random.unit(), digits: 2)))
                    } else {
                        writer.member("issue_type", quoted("duplicates"), first: true)
                        writer.member("confidence", number(0.8 + random.unit() * 0.2, digits: 6))
                        writer.member("duplicate_group_id", quoted(random.uuid()))
                        writer.member("duplicate_threshold", String(0.96))
                    }
                }
            }
            writer.close("]")
        }
        first = false
    }
    writer.close("]")
    writer.close("}")
    return true
}

let options = parseOptions()
var random = Random(state: options.seed)
var writer = Writer(pretty: options.pretty)
let targetItems = options.items ?? Int.max
let targetBytes = options.size ?? Int.max

func writeInfo(_ writer: inout Writer, first: Bool, total: Int?) {
    writer.member("info", "", first: first)
    writer.open("{")
    writer.member("schema_version", quoted("1.1"), first: true)
    writer.member("dataset", quoted("Generated by vlx-generate"))
    writer.member("description", quoted("Synthetic export, seed \(options.seed)"))
    writer.member("dataset_url", quoted("https://app.visual-layer.com/dataset/00000000-0000-4000-8000-000000000000/data"))
    writer.member("export_time", quoted("2025-02-15T18:23:34.164184"))
    writer.member("dataset_creation_time", quoted("2025-01-24T18:35:57.719308"))
    writer.member("exported_by", quoted("vlx-generate"))
    // Known up front only with --items; with --size the count is written only when info comes last.
    writer.member("total_media_items", total.map(String.init) ?? "null")
    writer.close("}")
}

writer.open("{")
if !options.infoLast { writeInfo(&writer, first: true, total: options.items) }
writer.member("media_items", "", first: options.infoLast)
writer.open("[")
var count = 0
var oddCount = 0
var repeatedKeyCount = 0
// Streams of their own, so that the items of a seed are the same with or without --odd and
// --repeated-keys.
var oddRandom = Random(state: options.seed ^ 0x6F64_6476_616C_7565)
var repeatRandom = Random(state: options.seed ^ 0x7265_7065_6174_6564)
while count < targetItems, writer.output.total < targetBytes {
    writer.element(first: count == 0)
    let odd = options.oddRate > 0 && oddRandom.chance(options.oddRate) ? oddRandom.pick(OddValue.allCases) : nil
    if odd != nil { oddCount += 1 }
    let repeated = options.repeatedKeyRate > 0 && repeatRandom.chance(options.repeatedKeyRate) ? repeatRandom.pick(RepeatedKey.allCases) : nil
    if writeItem(&writer, &random, index: count, odd: odd, repeated: repeated), repeated != nil { repeatedKeyCount += 1 }
    count += 1
}
writer.close("]")
if options.infoLast { writeInfo(&writer, first: false, total: count) }
writer.close("}")
writer.output.append("\n")
writer.output.flush()
if options.repeatedKeyRate > 0 {
    var line = "vlx-generate: \(oddCount) odd values and \(repeatedKeyCount) repeated keys in \(count) items\n"
    line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
} else if options.oddRate > 0 {
    var line = "vlx-generate: \(oddCount) odd values in \(count) items\n"
    line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

import ArgumentParser
import VLExport

/// Checks of the command line that swift-argument-parser does not make: a command name that
/// is not one (with the likely one, as git says it), and an option that takes one value given
/// twice, whose first value the parser would silently drop.
enum ArgumentCheck {
    /// The arguments with a negative number joined to the option before it (`--threads -1`
    /// becomes `--threads=-1`), which the parser would otherwise take for an option of its own
    /// and report as a missing value. A lone `-0` is `vlx clean`'s flag for NUL separators.
    static func joiningNegativeNumbers(_ arguments: [String]) -> [String] {
        var joined: [String] = []
        for argument in arguments {
            if let previous = joined.last, previous.hasPrefix("--"), previous.count > 2, !previous.contains("="),
               argument.hasPrefix("-"), argument != "-0", argument.dropFirst().first.map({ $0.isNumber || $0 == "." }) == true {
                joined[joined.count - 1] = previous + "=" + argument
            } else {
                joined.append(argument)
            }
        }
        return joined
    }

    /// Throws a usage failure for the first mistake in `arguments` (the words after `vlx`).
    static func check(_ arguments: [String]) throws(CLIFailure) {
        let names = VLX.configuration.subcommands.map { $0.configuration.commandName ?? "" }
        guard let first = arguments.first, !first.hasPrefix("-") else { return }
        if first == "help" {
            if arguments.count > 1, !arguments[1].hasPrefix("-") { try checkCommandName(arguments[1], names) }
            return
        }
        try checkCommandName(first, names)
        try checkRepeatedOptions(command: first, arguments: Array(arguments.dropFirst()))
    }

    private static func checkCommandName(_ word: String, _ names: [String]) throws(CLIFailure) {
        guard !names.contains(word) else { return }
        let likely = Suggestions.likely(word, among: names)
        let hint = likely.isEmpty
            ? "the commands are \(names.joined(separator: ", "))."
            : "did you mean \(likely.map { "'\($0)'" }.joined(separator: " or "))?"
        throw CLIFailure(.usage, "'\(word)' is not a vlx command; \(hint) See 'vlx --help'.")
    }

    /// Refuses an option given more than once when it keeps one value (`-o a -o b`); options
    /// that collect values (`--label`) and flags may repeat.
    private static func checkRepeatedOptions(command: String, arguments: [String]) throws(CLIFailure) {
        var seen: [String: [String]] = [:]
        var repeated: [String] = []
        for (position, argument) in arguments.enumerated() {
            if argument == "--" { break }
            guard argument.hasPrefix("-"), argument.count > 1 else { continue }
            let name = String(argument.split(separator: "=", maxSplits: 1)[0])
            let value = argument.contains("=") ? String(argument.drop { $0 != "=" }.dropFirst())
                : position + 1 < arguments.count ? arguments[position + 1] : ""
            if seen[name] != nil, !repeated.contains(name) { repeated.append(name) }
            seen[name, default: []].append(value)
        }
        // Two names of one option abbreviate each other (-o, --out, --output; -q, --quiet).
        let words = seen.keys.map { $0.drop { $0 == "-" } }
        let mayRepeat = words.indices.contains { i in words.indices.contains { j in i != j && words[j].hasPrefix(words[i]) } }
        guard !repeated.isEmpty || mayRepeat else { return }
        // Only now, when an option may be repeated, is the command's description read.
        let options = singleValueOptions(of: command)
        for names in options {
            let given = names.flatMap { seen[$0] ?? [] }
            guard given.count > 1 else { continue }
            let shown = names.joined(separator: "/")
            throw CLIFailure(.usage, "\(shown) is given \(given.count) times (\(given.joined(separator: ", "))) but takes one value; give it once")
        }
    }

    /// The options of a command that take one value, each with its names (`-o`, `--output`).
    private static func singleValueOptions(of command: String) -> [[String]] {
        guard case .object(let tool)? = try? JSONValue(parsing: VLX._dumpHelp()),
              case .object(let root)? = tool["command"],
              case .array(let subcommands)? = root["subcommands"] else { return [] }
        for case .object(let subcommand) in subcommands {
            guard case .string(command)? = subcommand["commandName"], case .array(let arguments)? = subcommand["arguments"] else { continue }
            var options: [[String]] = []
            for case .object(let argument) in arguments {
                guard case .string("option")? = argument["kind"], case .bool(false)? = argument["isRepeating"],
                      case .array(let names)? = argument["names"] else { continue }
                let spelled = names.compactMap { name -> String? in
                    guard case .object(let name) = name, case .string(let kind)? = name["kind"], case .string(let word)? = name["name"] else { return nil }
                    return (kind == "short" ? "-" : "--") + word
                }
                options.append(spelled)
            }
            return options
        }
        return []
    }
}

import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM in the middle of a run: vlx stops, finishes every output with what it
/// wrote before, and exits 130 or 143.
///
/// The input is a generated export fed into a pipe that then falls silent, so the signal
/// always comes while vlx waits in a read: the run is in the middle, whatever the machine's speed.
@Suite(.hangLimit) struct InterruptTests {
    /// A generated export and its items as NDJSON lines, made once.
    static let export: (bytes: Data, lines: [String]) = {
        let generated = try! run(Paths.generator, ["--size", "4M", "--seed", "11"])
        let scratch = try! Paths.scratch()
        let path = scratch.appendingPathComponent("export.json").path
        try! generated.stdout.write(to: URL(fileURLWithPath: path))
        let lines = try! vlx(["ndjson", path]).lines
        try? FileManager.default.removeItem(at: scratch)
        return (generated.stdout, lines)
    }()

    /// Starts vlx on a pipe, feeds it most of the export, waits until vlx watches for `signal`
    /// (its handler shows in /proc) and has done all it can with that input (its CPU time stands
    /// still: it waits in a read), and sends `signal`.
    func interrupt(_ arguments: [String], with signal: Int32) throws -> (status: Int32, stderr: String) {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Paths.vlx)
        process.arguments = arguments
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        // Returns once vlx has read all but a pipe's worth; the pipe then stays open and silent.
        #expect(waitUntilWatched(signal, by: process.processIdentifier), "vlx never watched for signal \(signal)")
        input.fileHandleForWriting.write(Self.export.bytes.prefix(Self.export.bytes.count * 3 / 4))
        let deadline = Date().addingTimeInterval(60)
        var cpuTime = processCPUTime(process.processIdentifier)
        while Date() < deadline {
            usleep(300_000)
            let now = processCPUTime(process.processIdentifier)
            if now == cpuTime { break }
            cpuTime = now
        }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        try? input.fileHandleForWriting.close()
        return (process.terminationStatus, String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    @Test func sigintDuringNDJSONLeavesEveryLineComplete() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let output = scratch.appendingPathComponent("out.ndjson").path
        let result = try interrupt(["ndjson", "-", "-o", output], with: SIGINT)
        #expect(result.status == 130)
        #expect(result.stderr.contains("interrupted by SIGINT"), "\(result.stderr)")
        // The output of a run that did not complete waits at NAME.partial; nothing else is left.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["out.ndjson.partial"])
        #expect(result.stderr.contains("vlx: \(output) was not created; the output of the "), "\(result.stderr)")
        let partial = output + ".partial"
        let lines = String(decoding: try Data(contentsOf: URL(fileURLWithPath: partial)), as: UTF8.self).split(separator: "\n").map(String.init)
        // Every item complete in what was fed, each line whole: nothing read before the signal is lost.
        let source = scratch.appendingPathComponent("export.json").path
        try Self.export.bytes.write(to: URL(fileURLWithPath: source))
        let itemEnds = try python(CutExportTests.itemEndsProgram, [source]).split(separator: " ").compactMap { Int($0) }
        let fed = Self.export.bytes.count * 3 / 4
        #expect(lines.count == itemEnds.count { $0 <= fed })
        #expect(lines == Array(Self.export.lines.prefix(lines.count)))
        #expect(try python("import json, sys\nprint(sum(1 for line in open(sys.argv[1]) if json.loads(line)))", [partial]) == String(lines.count))
    }

    @Test func sigintDuringGzipSplitClosesEveryPartAndWritesTheManifest() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let folder = scratch.appendingPathComponent("parts").path
        let result = try interrupt(["split", "-", "--shards", "4", "--gzip", "-o", folder], with: SIGINT)
        #expect(result.status == 130)
        #expect(result.stderr.contains("interrupted by SIGINT"), "\(result.stderr)")
        var lines: [String] = []
        for part in 0..<4 {
            let unzipped = try run("zcat", [folder + "/part-0000\(part).ndjson.gz"])
            #expect(unzipped.status == 0, "part \(part): \(unzipped.stderr)")
            lines += unzipped.lines
        }
        #expect(!lines.isEmpty)
        #expect(Set(lines).isSubset(of: Set(Self.export.lines)))
        #expect(lines.count == Set(lines).count)
        // A run that did not complete keeps its parts, and writes no _SUCCESS.
        #expect(!FileManager.default.fileExists(atPath: folder + "/_SUCCESS"))
        let manifest = try run("jq", ["-c", "[.complete, .media_items, ([.shards[].media_items] | add)]", folder + "/_manifest.json"])
        #expect(manifest.lines == ["[false,\(lines.count),\(lines.count)]"])
    }

    /// vlx clean stopped by SIGINT leaves its output and its list of items left out at their
    /// partial names, each whole: the document closed, every row complete.
    @Test func sigintDuringCleanLeavesBothOutputsPartial() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let output = scratch.appendingPathComponent("clean.json").path
        let dropped = scratch.appendingPathComponent("dropped.tsv").path
        let result = try interrupt(["clean", "-", "--drop-issue", "mislabels", "--format", "export", "-o", output, "--dropped", dropped], with: SIGINT)
        #expect(result.status == 130)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted() == ["clean.json.partial", "dropped.tsv.partial"])
        let check = try run("jq", ["-c", "[(.media_items | length), .info.total_media_items]", output + ".partial"])
        #expect(check.status == 0, "\(check.stderr)")
        let rows = try String(contentsOfFile: dropped + ".partial", encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(rows.first == "media_id\tfile_path\treason\tdetail" && rows.last == "")
        #expect(rows.dropFirst().dropLast().allSatisfy { $0.split(separator: "\t", omittingEmptySubsequences: false).count == 4 })
    }

    @Test func sigtermEndsTheRunTheSameWayWith143() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let output = scratch.appendingPathComponent("export.json").path
        // An earlier, complete output at the destination stays as it was.
        let earlier = Data(#"{"media_items":[],"info":{"total_media_items":0}}"#.utf8)
        try earlier.write(to: URL(fileURLWithPath: output))
        let result = try interrupt(["filter", "-", "--format", "export", "-o", output], with: SIGTERM)
        #expect(result.status == 143)
        #expect(result.stderr.contains("interrupted by SIGTERM"), "\(result.stderr)")
        #expect(result.stderr.contains("vlx: \(output) was left as it was; the output of the "), "\(result.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == earlier)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted() == ["export.json", "export.json.partial"])
        // The export document is closed: JSON, with the total of the items it holds.
        let check = try run("jq", ["-c", "[(.media_items | length), .info.total_media_items, .info.dataset]", output + ".partial"])
        #expect(check.status == 0)
        let counts = check.lines.first ?? ""
        #expect(counts.hasSuffix(",\"Generated by vlx-generate\"]"), "\(counts)")
        let numbers = counts.dropFirst().split(separator: ",").prefix(2).compactMap { Int($0) }
        #expect(numbers.count == 2 && numbers[0] == numbers[1] && numbers[0] > 0, "\(counts)")
    }
}

extension InterruptTests {
    /// Two signals back to back: whether the second came while the first was handled (vlx then
    /// exits at once) or was merged into it, no temporary file of the output is left. (Which of
    /// the two happened is the kernel's choice: this test does not tell them apart.)
    @Test func twoSignalsLeaveNoTemporaryFile() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let output = scratch.appendingPathComponent("out.ndjson").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Paths.vlx)
        process.arguments = ["ndjson", "-", "-o", output]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        input.fileHandleForWriting.write(Self.export.bytes.prefix(Self.export.bytes.count / 2))
        // The temporary file exists once vlx has opened its output.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty { usleep(10_000) }
        let during = try FileManager.default.contentsOfDirectory(atPath: scratch.path)
        #expect(during.count == 1 && during[0].hasPrefix(".out.ndjson.vlx-"), "\(during)")
        kill(process.processIdentifier, SIGINT)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        try? input.fileHandleForWriting.close()
        #expect(process.terminationStatus == 130)
        let left = try FileManager.default.contentsOfDirectory(atPath: scratch.path)
        #expect(left.isEmpty || left == ["out.ndjson.partial"], "\(left)")
    }

    @Test func sigintBeforeTheFirstByteEndsTheRunToo() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Paths.vlx)
        process.arguments = ["stats", "-"]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        // Signalled before it watches for SIGINT, vlx would die of the signal instead.
        #expect(waitUntilWatched(SIGINT, by: process.processIdentifier))
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        try? input.fileHandleForWriting.close()
        #expect(process.terminationStatus == 130)
    }
}

/// Waits until the process takes `signal` itself rather than dying of it: vlx watches for it with
/// a dispatch source, whose handler /proc shows in SigCgt. False when the process ended, or did
/// not get there within the time limit for a process.
func waitUntilWatched(_ signal: Int32, by pid: Int32) -> Bool {
    let deadline = Date().addingTimeInterval(processTimeLimit)
    while Date() < deadline {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
        let caught = status.split(separator: "\n").first { $0.hasPrefix("SigCgt:") }
            .flatMap { UInt64($0.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16) } ?? 0
        if caught & (1 << UInt64(signal - 1)) != 0 { return true }
        usleep(10_000)
    }
    return false
}

/// A process's user and system time so far, in clock ticks, from /proc.
func processCPUTime(_ pid: Int32) -> Int {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let afterName = stat.lastIndex(of: ")") else { return -1 }
    // After "pid (name)": state is field 3, utime 14 and stime 15.
    let fields = stat[stat.index(after: afterName)...].split(separator: " ")
    guard fields.count > 13, let user = Int(fields[11]), let system = Int(fields[12]) else { return -1 }
    return user + system
}

/// The size of a file, 0 when it does not exist yet.
func fileSize(_ path: String) -> Int {
    var status = stat()
    return stat(path, &status) == 0 ? Int(status.st_size) : 0
}

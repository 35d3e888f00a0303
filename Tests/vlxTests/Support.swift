import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What a process did: its output, its error output and its exit status.
struct ProcessResult {
    var stdout: Data
    var stderr: String
    var status: Int32

    var text: String { String(decoding: stdout, as: UTF8.self) }
    /// The lines of standard output, for LF and CRLF endings alike ("\r\n" is one Character).
    var lines: [String] { text.split(whereSeparator: \.isNewline).map(String.init) }
}

enum Paths {
    /// Tests/, found from this file.
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = tests.appendingPathComponent("Fixtures")
    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    /// The directory the build put the test runner in, where vlx and vlx-generate are built too.
    static let binaries: URL = {
        let runner = URL(fileURLWithPath: try! FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        var directory = runner.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("vlx").path), directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        return directory
    }()

    static var vlx: String { binaries.appendingPathComponent("vlx").path }
    static var generator: String { binaries.appendingPathComponent("vlx-generate").path }

    /// A new empty directory for one test.
    static func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vlx-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}

/// How long a process a test runs may take before it is killed and the test fails: a hang
/// ends the test instead of stalling the suite. Set for a JVM starting under a sanitizer.
let processTimeLimit: TimeInterval = 600

/// Runs a program with arguments; standard input from a file or bytes; outputs captured through files.
/// A program still running after ``processTimeLimit`` is killed, and the test fails.
@discardableResult
func run(_ executable: String, _ arguments: [String], stdinFile: String? = nil, stdin: Data? = nil) throws -> ProcessResult {
    let scratch = try Paths.scratch()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let outURL = scratch.appendingPathComponent("stdout")
    let errURL = scratch.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
    process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    if let stdinFile {
        process.standardInput = FileHandle(forReadingAtPath: stdinFile)
    } else if let stdin {
        let inURL = scratch.appendingPathComponent("stdin")
        try stdin.write(to: inURL)
        process.standardInput = FileHandle(forReadingAtPath: inURL.path)
    } else {
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
    }
    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }
    try process.run()
    if exited.wait(timeout: .now() + processTimeLimit) == .timedOut {
        kill(process.processIdentifier, SIGKILL)
        exited.wait()
        Issue.record("\(executable) \(arguments.joined(separator: " ")) was still running after \(Int(processTimeLimit)) s, and was killed")
    }
    process.waitUntilExit()
    return ProcessResult(
        stdout: try Data(contentsOf: outURL),
        stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self),
        status: process.terminationStatus
    )
}

/// Runs vlx.
@discardableResult
func vlx(_ arguments: [String], stdinFile: String? = nil, stdin: Data? = nil) throws -> ProcessResult {
    try run(Paths.vlx, arguments, stdinFile: stdinFile, stdin: stdin)
}

/// Runs a Python program and returns what it printed, expecting success.
func python(_ program: String, _ arguments: [String] = []) throws -> String {
    let result = try run("python3", ["-c", program] + arguments)
    #expect(result.status == 0, "python3 failed: \(result.stderr)")
    return result.text.trimmingCharacters(in: .whitespacesAndNewlines)
}

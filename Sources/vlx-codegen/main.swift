// Writes Sources/VLExport/Generated/Format.swift from the format's declaration.
//
//   swift run vlx-codegen            rewrites the file beside the package
//   swift run vlx-codegen --stdout   prints it instead
import VLExportFormat

#if canImport(Glibc)
import Glibc
#endif

let source = SwiftEmitter.formatSource()
if CommandLine.arguments.contains("--stdout") {
    print(source, terminator: "")
} else {
    // This file is Sources/vlx-codegen/main.swift; the package root is two folders up.
    let root = String(#filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/"))
    let path = root + "/Sources/VLExport/Generated/Format.swift"
    guard let file = fopen(path, "w") else {
        print("vlx-codegen: cannot write \(path)")
        exit(1)
    }
    fputs(source, file)
    fclose(file)
    print("vlx-codegen: wrote \(path)")
}

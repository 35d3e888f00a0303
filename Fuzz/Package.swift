// swift-tools-version:6.1
//
// libFuzzer target over VLExport's reader, in a package of its own: it is built
// only with -sanitize=fuzzer (libFuzzer supplies main). Scripts/fuzz.sh builds
// and runs it.
import PackageDescription

let package = Package(
    name: "VLExportFuzz",
    dependencies: [
        .package(name: "VLExport", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "ReaderFuzzer",
            dependencies: [.product(name: "VLExport", package: "VLExport")],
            path: "Sources/ReaderFuzzer"
        ),
    ],
    swiftLanguageModes: [.v6]
)

// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "VLExport",
    products: [
        .library(name: "VLExport", targets: ["VLExport"]),
        .executable(name: "vlx", targets: ["vlx"]),
        .executable(name: "vlx-walk", targets: ["vlx-walk"]),
        .executable(name: "vlx-generate", targets: ["vlx-generate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // `swift package generate-documentation --target VLExport`: the DocC catalog in
        // Sources/VLExport/VLExport.docc (Scripts/test.sh checks it builds without warnings).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CYajl",
            pkgConfig: "yajl",
            providers: [.apt(["libyajl-dev"])]
        ),
        .systemLibrary(
            name: "CZlibVLX",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The few glibc calls Swift cannot reach (those behind _GNU_SOURCE).
        .target(name: "CVLXSystem"),
        // The byte classes of the parallel walk's structure scanner, with vector instructions.
        .target(name: "CVLXScan"),
        .target(
            name: "VLExport",
            dependencies: ["CYajl", "CZlibVLX", "CVLXSystem", "CVLXScan"]
        ),
        .executableTarget(
            name: "vlx",
            dependencies: [
                "VLExport",
                "CZlibVLX",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "vlx-walk",
            dependencies: ["VLExport"]
        ),
        .executableTarget(name: "vlx-generate"),
        // The format's declaration, and the generator that turns it into
        // Sources/VLExport/Generated/Format.swift (run: swift run vlx-codegen).
        .target(name: "VLExportFormat"),
        .executableTarget(name: "vlx-codegen", dependencies: ["VLExportFormat"]),
        // What both test targets share (a seeded generator, the suites' time limit).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "VLExportTests",
            dependencies: ["VLExport", "VLExportFormat", "CVLXScan", "TestSupport"]
        ),
        .testTarget(
            name: "vlxTests",
            dependencies: ["VLExport", "vlx", "vlx-generate", "TestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

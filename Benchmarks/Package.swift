// swift-tools-version:6.1
//
// VLExport's benchmarks, in a package of their own so that library users never
// build them. `swift package benchmark` runs the suite; Scripts/bench.sh times
// whole processes, jsondecoder-baseline among them.
import PackageDescription

let package = Package(
    name: "VLExportBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "VLExport", path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .target(
            name: "BaselineModels",
            path: "Sources/BaselineModels"
        ),
        .executableTarget(
            name: "jsondecoder-baseline",
            dependencies: ["BaselineModels"],
            path: "Sources/jsondecoder-baseline"
        ),
        .executableTarget(
            name: "ReaderBenchmarks",
            dependencies: [
                "BaselineModels",
                .product(name: "VLExport", package: "VLExport"),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Benchmarks/ReaderBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "package-benchmark"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

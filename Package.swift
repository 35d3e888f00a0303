// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "VLExport",
    products: [
        .library(name: "VLExport", targets: ["VLExport"]),
        .executable(name: "vlx-walk", targets: ["vlx-walk"]),
        .executable(name: "vlx-generate", targets: ["vlx-generate"]),
    ],
    targets: [
        .systemLibrary(
            name: "CYajl",
            pkgConfig: "yajl",
            providers: [.apt(["libyajl-dev"])]
        ),
        .target(
            name: "VLExport",
            dependencies: ["CYajl"]
        ),
        .executableTarget(
            name: "vlx-walk",
            dependencies: ["VLExport"]
        ),
        .executableTarget(name: "vlx-generate"),
        .testTarget(
            name: "VLExportTests",
            dependencies: ["VLExport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// jsondecoder-baseline: what a Swift user runs today. Reads the whole export
// into memory and decodes it with Foundation's JSONDecoder into Codable
// structs, then prints the counts. Scripts/bench.sh times it next to vlx.
//
//   jsondecoder-baseline FILE

import BaselineModels
import Foundation

guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: jsondecoder-baseline FILE\n".utf8))
    exit(2)
}
do {
    let data = try Data(contentsOf: URL(fileURLWithPath: CommandLine.arguments[1]))
    let export = try JSONDecoder().decode(DecodedExport.self, from: data)
    let metadata = export.mediaItems.reduce(0) { $0 + ($1.metadataItems?.count ?? 0) }
    print("items \(export.mediaItems.count) metadata_items \(metadata)")
} catch {
    FileHandle.standardError.write(Data("jsondecoder-baseline: \(error)\n".utf8))
    exit(1)
}

import Foundation
import Testing
import TestSupport

/// Real pyspark over a split folder, read the way the README shows: `spark.read.json(folder)`.
@Suite(.hangLimit) struct SparkTests {
    @Test func sparkReadsEverySplitItemOnceAndNothingElse() throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let export = scratch.appendingPathComponent("export.json").path
        let generated = try run(Paths.generator, ["--items", "3000", "--seed", "5"])
        try generated.stdout.write(to: URL(fileURLWithPath: export))
        let plain = scratch.appendingPathComponent("plain").path
        let gzip = scratch.appendingPathComponent("gzip").path
        #expect(try vlx(["split", export, "--shards", "4", "-o", plain]).status == 0)
        #expect(try vlx(["split", export, "--shards", "4", "--gzip", "-o", gzip]).status == 0)
        // A second run over a used folder, with fewer parts: --overwrite leaves only its own.
        let again = scratch.appendingPathComponent("again").path
        #expect(try vlx(["split", export, "--shards", "5", "-o", again]).status == 0)
        #expect(try vlx(["split", export, "--shards", "3", "-o", again]).status == 2)
        #expect(try vlx(["split", export, "--shards", "2", "-o", again, "--overwrite"]).status == 0)

        let counts = try python("""
        import sys
        from pyspark.sql import SparkSession
        spark = SparkSession.builder.master('local[2]').appName('vlx-split').config('spark.ui.enabled', 'false').getOrCreate()
        spark.sparkContext.setLogLevel('ERROR')
        for folder in sys.argv[1:]:
            frame = spark.read.json(folder)
            print(frame.count(), frame.select('media_id').distinct().count(), '_corrupt_record' in frame.columns)
        spark.stop()
        """, [plain, gzip, again])
        #expect(counts.split(separator: "\n").map(String.init) == ["3000 3000 False", "3000 3000 False", "3000 3000 False"], "\(counts)")
    }
}

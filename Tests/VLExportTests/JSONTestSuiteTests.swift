import Testing
import TestSupport
import VLExport

/// Nicolas Seriot's JSONTestSuite through the tokenizer, each file a standalone document.
@Suite(.hangLimit) struct JSONTestSuiteTests {
    static let names: [String] = (try? Fixture.names(in: "JSONTestSuite/test_parsing")) ?? []

    @Test func suiteIsPresent() {
        #expect(Self.names.count == 318)
    }

    @Test func everyAcceptFileIsAccepted() throws {
        let accept = Self.names.filter { $0.hasPrefix("y_") }
        #expect(accept.count == 95)
        var rejected: [String] = []
        for name in accept {
            let bytes = try Fixture.bytes("JSONTestSuite/test_parsing/" + name)
            do {
                _ = try JSONValue(parsing: bytes)
            } catch {
                rejected.append("\(name): \(error)")
            }
        }
        #expect(rejected == [])
    }

    @Test func everyRejectFileIsRejected() throws {
        let reject = Self.names.filter { $0.hasPrefix("n_") }
        #expect(reject.count == 188)
        var accepted: [String] = []
        for name in reject {
            let bytes = try Fixture.bytes("JSONTestSuite/test_parsing/" + name)
            if (try? JSONValue(parsing: bytes)) != nil { accepted.append(name) }
        }
        #expect(accepted == [])
    }

    @Test func implementationDefinedFilesEndInAValueOrALocatedError() throws {
        let either = Self.names.filter { $0.hasPrefix("i_") }
        #expect(either.count == 35)
        for name in either {
            let bytes = try Fixture.bytes("JSONTestSuite/test_parsing/" + name)
            do {
                _ = try JSONValue(parsing: bytes)
            } catch {
                #expect(error.location != nil, "\(name)")
            }
        }
    }

    @Test func rejectFilesAreRejectedAsExportsToo() async throws {
        // The export reader uses the same tokenizer; it must not accept what the tokenizer rejects.
        for name in Self.names where name.hasPrefix("n_") {
            let bytes = try Fixture.bytes("JSONTestSuite/test_parsing/" + name)
            let result = await rawWalk(bytes)
            #expect(result.error != nil, "\(name)")
        }
    }
}

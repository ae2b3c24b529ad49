import Foundation
import MiniMind
import Testing
@testable import Checkpoint

/// provenance.json beside a shipped base: read with the folder, described in
/// one line, and a damaged one refuses the load naming its key. (The shipped
/// base itself is checked end to end in integration-tests/test_shipped_base.py.)
@Suite struct BaseProvenanceTests {
    private let hash = String(repeating: "0123456789abcdef", count: 4)

    private func record(_ changes: [(String, StrictJSON?)] = []) -> StrictJSON {
        var members: [(String, StrictJSON)] = [
            ("name", .string("tiny-stories")), ("version", .int(2)), ("recipe_sha256", .string(hash)),
            ("made_by", .string("tools/make-base.py")), ("source_commit", .string("1077e5f42edcd5577e1712c70d796c7967060943")),
            ("numerics_version", .int(1)), ("seed", .int(42)), ("steps", .int(1300)), ("lr", .number("0.003")),
            ("held_out_loss", .number("0.9123")), ("schedule", .string("read by people, not by the loader")),
        ]
        for (key, value) in changes {
            members.removeAll { $0.0 == key }
            if let value { members.append((key, value)) }
        }
        return .object(members)
    }

    private func savedFolder(with provenance: StrictJSON?) throws -> URL {
        let folder = temporaryFolder()
        try HuggingFaceFolder.save(model: Model(config: smallConfig, seed: 5), to: folder)
        if let provenance {
            try AtomicFileWriter.write(provenance.prettyText, to: folder.appendingPathComponent(BaseProvenance.fileName))
        }
        return folder
    }

    @Test func aFolderWithProvenanceLoadsItAndDescribesItInOneLine() throws {
        let loaded = try HuggingFaceFolder.load(from: try savedFolder(with: record()))
        let provenance = try #require(loaded.provenance)
        #expect(provenance.name == "tiny-stories" && provenance.version == 2 && provenance.recipeSHA256 == hash)
        #expect(provenance.seed == 42 && provenance.steps == 1300 && provenance.heldOutLoss == 0.9123)
        #expect(provenance.description == "base tiny-stories v2 (recipe sha256 0123456789abcdef, seed 42, 1300 steps, lr 0.003, "
                + "held-out loss 0.9123, numerics 1, source 1077e5f42edc, made by tools/make-base.py)")
    }

    @Test func aFolderWithoutProvenanceHasNone() throws {
        #expect(try HuggingFaceFolder.load(from: try savedFolder(with: nil)).provenance == nil)
    }

    @Test func onlyTheRequiredFieldsAreRequired() throws {
        let minimal: StrictJSON = .object([("name", .string("b")), ("version", .int(1)), ("recipe_sha256", .string(hash))])
        let provenance = try BaseProvenance.parse(minimal)
        #expect(provenance.description == "base b v1 (recipe sha256 0123456789abcdef)")
    }

    @Test(arguments: [
        ("name", StrictJSON?.none), ("version", .string("1")), ("recipe_sha256", .string("abc")),
        ("recipe_sha256", .string(String(repeating: "g", count: 64))), ("seed", .string("42")), ("held_out_loss", .bool(true)),
    ])
    func aDamagedProvenanceRefusesTheLoadNamingItsKey(key: String, value: StrictJSON?) throws {
        let folder = try savedFolder(with: record([(key, value)]))
        guard case .invalidConfig(let file, let named, _)? = loadError(folder) else {
            Issue.record("loaded a base whose \(key) is \(String(describing: value))")
            return
        }
        #expect(file == "provenance.json" && named == key)
    }
}

import Foundation
import Testing
@testable import Checkpoint

/// Reads the `torch.save` fixtures tools/make-torch-fixtures.py wrote with
/// torch, against the tensors torch itself reported for them.
@Suite struct TorchCheckpointTests {
    /// Every tensor equals, value for value, what torch wrote to the JSON beside the file.
    private func expectMatchesTorch(_ file: String) throws {
        let stateDict = try TorchCheckpoint.read(path: FixtureFiles.path("torch/" + file))
        let expected = try #require(try FixtureFiles.json("torch/" + file + ".json") as? [String: Any])
        let names = try #require(expected["names"] as? [String])
        let tensors = try #require(expected["tensors"] as? [String: [String: Any]])
        #expect(stateDict.names == names)
        #expect(Set(stateDict.tensors.keys) == Set(names))
        for name in names {
            let want = try #require(tensors[name])
            let tensor = try #require(stateDict[name], "\(name) missing")
            #expect(tensor.shape == (want["shape"] as? [Int]), "\(name) shape")
            let values = (want["values"] as? [Any] ?? []).map { value -> Float in
                switch value {
                case let number as Double: Float(number)
                case let text as String: text == "inf" ? .infinity : -.infinity
                default: .nan
                }
            }
            #expect(tensor.values.count == values.count, "\(name) count")
            // Bit for bit: F16/BF16 widen to F32 exactly, so nothing is approximate here.
            #expect(zip(tensor.values, values).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(name) values")
        }
    }

    @Test func readsMiniMindFullCheckpointsInHalfAndSingle() throws {
        try expectMatchesTorch("full_sft_tiny_f16.pth")
        try expectMatchesTorch("full_sft_tiny_f32.pth")
    }

    @Test func readsMiniMindLoRAFiles() throws {
        try expectMatchesTorch("lora_tiny_f32.pth")
        try expectMatchesTorch("lora_tiny_f16.pth")
        let lora = try TorchCheckpoint.read(path: FixtureFiles.path("torch/lora_tiny_f32.pth"))
        #expect(lora.names.first == "model.layers.0.self_attn.q_proj.lora.A.weight")
        #expect(lora["model.layers.0.self_attn.q_proj.lora.A.weight"]?.shape == [2, 16])
        #expect(lora["model.layers.0.self_attn.q_proj.lora.B.weight"]?.shape == [16, 2])
    }

    @Test func tiedWeightsShareOneStorageAndReadAsEqualTensors() throws {
        let full = try TorchCheckpoint.read(path: FixtureFiles.path("torch/full_sft_tiny_f32.pth"))
        let embedding = try #require(full["model.embed_tokens.weight"])
        #expect(full["lm_head.weight"] == embedding)
        #expect(embedding.shape == [24, 16])
    }

    @Test func viewsWithOffsetsStridesBFloat16AndEdgeShapes() throws {
        try expectMatchesTorch("views.pth")
        let views = try TorchCheckpoint.read(path: FixtureFiles.path("torch/views.pth"))
        // base = arange(40)/8 viewed 5×8 and transposed: element [i][j] is base[j*8 + i].
        #expect(views["transposed"]?.shape == [8, 5])
        #expect(views["transposed"]?.values.prefix(3) == [0, 1, 2])
        #expect(views["empty"]?.shape == [0, 4])
        #expect(views["scalar"] == StoredTensor(shape: [], values: [2.5]))
        #expect(views["half_subnormal_and_inf"]?.values[3] == .infinity)
    }

    /// Each broken file gets its own error, and the read returns nothing.
    @Test(arguments: [
        ("forbidden_global.pth", TorchCheckpointError.Problem.forbiddenGlobal, "posix.system"),
        ("double_storage.pth", .forbiddenGlobal, "torch.DoubleStorage"),
        ("forbidden_opcode.pth", .forbiddenOpcode, "EMPTY_LIST"),
        ("training_checkpoint.pth", .unsupportedContent, "'model' holds a dict"),
        ("legacy_format.pth", .notAnArchive, "legacy format"),
        ("truncated.pth", .truncated, "truncated"),
        ("not_a_zip.pth", .notAnArchive, "not a zip archive"),
        ("bad_crc.pth", .corruptArchive, "CRC-32"),
        ("compressed.pth", .unsupportedArchive, "deflate-compressed"),
        ("missing_storage.pth", .missingMember, "storage 0"),
        ("short_storage.pth", .tensorOutOfBounds, "'w'"),
        ("big_endian.pth", .unsupportedContent, "big-endian"),
        ("no_such_file.pth", .fileMissing, "no such file"),
    ])
    func brokenFilesGetTheirOwnError(file: String, problem: TorchCheckpointError.Problem, phrase: String) {
        let path = FixtureFiles.path("torch/" + file)
        #expect {
            _ = try TorchCheckpoint.read(path: path)
        } throws: { error in
            guard let error = error as? TorchCheckpointError else { return false }
            return error.problem == problem && error.description.contains(phrase) && error.file == path
        }
    }

    @Test func theGoodTwinOfTheBrokenFilesReads() throws {
        try expectMatchesTorch("small.pth")
    }
}

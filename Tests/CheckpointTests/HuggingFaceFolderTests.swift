import Foundation
import LinearAlgebra
import MiniMind
import Testing
@testable import Checkpoint

let smallConfig = ModelConfig(dim: 32, layers: 2, heads: 4, kvHeads: 2, ffn: 48, vocabSize: 40, maxSeq: 16)
let probeTokens: [Int32] = [1, 5, 9, 3, 30, 2, 7]

func writeConfig(_ json: StrictJSON, in folder: URL) throws {
    try AtomicFileWriter.write(json.prettyText, to: folder.appendingPathComponent("config.json"))
}

/// The config.json `save` writes, with some keys replaced or added.
func editedConfig(_ config: ModelConfig, _ changes: [(String, StrictJSON)]) -> StrictJSON {
    var members = HuggingFaceConfig.json(for: config, bosTokenID: nil, eosTokenID: nil).members!
    for (key, value) in changes {
        if let at = members.firstIndex(where: { $0.0 == key }) { members[at].1 = value } else { members.append((key, value)) }
    }
    return .object(members)
}

func loadError(_ folder: URL) -> CheckpointError? {
    do { _ = try HuggingFaceFolder.load(from: folder); return nil } catch { return error }
}

@Suite struct HuggingFaceFolderTests {
    @Test(arguments: [false, true])
    func saveThenLoadIsBitIdenticalWithIdenticalLogits(qkNorm: Bool) throws {
        var config = smallConfig
        config.qkNorm = qkNorm
        config.ropeTheta = 50_000
        let model = Model(config: config, seed: 3)
        let folder = temporaryFolder()
        try HuggingFaceFolder.save(model: model, to: folder, bosTokenID: 1, eosTokenID: 2)
        let loaded = try HuggingFaceFolder.load(from: folder)
        #expect(loaded.architecture == (qkNorm ? .qwen3 : .llama))
        #expect(loaded.model.config == config)
        for (a, b) in zip(model.parameters, loaded.model.parameters) {
            #expect(a.name == b.name)
            #expect(a.value.array.map(\.bitPattern) == b.value.array.map(\.bitPattern), "\(a.name)")
        }
        #expect(model.logits(tokens: probeTokens).values == loaded.model.logits(tokens: probeTokens).values)
        let written = try StrictJSON.parse(Data(contentsOf: folder.appendingPathComponent("config.json")))
        #expect(written["architectures"] == .array([.string(qkNorm ? "Qwen3ForCausalLM" : "LlamaForCausalLM")]))
        #expect(written["head_dim"]?.intValue == 8)
        #expect(written["tie_word_embeddings"] == .bool(true))
        let weights = try SafeTensorsReader.read(contentsOf: folder.appendingPathComponent("model.safetensors"))
        #expect(weights.metadata["format"] == "pt")
        #expect(weights.tensors["lm_head.weight"] == nil) // tied: not repeated
        #expect(weights.tensors["model.norm.weight"]?.shape == [32])
    }

    @Test func bfloat16SaveLoadsWithinBFloat16Precision() throws {
        let model = Model(config: smallConfig, seed: 4)
        let folder = temporaryFolder()
        try HuggingFaceFolder.save(model: model, to: folder, storage: .bf16)
        let loaded = try HuggingFaceFolder.load(from: folder)
        for (a, b) in zip(model.parameters, loaded.model.parameters) {
            for (x, y) in zip(a.value.array, b.value.array) { #expect(abs(x - y) <= abs(x) / 256) }
        }
    }

    @Test func ropeParametersOfTransformers5AreRead() throws {
        let model = Model(config: smallConfig, seed: 5)
        let folder = temporaryFolder()
        try HuggingFaceFolder.save(model: model, to: folder)
        let json = editedConfig(smallConfig, [("rope_theta", .null),
                                              ("rope_parameters", .object([("rope_type", .string("default")), ("rope_theta", .number("12345"))]))])
        try writeConfig(json, in: folder)
        #expect(try HuggingFaceFolder.load(from: folder).model.config.ropeTheta == 12345)
    }

    @Test(arguments: [
        ("attention_bias", StrictJSON.bool(true)),
        ("mlp_bias", .bool(true)),
        ("hidden_act", .string("gelu")),
        ("tie_word_embeddings", .bool(false)),
        ("rope_scaling", .object([("rope_type", .string("yarn")), ("factor", .number("4"))])),
        ("head_dim", .int(16)),
        ("model_type", .string("gpt2")),
        ("use_sliding_window", .bool(true)),
    ])
    func unrepresentableConfigsAreRefusedNamingTheKey(key: String, value: StrictJSON) throws {
        var config = smallConfig
        config.qkNorm = key == "use_sliding_window" // a Qwen3 key
        let folder = temporaryFolder()
        try HuggingFaceFolder.save(model: Model(config: config, seed: 1), to: folder)
        try writeConfig(editedConfig(config, [(key, value)]), in: folder)
        guard case .unrepresentable(_, let named, _)? = loadError(folder) else {
            Issue.record("expected a refusal naming \(key), got \(String(describing: loadError(folder)))")
            return
        }
        #expect(named.hasPrefix(key))
    }

    @Test func miniMindFoldersLoadWithUnprefixedNamesAndATiedHeadCopy() throws {
        var config = smallConfig
        config.qkNorm = true
        config.normEps = 1e-5
        let model = Model(config: config, seed: 6)
        let folder = temporaryFolder()
        // MiniMind's own config keys, and a state dict saved from MiniMindModel: no "model." prefix, lm_head present.
        try writeConfig(.object([
            ("model_type", .string("minimind")), ("hidden_size", .int(32)), ("num_hidden_layers", .int(2)),
            ("num_attention_heads", .int(4)), ("num_key_value_heads", .int(2)), ("intermediate_size", .int(48)),
            ("vocab_size", .int(40)), ("max_position_embeddings", .int(32768)), ("rope_theta", .number("1000000.0")),
            ("rms_norm_eps", .number("1e-05")), ("hidden_act", .string("silu")), ("use_moe", .bool(false)),
            ("flash_attn", .bool(true)), ("dropout", .number("0.0")),
        ]), in: folder)
        var tensors: [String: StoredTensor] = [:]
        for (name, tensor) in ModelTensors.export(model) { tensors[String(name.dropFirst("model.".count))] = tensor }
        tensors["lm_head.weight"] = tensors["embed_tokens.weight"]
        try SafeTensorsWriter.write(tensors, to: folder.appendingPathComponent("model.safetensors"))
        let loaded = try HuggingFaceFolder.load(from: folder)
        #expect(loaded.architecture == .minimind)
        #expect(loaded.model.config.qkNorm)             // decided from the q_norm weights
        #expect(loaded.model.config.normEps == 1e-5)
        #expect(loaded.model.config.maxSeq == HuggingFaceConfig.maximumContext)
        #expect(loaded.cappedContext == 32768)
        #expect(model.logits(tokens: probeTokens).values == loaded.model.logits(tokens: probeTokens).values, "logits differ")
    }

    @Test func mixtureOfExpertsIsRefused() throws {
        let folder = temporaryFolder()
        try writeConfig(.object([("model_type", .string("minimind")), ("use_moe", .bool(true)), ("hidden_size", .int(32))]), in: folder)
        guard case .unrepresentable(_, "use_moe", let reason)? = loadError(folder) else {
            Issue.record("got \(String(describing: loadError(folder)))"); return
        }
        #expect(reason.contains("mixture-of-experts"))
    }

    @Test func weightProblemsAreNamed() throws {
        let model = Model(config: smallConfig, seed: 7)
        let folder = temporaryFolder()
        try HuggingFaceFolder.save(model: model, to: folder)
        let file = folder.appendingPathComponent("model.safetensors")
        let good = ModelTensors.export(model)

        var withBias = good
        withBias["model.layers.0.self_attn.q_proj.bias"] = StoredTensor(shape: [32], values: Array(repeating: 0, count: 32))
        try SafeTensorsWriter.write(withBias, to: file)
        #expect({ if case .unexpectedTensor(_, "model.layers.0.self_attn.q_proj.bias", let r)? = loadError(folder) { r.contains("biases") } else { false } }())

        var missing = good
        missing["model.layers.1.mlp.down_proj.weight"] = nil
        try SafeTensorsWriter.write(missing, to: file)
        #expect(loadError(folder) == .missingTensor(file: "model.safetensors", name: "model.layers.1.mlp.down_proj.weight"))

        var wrongShape = good
        wrongShape["model.layers.0.self_attn.k_proj.weight"] = StoredTensor(shape: [32, 32], values: Array(repeating: 0, count: 1024))
        try SafeTensorsWriter.write(wrongShape, to: file)
        #expect(loadError(folder) == .shapeMismatch(file: "model.safetensors", name: "model.layers.0.self_attn.k_proj.weight",
                                                    expected: [16, 32], found: [32, 32]))

        var untied = good
        untied["lm_head.weight"] = StoredTensor(shape: [40, 32], values: Array(repeating: 0.5, count: 1280))
        try SafeTensorsWriter.write(untied, to: file)
        #expect({ if case .unrepresentable(_, "lm_head.weight", _)? = loadError(folder) { true } else { false } }())

        try Data([1, 2, 3]).write(to: file)
        #expect(loadError(folder) == .safetensors(path: file.path, .fileTooShort(bytes: 3)))
    }

    @Test func shardedSafeTensorsAreJoined() throws {
        let model = Model(config: smallConfig, seed: 8)
        let folder = temporaryFolder()
        try HuggingFaceFolder.save(model: model, to: folder)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("model.safetensors"))
        let tensors = ModelTensors.export(model)
        let names = tensors.keys.sorted()
        let first = Dictionary(uniqueKeysWithValues: names.prefix(5).map { ($0, tensors[$0]!) })
        let second = Dictionary(uniqueKeysWithValues: names.dropFirst(5).map { ($0, tensors[$0]!) })
        try SafeTensorsWriter.write(first, to: folder.appendingPathComponent("model-00001-of-00002.safetensors"))
        try SafeTensorsWriter.write(second, to: folder.appendingPathComponent("model-00002-of-00002.safetensors"))
        let map = names.enumerated().map { ($0.element, StrictJSON.string($0.offset < 5 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors")) }
        try AtomicFileWriter.write(StrictJSON.object([("weight_map", .object(map))]).prettyText,
                                   to: folder.appendingPathComponent("model.safetensors.index.json"))
        #expect(model.logits(tokens: probeTokens).values == (try HuggingFaceFolder.load(from: folder)).model.logits(tokens: probeTokens).values)
    }

    @Test func aPyTorchFileNeedsAReader() throws {
        let folder = temporaryFolder()
        try HuggingFaceFolder.save(model: Model(config: smallConfig, seed: 9), to: folder)
        try FileManager.default.moveItem(at: folder.appendingPathComponent("model.safetensors"), to: folder.appendingPathComponent("pytorch_model.bin"))
        #expect(loadError(folder) == .noPyTorchReader(path: folder.appendingPathComponent("pytorch_model.bin").path))
        // Any reader returning tensors by name plugs in (here: one reading safetensors bytes).
        let reader: PyTorchStateDictReader = { path in try SafeTensorsReader.read(contentsOf: URL(fileURLWithPath: path)).tensors }
        #expect(try HuggingFaceFolder.load(from: folder, pyTorchReader: reader).model.config == smallConfig)
    }
}

@Suite struct SavedFilePermissionTests {
    private func permissions(_ url: URL) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        return try #require(attributes[.posixPermissions] as? Int) & 0o777
    }

    @Test func aSavedModelIsItsOwnersOnly() throws {
        let folder = temporaryFolder().appendingPathComponent("new").appendingPathComponent("model")
        try HuggingFaceFolder.save(model: Model(config: smallConfig, seed: 4), to: folder)
        #expect(try permissions(folder) == 0o700)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files.contains("model.safetensors") && files.contains("config.json"))
        for name in files { #expect(try permissions(folder.appendingPathComponent(name)) == 0o600, "\(name)") }
    }
}

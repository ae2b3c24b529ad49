import Foundation
import LinearAlgebra
import MiniMind
import Testing
@testable import Checkpoint

func adaptedModel(seed: UInt64 = 11, qkNorm: Bool = false) throws -> Model {
    var config = smallConfig
    config.qkNorm = qkNorm
    let model = Model(config: config, seed: seed)
    try model.attachLoRA(TargetSelector(parsing: "q,v"), config: LoRAConfig(rank: 4, alpha: 6), seed: seed)
    try model.attachLoRA(TargetSelector(parsing: "down", layers: 1...1), config: LoRAConfig(rank: 2, rsLoRA: true), seed: seed + 1)
    // Give B values, so the adapters change the logits.
    for linear in model.adaptedLinears {
        let b = linear.adapter!.b
        for i in 0..<b.count { b.value[i] = Float(i % 7) * 0.01 - 0.03 }
    }
    return model
}

func adapterError(_ body: () throws(CheckpointError) -> Void) -> CheckpointError? {
    do { try body(); return nil } catch { return error }
}

@Suite struct PEFTAdapterFolderTests {
    @Test func saveThenLoadGivesIdenticalAdaptersAndLogits() throws {
        let model = try adaptedModel()
        let folder = temporaryFolder()
        try PEFTAdapterFolder.save(model: model, to: folder, baseModelPath: "../base")
        let fresh = model.copy()
        try fresh.detachAdapters()
        try PEFTAdapterFolder.attach(try PEFTAdapterFolder.read(from: folder), to: fresh)
        #expect(fresh.adaptedLinears.map(\.name) == model.adaptedLinears.map(\.name))
        for (a, b) in zip(model.adaptedLinears, fresh.adaptedLinears) {
            #expect(a.adapter!.scale == b.adapter!.scale, "\(a.name)")
            #expect(a.adapter!.a.value.array == b.adapter!.a.value.array)
            #expect(a.adapter!.b.value.array == b.adapter!.b.value.array)
        }
        #expect(model.logits(tokens: probeTokens).values == fresh.logits(tokens: probeTokens).values)
        #expect(fresh.trainableParameters.count == 2 * fresh.adaptedLinears.count) // base frozen, adapters train
    }

    @Test func doraAdaptersRoundTripWithTheirMagnitudes() throws {
        let model = Model(config: smallConfig, seed: 5)
        try model.attachLoRA(TargetSelector(parsing: "q,down"), config: LoRAConfig(rank: 2, dora: true), seed: 5)
        // Move B and m off their initial values, so both must survive the round trip.
        for linear in model.adaptedLinears {
            let dora = try #require(linear.update as? DoRAAdapter)
            for i in 0..<dora.b.count { dora.b.value[i] = Float(i % 5) * 0.02 - 0.04 }
            for j in 0..<dora.magnitude.count { dora.magnitude.value[j] *= 1 + Float(j % 3) * 0.1 }
        }
        let folder = temporaryFolder()
        try PEFTAdapterFolder.save(model: model, to: folder, baseModelPath: "../base")
        let config = try StrictJSON.parse(Data(contentsOf: folder.appendingPathComponent("adapter_config.json")))
        #expect(config["use_dora"] == .bool(true))
        let weights = try SafeTensorsReader.read(contentsOf: folder.appendingPathComponent("adapter_model.safetensors"))
        #expect(weights.tensors["base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector.weight"]?.shape == [32])

        let fresh = model.copy()
        try fresh.detachAdapters()
        try PEFTAdapterFolder.attach(try PEFTAdapterFolder.read(from: folder), to: fresh)
        for (saved, loaded) in zip(model.adaptedLinears, fresh.adaptedLinears) {
            let a = try #require(saved.update as? DoRAAdapter), b = try #require(loaded.update as? DoRAAdapter)
            #expect(a.magnitude.value.array == b.magnitude.value.array, "\(saved.name)")
            #expect(a.a.value.array == b.a.value.array && a.b.value.array == b.b.value.array)
            #expect(a.scale == b.scale)
        }
        #expect(model.logits(tokens: probeTokens).values == fresh.logits(tokens: probeTokens).values)
        #expect(fresh.trainableParameters.count == 3 * fresh.adaptedLinears.count) // A, B and m train

        // A magnitude the config does not declare, and a declared one that is missing, are refused.
        let configURL = folder.appendingPathComponent("adapter_config.json")
        var members = config.members!
        members[members.firstIndex { $0.0 == "use_dora" }!].1 = .bool(false)
        try AtomicFileWriter.write(StrictJSON.object(members).prettyText, to: configURL)
        #expect({ if case .unexpectedTensor(_, let name, let reason)? = adapterError({ () throws(CheckpointError) in _ = try PEFTAdapterFolder.read(from: folder) }) {
            name.hasSuffix("lora_magnitude_vector.weight") && reason.contains("use_dora") } else { false } }())
        try AtomicFileWriter.write(config.prettyText, to: configURL)
        var tensors = weights.tensors
        tensors["base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector.weight"] = nil
        try SafeTensorsWriter.write(tensors, to: folder.appendingPathComponent("adapter_model.safetensors"))
        #expect({ if case .missingTensor(_, let name)? = adapterError({ () throws(CheckpointError) in _ = try PEFTAdapterFolder.read(from: folder) }) {
            name.hasSuffix("q_proj.lora_magnitude_vector.weight") } else { false } }())
    }

    @Test func doraAndPlainLoRAAreNotSavedAsOneAdapter() throws {
        let model = Model(config: smallConfig, seed: 5)
        try model.attachLoRA(TargetSelector(parsing: "q"), config: LoRAConfig(rank: 2, dora: true), seed: 5)
        try model.attachLoRA(TargetSelector(parsing: "v"), config: LoRAConfig(rank: 2), seed: 6)
        #expect({ if case .adapterRefused(let reason)? = adapterError({ () throws(CheckpointError) in
            try PEFTAdapterFolder.save(model: model, to: temporaryFolder(), baseModelPath: "") }) { reason.contains("use_dora") } else { false } }())
    }

    @Test func configUsesPEFTNamesAndPatternsForTheExceptions() throws {
        let folder = temporaryFolder()
        try PEFTAdapterFolder.save(model: try adaptedModel(), to: folder, baseModelPath: "../base")
        let config = try StrictJSON.parse(Data(contentsOf: folder.appendingPathComponent("adapter_config.json")))
        #expect(config["peft_type"] == .string("LORA"))
        #expect(config["task_type"] == .string("CAUSAL_LM"))
        #expect(config["base_model_name_or_path"] == .string("../base"))
        #expect(config["r"]?.intValue == 4)
        #expect(config["lora_alpha"]?.doubleValue == 6)
        #expect(config["use_rslora"] == .bool(false))
        // q,v in both layers plus down in layer 1 is no kinds × layers product: full names.
        #expect(config["target_modules"]?.arrayValue?.count == 5)
        #expect(config["rank_pattern"] == .object([("model.layers.1.mlp.down_proj", .int(2))]))
        // The rsLoRA adapter among plain ones: alpha chosen so that alpha / r is its scale 4/√2.
        let downAlpha = config["alpha_pattern"]?["model.layers.1.mlp.down_proj"]?.doubleValue ?? 0
        #expect(abs(downAlpha / 2 - 4 / 2.0.squareRoot()) < 1e-5)
        let weights = try SafeTensorsReader.read(contentsOf: folder.appendingPathComponent("adapter_model.safetensors"))
        #expect(weights.tensors["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"]?.shape == [4, 32])
        #expect(weights.tensors["base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight"]?.shape == [16, 4])
    }

    @Test func uniformAdaptersUseSuffixesAndLayersToTransform() throws {
        let model = Model(config: smallConfig, seed: 2)
        try model.attachLoRA(TargetSelector(parsing: "q,o", layers: 1...1), config: LoRAConfig(rank: 2), seed: 2)
        let folder = temporaryFolder()
        try PEFTAdapterFolder.save(model: model, to: folder, baseModelPath: "")
        let config = try StrictJSON.parse(Data(contentsOf: folder.appendingPathComponent("adapter_config.json")))
        #expect(config["target_modules"] == .array([.string("q_proj"), .string("o_proj")]))
        #expect(config["layers_to_transform"] == .array([.int(1)]))
    }

    @Test func miniMindLayoutHasUnitScale() throws {
        let model = Model(config: smallConfig, seed: 12)
        let file = temporaryFolder().appendingPathComponent("lora_identity.safetensors")
        let a = StoredTensor(shape: [2, 32], values: (0..<64).map { Float($0) * 0.001 })
        let b = StoredTensor(shape: [32, 2], values: (0..<64).map { Float($0 % 5) * 0.01 })
        // MiniMind names modules without PEFT's prefix, A and B as `lora.A` / `lora.B`.
        try SafeTensorsWriter.write(["model.layers.0.self_attn.q_proj.lora.A.weight": a,
                                     "model.layers.0.self_attn.q_proj.lora.B.weight": b], to: file)
        let adapters = try PEFTAdapterFolder.read(from: file)
        #expect(adapters.count == 1)
        #expect(adapters[0].scale == 1)
        let before = model.logits(tokens: probeTokens)
        let expectedWeight = model.linear(named: "model.layers.0.self_attn.q_proj")!.weight.matrix
            + matmul(Matrix(rows: 32, cols: 2, values: b.values), Matrix(rows: 2, cols: 32, values: a.values))
        try PEFTAdapterFolder.attach(adapters, to: model)
        #expect(model.logits(tokens: probeTokens).values != before.values)
        try model.mergeAdapters()
        let merged = model.linear(named: "model.layers.0.self_attn.q_proj")!.weight.matrix
        #expect(zip(merged.values, expectedWeight.values).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func theFirstTensorThatDoesNotFitIsNamedAndNothingIsAttached() throws {
        let model = Model(config: smallConfig, seed: 13)
        let file = temporaryFolder().appendingPathComponent("a.safetensors")
        try SafeTensorsWriter.write([
            "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight": StoredTensor(shape: [2, 32], values: Array(repeating: 0, count: 64)),
            "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight": StoredTensor(shape: [32, 2], values: Array(repeating: 0, count: 64)),
            "base_model.model.model.layers.1.self_attn.k_proj.lora_A.weight": StoredTensor(shape: [2, 32], values: Array(repeating: 0, count: 64)),
            "base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight": StoredTensor(shape: [32, 2], values: Array(repeating: 0, count: 64)),
        ], to: file)
        let adapters = try PEFTAdapterFolder.read(from: file)
        #expect(adapterError { () throws(CheckpointError) in try PEFTAdapterFolder.attach(adapters, to: model) }
                == .shapeMismatch(file: "adapter", name: "model.layers.1.self_attn.k_proj.lora_B.weight", expected: [16, 2], found: [32, 2]))
        #expect(model.adaptedLinears.isEmpty)

        try SafeTensorsWriter.write(["base_model.model.model.layers.7.self_attn.q_proj.lora_A.weight": StoredTensor(shape: [1, 32], values: Array(repeating: 0, count: 32)),
                                     "base_model.model.model.layers.7.self_attn.q_proj.lora_B.weight": StoredTensor(shape: [32, 1], values: Array(repeating: 0, count: 32))], to: file)
        let elsewhere = try PEFTAdapterFolder.read(from: file)
        #expect({ if case .unexpectedTensor(_, let name, let reason)? = adapterError({ () throws(CheckpointError) in try PEFTAdapterFolder.attach(elsewhere, to: model) }) {
            name == "model.layers.7.self_attn.q_proj.lora_A.weight" && reason.contains("no layer") } else { false } }())
    }

    @Test func refusedConfigsAndTensors() throws {
        let folder = temporaryFolder()
        try PEFTAdapterFolder.save(model: try adaptedModel(), to: folder, baseModelPath: "")
        let configURL = folder.appendingPathComponent("adapter_config.json")
        let original = try StrictJSON.parse(Data(contentsOf: configURL)).members!
        for (key, value) in [("bias", StrictJSON.string("all")), ("peft_type", .string("IA3")),
                             ("modules_to_save", .array([.string("lm_head")]))] {
            var edited = original
            edited[edited.firstIndex { $0.0 == key }!].1 = value
            try AtomicFileWriter.write(StrictJSON.object(edited).prettyText, to: configURL)
            guard case .unrepresentable(_, key, _)? = adapterError({ () throws(CheckpointError) in _ = try PEFTAdapterFolder.read(from: folder) }) else {
                Issue.record("\(key) was not refused"); continue
            }
        }
        let weights = folder.appendingPathComponent("adapter_model.safetensors")
        try SafeTensorsWriter.write(["base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector": StoredTensor(shape: [32], values: Array(repeating: 1, count: 32))], to: weights)
        try AtomicFileWriter.write(StrictJSON.object(original).prettyText, to: configURL)
        #expect({ if case .unexpectedTensor(_, _, let reason)? = adapterError({ () throws(CheckpointError) in _ = try PEFTAdapterFolder.read(from: folder) }) { reason.contains("use_dora") } else { false } }())
    }

    @Test func mergedAdaptersAreNotSaved() throws {
        let model = try adaptedModel()
        try model.mergeAdapters()
        #expect({ if case .adapterRefused? = adapterError({ () throws(CheckpointError) in try PEFTAdapterFolder.save(model: model, to: temporaryFolder(), baseModelPath: "") }) { true } else { false } }())
    }
}

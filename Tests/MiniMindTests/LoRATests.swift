import Corpus
import Foundation
import LinearAlgebra
import MiniMind
import Testing

@Suite struct LoRASelectionTests {
    static let minimind3 = Model(config: ModelConfig.preset("minimind3")!, seed: 0)

    func trainable(_ targets: String, rank: Int = 16) throws -> (count: Int, params: Int) {
        let model = Self.minimind3.copy()
        let adapted = try model.attachLoRA(TargetSelector(parsing: targets), config: LoRAConfig(rank: rank), seed: 0)
        return (adapted.count, model.trainableParameterCount)
    }

    /// MiniMind's own figures for minimind3 at r = 16.
    @Test func minimind3CountsMatchMiniMind() throws {
        let square = try trainable("square")
        #expect(square.count == 16)
        #expect(square.params == 393_216)
        let names = Self.minimind3.selectedLinears(try TargetSelector(parsing: "square")).map(\.name)
        #expect(names.allSatisfy { $0.hasSuffix("q_proj") || $0.hasSuffix("o_proj") })
        #expect(try trainable("q,k,v,o").params == 688_128)
        #expect(try trainable("attn").params == 688_128)
        #expect(try trainable("all-linear").params == 1_916_928)
    }

    @Test func squareAlsoPicksKeyAndValueWhenKVHeadsEqualHeads() throws {
        let config = ModelConfig(dim: 32, layers: 2, heads: 4, kvHeads: 4, ffn: 64, vocabSize: 20)
        let model = Model(config: config, seed: 0)
        let picked = model.selectedLinears(try TargetSelector(parsing: "square")).map { TargetSelector.shortName(of: $0.name) }
        #expect(picked == ["layers.0.q", "layers.0.k", "layers.0.v", "layers.0.o",
                           "layers.1.q", "layers.1.k", "layers.1.v", "layers.1.o"])
    }

    @Test func selectorsByShortFullGlobAndLayer() throws {
        let model = Model(config: ModelConfig.preset("tiny")!, seed: 0)
        func names(_ s: String, layers: ClosedRange<Int>? = nil) throws -> [String] {
            model.selectedLinears(try TargetSelector(parsing: s, layers: layers)).map { TargetSelector.shortName(of: $0.name) }
        }
        #expect(try names("q,v", layers: 0...1) == ["layers.0.q", "layers.0.v", "layers.1.q", "layers.1.v"])
        #expect(try names("layers.2.k") == ["layers.2.k"])
        #expect(try names("model.layers.3.mlp.down_proj") == ["layers.3.down"])
        #expect(try names("layers.1.up_proj") == ["layers.1.up"])
        #expect(try names("*.mlp.gate_proj").count == 4)
        #expect(try names("ffn", layers: 3...3) == ["layers.3.gate", "layers.3.up", "layers.3.down"])
        #expect(try names("all-linear").count == 28)
        #expect(throws: TargetSelector.ParseError.self) { try TargetSelector(parsing: "qq") }
        let reasons = model.select(try TargetSelector(parsing: "square")).map(\.reason)
        #expect(reasons.contains("k_proj 64×128: not square"))
        #expect(reasons.contains("q_proj 128×128: square"))
    }

    @Test func plannedParameterCountsAreWhatAttachingAdds() throws {
        for config in [LoRAConfig(rank: 3), LoRAConfig(rank: 2, dora: true)] {
            let model = Model(config: ModelConfig(dim: 32, layers: 1, heads: 4, kvHeads: 2, ffn: 48, vocabSize: 20), seed: 1)
            let attached = try model.attachLoRA(TargetSelector(parsing: "all-linear"), config: config, seed: 1)
            for linear in attached {
                #expect(linear.update!.parameterCount == config.trainableParameters(inFeatures: linear.inFeatures, outFeatures: linear.outFeatures),
                        "\(linear.name), dora \(config.dora)")
            }
        }
    }

    @Test func failedAttachChangesNothing() throws {
        let model = Model(config: ModelConfig.preset("tiny")!, seed: 0)
        #expect(throws: AdaptationError.invalidRank(0)) {
            try model.attachLoRA(TargetSelector(parsing: "attn"), config: LoRAConfig(rank: 0), seed: 0)
        }
        #expect(model.adaptedLinears.isEmpty)
        try model.attachLoRA(TargetSelector(parsing: "q"), config: LoRAConfig(rank: 4), seed: 0)
        // A second attach overlapping q fails whole: v must not get an adapter either.
        #expect(throws: AdaptationError.alreadyAdapted("model.layers.0.self_attn.q_proj")) {
            try model.attachLoRA(TargetSelector(parsing: "v,q"), config: LoRAConfig(rank: 4), seed: 0)
        }
        #expect(model.adaptedLinears.count == 4)
        #expect(throws: AdaptationError.rankTooLarge(rank: 100, layer: "model.layers.0.self_attn.k_proj", limit: 64)) {
            try model.attachLoRA(TargetSelector(parsing: "k"), config: LoRAConfig(rank: 100, initialization: .pissa), seed: 0)
        }
        // Any init: a rank past min(out, in) buys nothing and could exhaust memory.
        #expect(throws: AdaptationError.rankTooLarge(rank: 1_000_000, layer: "model.layers.0.mlp.up_proj", limit: 128)) {
            try model.attachLoRA(TargetSelector(parsing: "up"), config: LoRAConfig(rank: 1_000_000), seed: 0)
        }
        #expect(model.adaptedLinears.count == 4)
    }
}

@Suite struct LoRAAdapterTests {
    static func smallModel() -> Model {
        Model(config: ModelConfig(dim: 32, layers: 2, heads: 4, kvHeads: 2, ffn: 48, vocabSize: 259, maxSeq: 32), seed: 1)
    }

    @Test func scalesFollowAlphaRsLoRAAndMiniMind() {
        func adapter(_ initialization: LoRAInitialization, rs: Bool) -> LoRAAdapter {
            LoRAAdapter(layerName: "x", inFeatures: 8, outFeatures: 8, rank: 4, alpha: 8, dropout: 0,
                        initialization: initialization, rsLoRA: rs, seed: 0)
        }
        #expect(adapter(.peft, rs: false).scale == 2)
        #expect(adapter(.peft, rs: true).scale == 4)
        #expect(adapter(.minimind, rs: false).scale == 1)
        // B starts at zero, so ΔW = 0 and the model is unchanged.
        #expect(adapter(.peft, rs: false).delta.frobeniusNorm == 0)
        #expect(adapter(.gaussian, rs: false).a.matrix.frobeniusNorm > 0)
    }

    @Test func mergeThenUnmergeRestoresTheWeights() throws {
        let model = Self.smallModel()
        try model.attachLoRA(TargetSelector(parsing: "all-linear"), config: LoRAConfig(rank: 4), seed: 2)
        var generator = SeededGenerator(seed: 3)
        for linear in model.adaptedLinears {
            linear.adapter!.b.matrix = generator.normalMatrix(rows: linear.outFeatures, cols: 4, std: 0.5)
        }
        let before = model.linears.map(\.weight.matrix)
        let tokens: [Int32] = Array(0..<16).map { Int32($0 * 7 % 259) }
        let adaptedLogits = model.logits(tokens: tokens)
        try model.mergeAdapters()
        // Merged, the adapter path is off and W carries ΔW: same outputs.
        #expect(model.logits(tokens: tokens).maxAbsDifference(adaptedLogits) < 1e-4)
        #expect(model.linears[0].weight.matrix.maxAbsDifference(before[0]) > 1e-3)
        #expect(throws: AdaptationError.merged) { try model.mergeAdapters() }
        try model.unmergeAdapters()
        for (linear, original) in zip(model.linears, before) {
            #expect(linear.weight.matrix.maxAbsDifference(original) < 1e-5)
        }
    }

    @Test func pissaLeavesTheModelUnchangedAtStepZero() throws {
        let model = Self.smallModel()
        let tokens: [Int32] = Array(0..<20).map { Int32($0 * 13 % 259) }
        let before = model.logits(tokens: tokens)
        try model.attachLoRA(TargetSelector(parsing: "all-linear"), config: LoRAConfig(rank: 4, initialization: .pissa), seed: 0)
        #expect(model.logits(tokens: tokens).maxAbsDifference(before) < 1e-4)
        // And the adapter holds W's principal part: ΔW is not zero.
        #expect(model.adaptedLinears[0].adapter!.delta.frobeniusNorm > 0.1)
    }

    @Test func detachAfterMergeKeepsTheUpdate() throws {
        let model = Self.smallModel()
        try model.attachLoRA(TargetSelector(parsing: "q"), config: LoRAConfig(rank: 2, initialization: .gaussian), seed: 0)
        let q = model.blocks[0].q
        q.adapter!.b.matrix = Matrix(rows: 32, cols: 2, repeating: 0.1)
        let expected = q.weight.matrix + q.adapter!.delta
        try model.mergeAdapters()
        try model.detachAdapters()
        #expect(q.adapter == nil)
        #expect(q.weight.matrix.maxAbsDifference(expected) < 1e-5)
        #expect(throws: AdaptationError.noAdapters) { try model.detachAdapters() }
    }

    @Test func dropoutIsOffInEvaluationAndDeterministicInTraining() throws {
        let model = Self.smallModel()
        try model.attachLoRA(TargetSelector(parsing: "q,v"), config: LoRAConfig(rank: 4, dropout: 0.5, initialization: .gaussian), seed: 0)
        for linear in model.adaptedLinears { linear.adapter!.b.matrix = Matrix(rows: linear.outFeatures, cols: 4, repeating: 0.2) }
        let tokens: [Int32] = Array(0..<8).map { Int32($0) }
        #expect(model.logits(tokens: tokens) == model.logits(tokens: tokens))
    }
}

@Suite struct FineTuningTests {
    /// A pre-trained tiny model (2 layers) fine-tuned with LoRA on the identity
    /// task: the fine-tune held-out loss must fall by at least 30%.
    @Test func loraFineTuningLowersTheFineTuneEvalLoss() throws {
        var config = ModelConfig.preset("tiny")!
        config.layers = 2
        let model = Model(config: config, seed: 1)
        model.setBaseTrainable(true)
        let base = try BuiltinCorpora.load("tinystories")
        var baseSampler = try BatchSampler(dataset: base, batchSize: 8, seqLen: 64, seed: 1)
        let pretrainer = Trainer(model: model, config: TrainingConfig(learningRate: 3e-3, totalSteps: 100))
        for _ in 0..<100 {
            let b = baseSampler.nextBatch()
            pretrainer.step(tokens: b.tokens, targets: b.targets, batch: b.batchSize, seqLen: b.seqLen)
        }
        let task = try BuiltinCorpora.load("identity")
        func heldOutLoss() throws -> Float {
            var sum = 0.0, count = 0
            for b in try task.evaluationBatches(split: .heldOut, batchSize: 8, seqLen: 128) {
                let part = model.lossSum(tokens: b.tokens, targets: b.targets, batch: b.batchSize, seqLen: b.seqLen)
                sum += part.sum
                count += part.count
            }
            return Float(sum / Double(count))
        }
        let before = try heldOutLoss()
        try model.attachLoRA(TargetSelector(parsing: "attn"), config: LoRAConfig(rank: 8), seed: 2)
        #expect(model.trainableParameters.allSatisfy { $0.name.contains("lora_") })
        let frozen = model.blocks[0].q.weight.matrix
        var sampler = try BatchSampler(dataset: task, batchSize: 8, seqLen: 128, seed: 2)
        let trainer = Trainer(model: model, config: TrainingConfig(learningRate: 5e-3, totalSteps: 60))
        for _ in 0..<60 {
            let b = sampler.nextBatch()
            trainer.step(tokens: b.tokens, targets: b.targets, batch: b.batchSize, seqLen: b.seqLen)
        }
        let after = try heldOutLoss()
        #expect(after < 0.7 * before, "identity held-out loss \(before) → \(after)")
        #expect(model.blocks[0].q.weight.matrix == frozen, "the base weights stay frozen")
    }

    @Test func fullFineTuningKeepsTheReferenceWeight() throws {
        let model = LoRAAdapterTests.smallModel()
        try model.beginFullFineTuning(TargetSelector(parsing: "ffn", layers: 1...1))
        #expect(model.trainableParameters.map(\.name) == ["model.layers.1.mlp.gate_proj.weight",
                                                          "model.layers.1.mlp.up_proj.weight",
                                                          "model.layers.1.mlp.down_proj.weight"])
        let trainer = Trainer(model: model, config: TrainingConfig(learningRate: 1e-2))
        let tokens: [Int32] = Array(0..<16).map { Int32($0) }, targets: [Int32] = Array(1...16).map { Int32($0) }
        trainer.step(tokens: tokens, targets: targets, batch: 1, seqLen: 16)
        let gate = model.blocks[1].gate
        #expect((gate.weight.matrix - gate.referenceWeight!).frobeniusNorm > 0)
        #expect(model.blocks[0].gate.referenceWeight == nil)
    }
}

import LinearAlgebra
import MiniMind
import Testing

/// The whole model's loss gradient against finite differences, for every
/// tensor kind: embedding + tied head, norms, q/k norm, every linear layer,
/// LoRA's A and B, and a fully fine-tuned matrix.
@Suite struct ModelGradientTests {
    static func smallConfig(qkNorm: Bool) -> ModelConfig {
        ModelConfig(dim: 16, layers: 2, heads: 4, kvHeads: 2, ffn: 24, vocabSize: 19, maxSeq: 16, qkNorm: qkNorm)
    }

    /// Weights larger than the N(0, 0.02²) initialisation, so that every path
    /// carries a gradient well above Float32 rounding.
    static func model(qkNorm: Bool, seed: UInt64 = 5) -> Model {
        let model = Model(config: smallConfig(qkNorm: qkNorm), seed: seed)
        var generator = SeededGenerator(seed: seed + 100)
        for p in model.parameters {
            let base: Float = p.rows == 1 ? 1 : 0
            p.matrix = Matrix(rows: p.rows, cols: p.cols,
                              values: (0..<p.count).map { _ in base + 0.3 * generator.normal() })
        }
        return model
    }

    static func batch(vocab: Int) -> (tokens: [Int32], targets: [Int32], batch: Int, seqLen: Int) {
        var generator = SeededGenerator(seed: 17)
        let batch = 2, seqLen = 6
        let tokens = (0..<(batch * seqLen)).map { _ in Int32(generator.index(below: vocab)) }
        var targets = (0..<(batch * seqLen)).map { _ in Int32(generator.index(below: vocab)) }
        targets[3] = -1  // an ignored target
        return (tokens, targets, batch, seqLen)
    }

    func checkEveryTrainableTensor(_ model: Model, label: String) {
        let data = Self.batch(vocab: model.config.vocabSize)
        for p in model.trainableParameters { p.gradient?.zero() }
        _ = model.lossAndBackward(tokens: data.tokens, targets: data.targets, batch: data.batch, seqLen: data.seqLen)
        // h = 1e-3: along a whole-tensor direction a larger step is no longer
        // linear (errors of 5–50% at h = 1e-2, measured).
        var checker = GradientChecker(h: 1e-3, tolerance: 1e-2, floor: 0.05)
        for p in model.trainableParameters {
            let original = p.matrix
            guard let gradient = p.gradientMatrix else { Issue.record("\(p.name) has no gradient"); continue }
            checker.check("\(label) \(p.name)", at: original.values, gradient: gradient.values) { values in
                p.matrix = Matrix(rows: p.rows, cols: p.cols, values: values)
                defer { p.matrix = original }
                return Double(model.loss(tokens: data.tokens, targets: data.targets,
                                         batch: data.batch, seqLen: data.seqLen))
            }
        }
    }

    @Test(arguments: [false, true])
    func everyBaseTensor(qkNorm: Bool) {
        let model = Self.model(qkNorm: qkNorm)
        model.setBaseTrainable(true)
        #expect(model.trainableParameters.count == model.parameters.count)
        checkEveryTrainableTensor(model, label: qkNorm ? "qk-norm" : "plain")
    }

    @Test func loraPathWithFrozenBase() {
        let model = Self.model(qkNorm: true)
        for linear in [model.blocks[0].q, model.blocks[0].k, model.blocks[1].down] {
            let adapter = LoRAAdapter(layerName: linear.name, inFeatures: linear.inFeatures,
                                      outFeatures: linear.outFeatures, rank: 3, alpha: 6, dropout: 0,
                                      initialization: .gaussian, rsLoRA: false, seed: 3)
            // B = 0 at initialisation would hide A's gradient: start from a non-zero B.
            var generator = SeededGenerator(seed: 8)
            adapter.b.matrix = generator.normalMatrix(rows: adapter.b.rows, cols: adapter.b.cols, std: 0.3)
            linear.adapter = adapter
        }
        #expect(model.trainableParameters.count == 6)
        checkEveryTrainableTensor(model, label: "lora")
    }

    @Test func fullFineTuningOfOneMatrix() {
        let model = Self.model(qkNorm: false)
        model.blocks[1].v.weight.requiresGrad = true
        model.blocks[0].gate.weight.requiresGrad = true
        checkEveryTrainableTensor(model, label: "full")
    }

    @Test func frozenModelHasNoGradientsButStillTrainsAdaptersBelow() {
        let model = Self.model(qkNorm: false)
        #expect(model.trainableParameterCount == 0)
        let linear = model.blocks[0].o
        linear.adapter = LoRAAdapter(layerName: linear.name, inFeatures: 16, outFeatures: 16, rank: 2, alpha: 2,
                                     dropout: 0, initialization: .peft, rsLoRA: false, seed: 1)
        let data = Self.batch(vocab: 19)
        _ = model.lossAndBackward(tokens: data.tokens, targets: data.targets, batch: data.batch, seqLen: data.seqLen)
        // The gradient reached B of the lowest block's adapter through two frozen blocks.
        let gradB = linear.adapter!.b.gradientMatrix!
        #expect(gradB.frobeniusNorm > 0)
        #expect(model.parameters.allSatisfy { $0.gradient == nil })
    }
}

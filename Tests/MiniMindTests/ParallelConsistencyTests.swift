import LinearAlgebra
import MiniMind
import Testing

/// Batches large enough that the work is split across cores give the same
/// loss and gradients as the sequences run one at a time (small enough to
/// stay on one core): no races, no lost partial sums.
@Suite struct ParallelConsistencyTests {
    @Test func batchedLossAndGradientsEqualPerSequenceOnes() throws {
        let config = ModelConfig.preset("tiny")!
        let model = Model(config: config, seed: 11)
        try model.attachLoRA(TargetSelector(parsing: "attn"), config: LoRAConfig(rank: 4, initialization: .gaussian), seed: 1)
        for linear in model.adaptedLinears { linear.adapter!.b.matrix = Matrix(rows: linear.outFeatures, cols: 4, repeating: 0.01) }
        for block in model.blocks { block.gate.weight.requiresGrad = true }
        model.finalNorm.requiresGrad = true
        let batch = 8, seqLen = 64
        var generator = SeededGenerator(seed: 5)
        let tokens = (0..<(batch * seqLen)).map { _ in Int32(generator.index(below: 259)) }
        let targets = (0..<(batch * seqLen)).map { _ in Int32(generator.index(below: 259)) }

        let trainable = model.trainableParameters
        for p in trainable { p.gradient?.zero() }
        let batchedLoss = model.lossAndBackward(tokens: tokens, targets: targets, batch: batch, seqLen: seqLen)
        let batchedGradients = trainable.map { $0.gradientMatrix! }

        for p in trainable { p.gradient?.zero() }
        var lossSum: Float = 0
        for b in 0..<batch {
            let range = (b * seqLen)..<((b + 1) * seqLen)
            lossSum += model.lossAndBackward(tokens: Array(tokens[range]), targets: Array(targets[range]),
                                             batch: 1, seqLen: seqLen)
        }
        #expect(abs(batchedLoss - lossSum / Float(batch)) < 1e-4)
        for (p, batched) in zip(trainable, batchedGradients) {
            let perSequence = (1 / Float(batch)) * p.gradientMatrix!
            let scale = max(batched.frobeniusNorm, 1e-6)
            #expect((batched - perSequence).frobeniusNorm / scale < 1e-3, "\(p.name)")
        }
    }
}

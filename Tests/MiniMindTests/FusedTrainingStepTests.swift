import Foundation
import LinearAlgebra
@testable import MiniMind
import Testing

/// The training step as it is (head and loss fused in row chunks, AdamW's
/// range check fused with its update) against the step written out as it was
/// before: the head in one chunk, the gradients clipped in place, every
/// proposed weight checked and then computed again by the update. Losses,
/// norms, weights and moments must agree bit for bit: the notebooks' run
/// cache (RunCache.numericsVersion) holds results of the old step.
@Suite struct FusedTrainingStepTests {
    static let config = ModelConfig(dim: 32, layers: 1, heads: 2, kvHeads: 1, ffn: 48, vocabSize: 300, maxSeq: 128)
    static let batch = 8, seqLen = 128

    static func batches(count: Int) -> [(tokens: [Int32], targets: [Int32])] {
        var generator = SeededGenerator(seed: 5)
        return (0..<count).map { _ in
            let tokens = (0..<(batch * seqLen)).map { _ in Int32(generator.index(below: config.vocabSize)) }
            var targets = [Int32](repeating: -1, count: tokens.count)
            for b in 0..<batch {
                for t in 0..<(seqLen - 1) where t % 5 != 0 { targets[b * seqLen + t] = tokens[b * seqLen + t + 1] }
            }
            return (tokens, targets)
        }
    }

    /// The old step: norm, clip in place, AdamW's formula per value.
    struct ReferenceAdamW {
        var moments: [ObjectIdentifier: ([Float], [Float])] = [:]
        var steps = 0
        let beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8

        mutating func step(model: Model, tokens: [Int32], targets: [Int32], config: TrainingConfig) -> (Float, Float) {
            let trainable = model.trainableParameters
            for p in trainable { p.gradient?.zero() }
            let loss = model.lossAndBackward(tokens: tokens, targets: targets, batch: batch, seqLen: seqLen)
            var squares = 0.0
            for p in trainable { for i in 0..<p.count { squares += Double(p.gradient![i]) * Double(p.gradient![i]) } }
            let norm = Float(squares.squareRoot())
            if norm > config.gradientClip {
                let factor = config.gradientClip / norm
                for p in trainable { for i in 0..<p.count { p.gradient![i] *= factor } }
            }
            steps += 1
            let correction1 = 1 - pow(beta1, Float(steps)), correction2 = 1 - pow(beta2, Float(steps))
            for p in trainable {
                var (m, v) = moments[ObjectIdentifier(p)] ?? ([Float](repeating: 0, count: p.count), [Float](repeating: 0, count: p.count))
                let g = p.gradient!, decay = p.rows > 1 ? config.weightDecay : 0
                p.modifyValues { w in
                    for i in 0..<p.count {
                        m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                        let update = (m[i] / correction1) / ((v[i] / correction2).squareRoot() + epsilon)
                        w[i] -= config.learningRate * (update + decay * w[i])
                    }
                }
                moments[ObjectIdentifier(p)] = (m, v)
            }
            return (loss, norm)
        }
    }

    /// `clip` far below the gradient norms (every step clips) or far above (none does).
    static func compare(clip: Float, prepare: (Model) throws -> Void) throws {
        let training = TrainingConfig(learningRate: 1e-2, weightDecay: 0.1, gradientClip: clip)
        let fused = Model(config: config, seed: 3), plain = Model(config: config, seed: 3)
        try prepare(fused)
        try prepare(plain)
        plain.headInOneChunk = true
        fused.headChunkingMinimumFloats = 0
        // Where rows of a product do not come out alike in every block, the head runs in one chunk (`TiedHead`).
        if TiedHead.rowsComeOutAlike {
            #expect(fused.headChunks(rows: batch * seqLen).count > 1, "the batch must span several head chunks")
        } else {
            #expect(fused.headChunks(rows: batch * seqLen).count == 1)
        }
        let trainer = Trainer(model: fused, config: training)
        var reference = ReferenceAdamW()
        var clipped = 0
        for (tokens, targets) in batches(count: 4) {
            let record = trainer.step(tokens: tokens, targets: targets, batch: batch, seqLen: seqLen)
            let (loss, norm) = reference.step(model: plain, tokens: tokens, targets: targets, config: training)
            #expect(record.refusal == nil)
            #expect(record.loss == loss && record.gradientNorm == norm)
            if norm > training.gradientClip { clipped += 1 }
        }
        #expect(clipped == (clip < 1 ? 4 : 0), "\(clipped) of 4 steps clipped")
        for (a, b) in zip(fused.allParameters, plain.allParameters) {
            #expect(a.value.array == b.value.array, "\(a.name) differs")
            if let (m, v) = trainer.optimizer.moments(of: a), let (rm, rv) = reference.moments[ObjectIdentifier(b)] {
                #expect(m == rm && v == rv, "\(a.name): moments differ")
            }
        }
        // Evaluation goes through the chunked head too.
        let (tokens, targets) = batches(count: 5)[4]
        #expect(fused.lossSum(tokens: tokens, targets: targets, batch: batch, seqLen: seqLen)
                == plain.lossSum(tokens: tokens, targets: targets, batch: batch, seqLen: seqLen))
    }

    @Test(arguments: [Float(1e-3), 1e3])
    func fullTrainingIsBitIdenticalToTheUnfusedStep(clip: Float) throws {
        try Self.compare(clip: clip) { $0.setBaseTrainable(true) }
    }

    @Test func loraTrainingIsBitIdenticalToTheUnfusedStep() throws {
        try Self.compare(clip: 1e-3) { model in
            _ = try model.attachLoRA(TargetSelector(parsing: "q,v"), config: LoRAConfig(rank: 4, initialization: .gaussian), seed: 2)
        }
    }
}

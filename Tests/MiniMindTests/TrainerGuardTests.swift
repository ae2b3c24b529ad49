import LinearAlgebra
import MiniMind
import Testing

/// The trainer refuses a step that would poison the model before it writes
/// anything: weights and optimizer state stay as they were, and training can
/// go on with the same optimizer at a lower rate.
@Suite struct TrainerGuardTests {
    static let config = ModelConfig(dim: 16, layers: 1, heads: 2, kvHeads: 1, ffn: 32, vocabSize: 11, maxSeq: 8)
    static let tokens: [Int32] = [1, 2, 3, 4, 5, 6, 7, 8], targets: [Int32] = [2, 3, 4, 5, 6, 7, 8, 9]

    /// Two ordinary steps, so that the optimizer has moments worth keeping.
    static func warmedUp() -> (Model, Trainer) {
        let model = Model(config: config, seed: 2)
        model.setBaseTrainable(true)
        let trainer = Trainer(model: model, config: TrainingConfig(learningRate: 1e-2))
        for _ in 0..<2 { trainer.step(tokens: tokens, targets: targets, batch: 1, seqLen: 8) }
        return (model, trainer)
    }

    @Test func anUpdateOutOfRangeIsRefusedBeforeItIsApplied() {
        let (model, trainer) = Self.warmedUp()
        let weights = model.parameters.map(\.matrix)
        // Adam moves each weight by about the rate: 1e30 throws every one out of range.
        trainer.config.learningRate = 1e30
        let refused = trainer.step(tokens: Self.tokens, targets: Self.targets, batch: 1, seqLen: 8)
        guard case .weightOutOfRange = refused.refusal else {
            Issue.record("expected a refusal, got \(String(describing: refused.refusal))")
            return
        }
        #expect(trainer.stepCount == 2)
        #expect(trainer.history.count == 2)
        #expect(zip(model.parameters, weights).allSatisfy { $0.matrix == $1 })

        // The same optimizer goes on at a sane rate, exactly as an identical
        // trainer that never saw the refused step.
        let (twin, twinTrainer) = Self.warmedUp()
        trainer.config.learningRate = 1e-2
        let next = trainer.step(tokens: Self.tokens, targets: Self.targets, batch: 1, seqLen: 8)
        let twinNext = twinTrainer.step(tokens: Self.tokens, targets: Self.targets, batch: 1, seqLen: 8)
        #expect(next.refusal == nil)
        #expect(next == twinNext)
        #expect(zip(model.parameters, twin.parameters).allSatisfy { $0.matrix == $1.matrix })
    }

    @Test func aNonFiniteLossIsRefused() {
        let (model, trainer) = Self.warmedUp()
        model.finalNorm.value[0] = .infinity
        let weights = model.parameters.map(\.matrix)
        let refused = trainer.step(tokens: Self.tokens, targets: Self.targets, batch: 1, seqLen: 8)
        #expect(refused.refusal == .nonFiniteLoss || refused.refusal == .nonFiniteGradient)
        #expect(trainer.stepCount == 2)
        #expect(zip(model.parameters, weights).allSatisfy { $0.matrix.values.elementsEqual($1.values) { $0 == $1 || ($0.isNaN && $1.isNaN) } })
    }
}

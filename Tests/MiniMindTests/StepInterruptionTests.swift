import MiniMind
import Testing

/// A step asked to stop between blocks changes nothing — weights, optimizer,
/// the count of applied steps — and training afterwards is exactly what it
/// would have been without the stopped step: so an interrupt on a large model
/// need not wait for a whole step.
@Suite struct StepInterruptionTests {
    static let config = ModelConfig(dim: 16, layers: 3, heads: 2, kvHeads: 1, ffn: 32, vocabSize: 11, maxSeq: 8)
    static let tokens: [Int32] = [1, 2, 3, 4, 5, 6, 7, 8], targets: [Int32] = [2, 3, 4, 5, 6, 7, 8, 9]

    static func trainer() -> (Model, Trainer) {
        let model = Model(config: config, seed: 5)
        model.setBaseTrainable(true)
        return (model, Trainer(model: model, config: TrainingConfig(learningRate: 1e-2)))
    }

    /// Stops at the `n`-th question: 1 is before the first block of forward; layers + 1 the top block of backward.
    @Test(arguments: [1, 2, 3, 4, 6])
    func aStoppedStepChangesNothingAndTrainingGoesOnAsIfItHadNotHappened(stopAt n: Int) {
        let (model, trainer) = Self.trainer()
        _ = trainer.step(tokens: Self.tokens, targets: Self.targets, batch: 1, seqLen: 8)
        let before = model.parameters.map(\.matrix)
        let applied = model.trainingStepsApplied
        var asked = 0
        let stopped = trainer.step(tokens: Self.tokens, targets: Self.targets, batch: 1, seqLen: 8) {
            asked += 1
            return asked >= n
        }
        #expect(stopped.stopped)
        #expect(asked == n, "asked once per block until it answered true")
        #expect(model.parameters.map(\.matrix) == before)
        #expect(model.trainingStepsApplied == applied)

        let (twin, twinTrainer) = Self.trainer()
        _ = twinTrainer.step(tokens: Self.tokens, targets: Self.targets, batch: 1, seqLen: 8)
        let next = trainer.step(tokens: Self.tokens, targets: Self.targets, batch: 1, seqLen: 8)
        let twinNext = twinTrainer.step(tokens: Self.tokens, targets: Self.targets, batch: 1, seqLen: 8)
        #expect(!next.stopped && next.loss == twinNext.loss && next.gradientNorm == twinNext.gradientNorm)
        #expect(model.parameters.map(\.matrix) == twin.parameters.map(\.matrix))
    }

    @Test func aStepNeverAskedToStopAsksOncePerBlockEachWay() {
        let (_, trainer) = Self.trainer()
        var asked = 0
        let record = trainer.step(tokens: Self.tokens, targets: Self.targets, batch: 1, seqLen: 8) {
            asked += 1
            return false
        }
        #expect(!record.stopped && record.refusal == nil)
        #expect(asked == 2 * Self.config.layers)
    }
}

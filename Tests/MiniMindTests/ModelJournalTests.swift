import LinearAlgebra
import MiniMind
import Testing

/// The undo journal: what a command changes in a model is put back on
/// rollback — values, trainable flags, adapters and their settings — and only
/// the tensors written are copied.
@Suite struct ModelJournalTests {
    static let config = ModelConfig(dim: 16, layers: 2, heads: 2, kvHeads: 1, ffn: 24, vocabSize: 20, maxSeq: 16)

    /// Everything a model holds that a command may change, as plain values.
    struct Snapshot: Equatable {
        var values: [String: [Float]] = [:]
        var flags: [String: Bool] = [:]
        var updates: [String: String] = [:]

        init(_ model: Model) {
            for parameter in model.allParameters {
                values[parameter.name] = parameter.value.array
                flags[parameter.name] = parameter.requiresGrad
            }
            for linear in model.linears {
                guard let update = linear.update else { continue }
                let delta = update.learnedDelta(weight: linear.weight)
                updates[linear.name] = "\(update.kind) merged=\(update.isMerged) \(delta.base.values.hashValue) \(delta.formed.values.hashValue)"
            }
        }
    }

    func model() -> Model { Model(config: Self.config, seed: 3) }

    @Test func rollBackUndoesAttachMergeAndWrites() throws {
        let model = model()
        try model.attachLoRA(TargetSelector(parsing: "q,gate"), config: LoRAConfig(rank: 2), seed: 1)
        for linear in model.adaptedLinears { linear.adapter!.b.overwrite(with: (0..<linear.adapter!.b.count).map { Float($0 % 5) * 0.01 }) }
        let before = Snapshot(model)

        let journal = ModelJournal()
        journal.enroll(model)
        try model.mergeAdapters()
        model.finalNorm.value[0] = 7
        model.embedding.matrix = Matrix(rows: model.embedding.rows, cols: model.embedding.cols)
        try model.detachAdapters()
        try model.beginFullFineTuning(TargetSelector(parsing: "down"))
        #expect(Snapshot(model) != before, "the changes happened")
        journal.rollBack()
        #expect(Snapshot(model) == before)
        #expect(model.adaptedLinears.count == 4 && !model.hasMergedAdapters)
    }

    @Test func rollBackUndoesPiSSAAndDoRAMerge() throws {
        let model = model()
        try model.attachLoRA(TargetSelector(parsing: "k"), config: LoRAConfig(rank: 2, dora: true), seed: 1)
        let before = Snapshot(model)
        let journal = ModelJournal()
        journal.enroll(model)
        // PiSSA rewrites W itself; a DoRA merge rescales it and remembers the norms.
        try model.attachLoRA(TargetSelector(parsing: "q"), config: LoRAConfig(rank: 2, initialization: .pissa), seed: 2)
        try model.mergeAdapters()
        journal.rollBack()
        #expect(Snapshot(model) == before)
        #expect(!model.hasMergedAdapters && model.linear(named: "model.layers.0.self_attn.q_proj")?.update == nil)
    }

    @Test func onlyTheTensorsWrittenAreCopied() throws {
        let model = model()
        try model.attachLoRA(TargetSelector(parsing: "q,v"), config: LoRAConfig(rank: 2), seed: 1)
        let journal = ModelJournal()
        journal.enroll(model)
        try model.mergeAdapters()
        #expect(journal.journaledTensorCount == 4, "q and v of two layers, once each")
        try model.unmergeAdapters()
        #expect(journal.journaledTensorCount == 4, "a second write of a tensor copies nothing more")
        journal.commit()
        // Closed: writes are no longer recorded, and a new journal starts empty.
        let next = ModelJournal()
        next.enroll(model)
        #expect(next.journaledTensorCount == 0)
        next.commit()
    }

    @Test func commitKeepsTheChanges() throws {
        let model = model()
        let journal = ModelJournal()
        journal.enroll(model)
        try model.attachLoRA(TargetSelector(parsing: "o"), config: LoRAConfig(rank: 2), seed: 1)
        model.finalNorm.value[1] = 3
        journal.commit()
        #expect(model.adaptedLinears.count == 2 && model.finalNorm.value[1] == 3)
    }

    /// Training steps are the exception: not journaled, counted.
    @Test func trainingStepsAreCountedNotJournaled() throws {
        let model = model()
        try model.attachLoRA(TargetSelector(parsing: "q"), config: LoRAConfig(rank: 2), seed: 1)
        let trainer = Trainer(model: model, config: TrainingConfig(learningRate: 1e-2))
        let journal = ModelJournal()
        journal.enroll(model)
        journal.enroll(trainer)
        trainer.config.learningRate = 5e-3
        let tokens: [Int32] = (0..<8).map { Int32($0 % 20) }
        trainer.step(tokens: tokens, targets: tokens.map { ($0 + 1) % 20 }, batch: 1, seqLen: 8)
        #expect(journal.trainingStepsTaken == 1)
        #expect(journal.journaledTensorCount == 0, "AdamW's writes are not copied")
        journal.rollBack()
        #expect(trainer.config.learningRate == 1e-2, "the trainer's settings are journaled")
    }
}

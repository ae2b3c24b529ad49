import Foundation
import LinearAlgebra
import MiniMind
import Testing
@testable import Checkpoint

@Suite struct RunFolderTests {
    /// The same fixed batch sequence for every trainer.
    static func batch(_ step: Int) -> (tokens: [Int32], targets: [Int32]) {
        let tokens = (0..<16).map { Int32(($0 * 7 + step * 3) % 40) }
        return (tokens, Array(tokens.dropFirst()) + [-1])
    }

    static func train(_ trainer: Trainer, steps: Range<Int>) -> [Float] {
        steps.map { step in
            let b = batch(step)
            return trainer.step(tokens: b.tokens, targets: b.targets, batch: 2, seqLen: 8).loss
        }
    }

    @Test func aSavedRunResumesExactlyAsIfNeverStopped() throws {
        let config = TrainingConfig(learningRate: 3e-3, weightDecay: 0.01, gradientClip: 1, warmupSteps: 2, totalSteps: 10)
        let straight = try adaptedModel(seed: 21)
        let resumed = straight.copy()
        let straightTrainer = Trainer(model: straight, config: config)
        let straightLosses = Self.train(straightTrainer, steps: 0..<8)

        let firstTrainer = Trainer(model: resumed, config: config)
        let firstLosses = Self.train(firstTrainer, steps: 0..<4)
        let folder = temporaryFolder()
        try RunFolder.save(RunFolder.Contents(model: resumed, trainer: firstTrainer, session: .object([("note", .string("kept"))])), to: folder)
        let loaded = try RunFolder.load(from: folder)
        #expect(loaded.session["note"] == .string("kept"))
        let trainer = try #require(loaded.trainer)
        #expect(trainer.stepCount == 4)
        #expect(trainer.config == config)
        let laterLosses = Self.train(trainer, steps: 4..<8)
        #expect(firstLosses + laterLosses == straightLosses)
        for (a, b) in zip(straight.allParameters, loaded.model.allParameters) {
            #expect(a.name == b.name)
            #expect(a.value.array == b.value.array, "\(a.name)")
            #expect(a.requiresGrad == b.requiresGrad, "\(a.name)")
        }
        // The base and adapter inside are ordinary Hugging Face and PEFT folders.
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("base/config.json").path))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("adapter/adapter_config.json").path))
    }

    @Test func fullFineTuningKeepsItsReferenceWeights() throws {
        let model = Model(config: smallConfig, seed: 22)
        try model.beginFullFineTuning(TargetSelector(parsing: "q"))
        let trainer = Trainer(model: model, config: TrainingConfig(learningRate: 1e-2))
        _ = Self.train(trainer, steps: 0..<2)
        let folder = temporaryFolder()
        try RunFolder.save(RunFolder.Contents(model: model, trainer: trainer, session: .null), to: folder)
        let loaded = try RunFolder.load(from: folder).model
        #expect(loaded.fullyTunedLinears.map(\.name) == model.fullyTunedLinears.map(\.name))
        for (a, b) in zip(model.fullyTunedLinears, loaded.fullyTunedLinears) {
            #expect(a.referenceWeight == b.referenceWeight)
            #expect(a.weight.value.array == b.weight.value.array)
        }
        #expect(loaded.trainableParameters.map(\.name) == model.trainableParameters.map(\.name))
    }

    @Test func aFolderThatIsNotARunIsRefused() throws {
        let folder = temporaryFolder()
        try HuggingFaceFolder.save(model: Model(config: smallConfig, seed: 1), to: folder)
        #expect(throws: CheckpointError.self) { try RunFolder.load(from: folder) }
    }
}

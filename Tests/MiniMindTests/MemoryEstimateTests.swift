@testable import MiniMind
import Testing

/// The memory estimate the engine checks before building or training is the
/// memory the model really allocates: counted here from the buffers
/// themselves, so a new activation buffer without its term in the estimate
/// fails this suite.
@Suite struct MemoryEstimateTests {
    static let plain = ModelConfig(dim: 16, layers: 2, heads: 4, kvHeads: 2, ffn: 40, vocabSize: 23, maxSeq: 12)
    static var withQKNorm: ModelConfig {
        var config = plain
        config.qkNorm = true
        return config
    }

    /// Every `FloatBuffer` reachable from `value` through stored properties, counted once;
    /// a view counts as the buffer it is a view into.
    static func allocatedFloats(in value: Any) -> Int {
        var seen = Set<ObjectIdentifier>()
        func walk(_ value: Any) -> Int {
            if let buffer = value as? FloatBuffer {
                if let owner = buffer.owner { return walk(owner) }
                return seen.insert(ObjectIdentifier(buffer)).inserted ? buffer.count : 0
            }
            return Mirror(reflecting: value).children.reduce(0) { $0 + walk($1.value) }
        }
        return walk(value)
    }

    @Test(arguments: [(plain, 1, 12), (plain, 3, 7), (withQKNorm, 2, 12), (withQKNorm, 1, 5)])
    func activationTermsMatchTheBuffersAllocated(config: ModelConfig, batch: Int, seqLen: Int) {
        let activations = Activations(config: config, batch: batch, seqLen: seqLen)
        let counted = Self.allocatedFloats(in: activations)
        #expect(counted > 0)
        #expect(config.activationFloats(batch: batch, seqLen: seqLen) == counted)
    }

    @Test func weightsAreTheParametersAndRotaryTables() {
        let config = Self.plain
        let model = Model(config: config, seed: 1)
        let parameterFloats = model.parameters.reduce(0) { $0 + $1.count }
        #expect(config.modelEstimate.weights == (parameterFloats + config.maxSeq * config.headDim) * 4)
    }

    @Test func trainingAddsMomentsAndActivationsUntilTheShapeIsAllocated() throws {
        let model = Model(config: Self.plain, seed: 1)
        _ = try model.attachLoRA(TargetSelector(parsing: "q,v"), config: LoRAConfig(rank: 2), seed: 3)
        let trainable = model.trainableParameterCount
        #expect(trainable > 0)
        let before = model.trainingEstimate(batch: 2, seqLen: 6, trainingBase: false)
        let rows = 12, adapters = 4
        #expect(before.optimizer == 3 * trainable * 4)
        #expect(before.gradients == 0)
        #expect(before.activations == (Self.plain.activationFloats(batch: 2, seqLen: 6) + adapters * rows * 2 * 2) * 4)

        let trainer = Trainer(model: model, config: TrainingConfig(learningRate: 1e-3))
        let tokens = (0..<12).map { Int32($0 % 20) }
        _ = trainer.step(tokens: tokens, targets: tokens.map { $0 + 1 }, batch: 2, seqLen: 6)
        let after = model.trainingEstimate(batch: 2, seqLen: 6, trainingBase: false)
        #expect(after.activations == adapters * rows * 2 * 2 * 4, "the step's buffers are allocated now; only the adapters' are counted again")
        let otherShape = model.trainingEstimate(batch: 1, seqLen: 6, trainingBase: false)
        #expect(otherShape.activations > after.activations)
    }

    @Test func pretrainingCountsGradientsForEveryBaseTensor() {
        let model = Model(config: Self.plain, seed: 1)
        let estimate = model.trainingEstimate(batch: 1, seqLen: 4, trainingBase: true)
        #expect(estimate.gradients == model.parameterCount * 4)
        #expect(estimate.optimizer == 3 * model.parameterCount * 4)
    }
}

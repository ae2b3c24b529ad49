/// What a model holds in memory and what training it adds, in bytes, from the
/// same sizes its allocations use (`Activations`, `Parameter`, `AdamW`, the
/// updates' per-batch buffers). `MemoryEstimateTests` checks the activation
/// count against the buffers `Activations` really allocates, so the two
/// cannot drift apart. The engine compares these with the memory available
/// before it builds a model or starts a step (docs/reliability.md).
public struct MemoryEstimate: Sendable, Equatable {
    /// Values of every tensor, and the rotary tables.
    public var weights = 0
    /// One gradient per trainable value.
    public var gradients = 0
    /// AdamW's two moments and its proposed weight per trainable value.
    public var optimizer = 0
    /// Forward values kept for backward, gradient scratch, and the updates' per-batch buffers.
    public var activations = 0

    public init(weights: Int = 0, gradients: Int = 0, optimizer: Int = 0, activations: Int = 0) {
        self.weights = weights
        self.gradients = gradients
        self.optimizer = optimizer
        self.activations = activations
    }

    public var total: Int { weights + gradients + optimizer + activations }

    static let bytesPerFloat = MemoryLayout<Float>.size
}

extension ModelConfig {
    /// A sanity bound on the context a model may have: training's attention
    /// scratch grows with its square. What fits is decided by memory.
    public static let maxContext = 65_536

    /// A freshly built model: its parameters and rotary tables.
    public var modelEstimate: MemoryEstimate {
        let rotaryTables = 2 * maxSeq * (headDim / 2)
        return MemoryEstimate(weights: (parameterCount + rotaryTables) * MemoryEstimate.bytesPerFloat)
    }

    /// Floats `Activations` allocates for one batch shape (its initialiser, term by term).
    func activationFloats(batch: Int, seqLen: Int) -> Int {
        let rows = batch * seqLen
        let perLayer = rows * (dim + 1 + dim + kvDim + kvDim + dim + dim + 1 + 2 * ffn)
        let scratch = Activations.sublayerScratchWidths(self)
        let shared = TiedHead.chunkRows(rows: rows, vocab: vocabSize) * vocabSize  // one chunk's logits
            + rows * (dim + dim + 1                                     // output, normed, rstd
                             + dim + dim + dim                           // normed, residual and normed gradients
                             + max(scratch.attention, scratch.feedForward))  // the sublayers' scratch, in turn
            + 2 * batch * seqLen * seqLen                                // attention probabilities and dS
        return layers * perLayer + shared
    }
}

extension Model {
    /// What training at this batch shape adds to what the model holds now:
    /// gradients (when `trainingBase`, for every base tensor, as `pretrain`
    /// makes them trainable; else they exist already), AdamW's moments for
    /// everything that will train (and the proposed weights), the activations unless they are already
    /// allocated at this shape, and each update's per-batch buffers.
    public func trainingEstimate(batch: Int, seqLen: Int, trainingBase: Bool) -> MemoryEstimate {
        let floats = MemoryEstimate.bytesPerFloat
        let rows = batch * seqLen
        let trainable = trainingBase
            ? parameterCount + linears.compactMap(\.update).reduce(0) { $0 + $1.ownTensors.filter(\.requiresGrad).reduce(0) { $0 + $1.count } }
            : trainableParameterCount
        var activationFloats = hasActivations(batch: batch, seqLen: seqLen) ? 0 : config.activationFloats(batch: batch, seqLen: seqLen)
        for linear in linears {
            guard let update = linear.update else { continue }
            switch update {
            case let lora as LoRAAdapter:
                activationFloats += rows * 2 * lora.rank + (lora.dropout > 0 ? 2 * rows * lora.inFeatures : 0)
            case is DoRAAdapter:
                activationFloats += 2 * rows * linear.outFeatures
            default:
                break
            }
        }
        return MemoryEstimate(gradients: trainingBase ? parameterCount * floats : 0,
                              optimizer: 3 * trainable * floats,
                              activations: activationFloats * floats)
    }
}

extension Model {
    /// Whether the buffers for this batch shape are already allocated (the next step reuses them).
    func hasActivations(batch: Int, seqLen: Int) -> Bool {
        activations.map { $0.batch == batch && $0.seqLen == seqLen } ?? false
    }
}

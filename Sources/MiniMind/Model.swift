import LinearAlgebra

/// A MiniMind-architecture causal language model:
///
///     tokens → embed_tokens
///            → layers × [ x += o(attention(rope(norm_qk(q,k(norm(x)))), v(norm(x))))
///                         x += down(silu(gate(norm(x))) ⊙ up(norm(x))) ]
///            → norm → lm_head (tied to embed_tokens) → logits
///
/// Every tensor carries its Hugging Face name. Forward and backward are
/// written by hand; a block's sublayers (`TransformerBlock`, `BlockSublayer`)
/// say what a block computes, once, for training, generation and FLOPs; the
/// operations live in `Operations/`, each with its backward beside its forward.
public final class Model: @unchecked Sendable {
    // Sendable: one thread at a time runs a model (the engine's); the type
    // holds raw buffers that must not be shared across threads concurrently.
    public let config: ModelConfig
    public let embedding: Parameter          // model.embed_tokens.weight [vocab, dim], also lm_head
    public let blocks: [TransformerBlock]
    public let finalNorm: Parameter          // model.norm.weight
    let rotary: RotaryEmbedding
    let attention: CausalAttention
    private(set) var activations: Activations?
    /// Optimizer steps applied to this model's tensors (by `Trainer.step`):
    /// the writes no `ModelJournal` records, counted so that a command's
    /// journal can tell whether training moved the weights.
    public internal(set) var trainingStepsApplied = 0
    /// Asked before each block of a training pass, forward and backward: when
    /// it answers true the pass ends there (`lastPassStopped`), so that a long
    /// step on a large preset can be interrupted within a block's time. Set by
    /// `Trainer.step` for the length of one step.
    var stopBetweenBlocks: (() -> Bool)?
    /// Whether the last training pass ended early at `stopBetweenBlocks`; its gradients are then incomplete.
    public internal(set) var lastPassStopped = false
    /// Applies the head to every row in one chunk, as before `TiedHead`
    /// chunked it: the reference its tests compare the chunked head with.
    /// Set before the first forward pass (the logits buffer is sized by it).
    var headInOneChunk = false
    /// Logits below which the head runs in one chunk (`TiedHead`); tests lower it.
    var headChunkingMinimumFloats = TiedHead.chunkingMinimumFloats

    /// Builds a model with MiniMind's initialisation: every matrix ~ N(0, 0.02²),
    /// every norm weight 1. The same seed gives the same weights.
    public init(config: ModelConfig, seed: UInt64) {
        precondition(config.validationError == nil, config.validationError ?? "")
        self.config = config
        embedding = Parameter(name: "model.embed_tokens.weight", rows: config.vocabSize, cols: config.dim)
        blocks = (0..<config.layers).map { TransformerBlock(index: $0, config: config) }
        finalNorm = Parameter(name: "model.norm.weight", rows: 1, cols: config.dim)
        rotary = RotaryEmbedding(headDim: config.headDim, maxPositions: config.maxSeq, theta: config.ropeTheta)
        attention = CausalAttention(heads: config.heads, kvHeads: config.kvHeads, headDim: config.headDim)

        var generator = SeededGenerator(seed: seed)
        for parameter in parameters {
            if parameter.rows == 1 {
                parameter.trainingStorage.pointer.update(repeating: 1, count: parameter.count)
            } else {
                let values = parameter.trainingStorage.pointer
                for i in 0..<parameter.count { values[i] = generator.normal(mean: 0, std: 0.02) }
            }
        }
    }

    private init(copying other: Model) {
        config = other.config
        embedding = other.embedding.copy()
        blocks = other.blocks.map { $0.copy() }
        finalNorm = other.finalNorm.copy()
        rotary = other.rotary
        attention = other.attention
    }

    /// A deep copy of weights, adapters and trainable flags (for saved runs).
    public func copy() -> Model { Model(copying: self) }

    // MARK: - Names and counts

    /// Every block linear layer, in layer order then q, k, v, o, gate, up, down.
    public var linears: [Linear] { blocks.flatMap(\.linears) }

    /// Every base tensor (the tied LM head is the embedding, listed once).
    public var parameters: [Parameter] {
        [embedding] + blocks.flatMap(\.parameters) + [finalNorm]
    }

    /// Base tensors plus the tensors every attached update adds (A, B, a magnitude).
    public var allParameters: [Parameter] {
        parameters + linears.flatMap { $0.update?.ownTensors ?? [] }
    }

    public var trainableParameters: [Parameter] { allParameters.filter(\.requiresGrad) }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
    public var trainableParameterCount: Int { trainableParameters.reduce(0) { $0 + $1.count } }

    public func linear(named name: String) -> Linear? { linears.first { $0.name == name } }

    /// Freezes or unfreezes every base tensor (adapters keep their own flags).
    public func setBaseTrainable(_ trainable: Bool) {
        for p in parameters { p.requiresGrad = trainable }
    }

    // MARK: - Forward

    private func activations(batch: Int, seqLen: Int) -> Activations {
        if let a = activations, a.batch == batch, a.seqLen == seqLen { return a }
        activations = nil // free the old shape before allocating the new one
        let a = Activations(config: config, batch: batch, seqLen: seqLen,
                            headRows: headChunks(rows: batch * seqLen).map(\.count).max() ?? 0)
        activations = a
        return a
    }

    /// Frees the per-shape buffers (they come back on the next forward).
    public func releaseActivations() { activations = nil }

    /// Runs the model on `batch` rows of `seqLen` tokens up to the final norm
    /// (`outputNormed`); the head is applied by `TiedHead` chunk by chunk, or
    /// by `allLogits` for callers that read every row's logits. Valid until the next call.
    @discardableResult
    func forward(tokens: UnsafePointer<Int32>, batch: Int, seqLen: Int, training: Bool) -> Activations {
        precondition(seqLen <= config.maxSeq, "sequence length \(seqLen) exceeds the model's context \(config.maxSeq)")
        let c = config, acts = activations(batch: batch, seqLen: seqLen), rows = batch * seqLen
        Embedding.forward(output: acts.residual(0).pointer, tokens: tokens, table: embedding.value.pointer,
                          rows: rows, dim: c.dim)
        for (l, block) in blocks.enumerated() {
            if training, stopBetweenBlocks?() == true {
                lastPassStopped = true
                return acts
            }
            let pass = BlockPass(config: c, activations: acts, layer: acts.layers[l], rotary: rotary,
                                 attention: attention, training: training)
            for (s, sublayer) in block.sublayers.enumerated() {
                sublayer.forward(pass, input: acts.stream(block: l, sublayer: s), output: acts.stream(block: l, sublayer: s + 1))
            }
        }
        RMSNorm.forward(output: acts.outputNormed.pointer, rstd: acts.outputRstd.pointer, input: acts.output.pointer,
                        weight: finalNorm.value.pointer, rows: rows, cols: c.dim, eps: c.normEps)
        return acts
    }

    /// The row chunks the head is applied in (`TiedHead.rowChunks`).
    func headChunks(rows: Int) -> [Range<Int>] {
        headInOneChunk ? [0..<rows]
            : TiedHead.rowChunks(rows: rows, vocab: config.vocabSize, minimumFloats: headChunkingMinimumFloats)
    }

    /// The tied head over every row of the last `forward`: logits = h · Eᵀ, `[rows, vocab]`.
    func allLogits(_ acts: Activations) -> [Float] {
        let c = config
        var logits = [Float](repeating: 0, count: acts.rows * c.vocabSize)
        logits.withUnsafeMutableBufferPointer { logits in
            BLAS.gemm(transposeA: false, transposeB: true, m: acts.rows, n: c.vocabSize, k: c.dim,
                      a: acts.outputNormed.pointer, lda: c.dim, b: embedding.value.pointer, ldb: c.dim,
                      c: logits.baseAddress!, ldc: c.vocabSize)
        }
        return logits
    }

    /// Each counted row's loss for the last `forward`, the head applied chunk by chunk (`TiedHead`).
    func rowLosses(_ acts: Activations, targets: UnsafePointer<Int32>) -> [Double] {
        var losses = [Double](repeating: 0, count: acts.rows)
        losses.withUnsafeMutableBufferPointer { losses in
            TiedHead.rowLosses(normed: acts.outputNormed.pointer, table: embedding.value.pointer, targets: targets,
                               chunks: headChunks(rows: acts.rows), dim: config.dim, vocab: config.vocabSize,
                               logits: acts.logits.pointer,
                               into: losses.baseAddress!)
        }
        return losses
    }

    // MARK: - Loss and backward

    /// Mean cross-entropy over the targets that are not negative; no gradients.
    public func loss(tokens: [Int32], targets: [Int32], batch: Int, seqLen: Int) -> Float {
        let total = lossSum(tokens: tokens, targets: targets, batch: batch, seqLen: seqLen)
        return total.count == 0 ? .nan : Float(total.sum / Double(total.count))
    }

    /// The summed loss and how many targets counted (for averaging over many batches).
    public func lossSum(tokens: [Int32], targets: [Int32], batch: Int, seqLen: Int) -> (sum: Double, count: Int) {
        checkShape(tokens: tokens, targets: targets, batch: batch, seqLen: seqLen)
        return tokens.withUnsafeBufferPointer { tok in
            targets.withUnsafeBufferPointer { tgt in
                let acts = forward(tokens: tok.baseAddress!, batch: batch, seqLen: seqLen, training: false)
                return CrossEntropy.sum(rowLosses(acts, targets: tgt.baseAddress!), targets: tgt.baseAddress!,
                                        rows: batch * seqLen)
            }
        }
    }

    /// Forward and backward: adds the gradient of the mean loss into every
    /// trainable tensor's gradient and returns the loss. Activation gradients
    /// flow through frozen tensors only as far down as something trainable
    /// needs them.
    public func lossAndBackward(tokens: [Int32], targets: [Int32], batch: Int, seqLen: Int) -> Float {
        checkShape(tokens: tokens, targets: targets, batch: batch, seqLen: seqLen)
        let counted = targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
        if counted == 0 { return .nan }
        lastPassStopped = false
        return tokens.withUnsafeBufferPointer { tok in
            targets.withUnsafeBufferPointer { tgt in
                let acts = forward(tokens: tok.baseAddress!, batch: batch, seqLen: seqLen, training: true)
                if lastPassStopped { return .nan }
                // Head and loss, forward and backward, chunk by chunk: dh into normedGradient, dE added.
                var losses = [Double](repeating: 0, count: acts.rows)
                let result = losses.withUnsafeMutableBufferPointer { losses in
                    TiedHead.lossAndBackward(normed: acts.outputNormed.pointer, table: embedding.value.pointer,
                                             targets: tgt.baseAddress!, chunks: headChunks(rows: acts.rows), dim: config.dim,
                                             vocab: config.vocabSize, scale: 1 / Float(counted),
                                             logits: acts.logits.pointer, losses: losses.baseAddress!,
                                             normedGradient: acts.normedGradient.pointer,
                                             tableGradient: embedding.gradient?.pointer)
                    return CrossEntropy.sum(losses.baseAddress!, targets: tgt.baseAddress!, rows: acts.rows)
                }
                backward(acts, tokens: tok.baseAddress!)
                return Float(result.sum / Double(result.count))
            }
        }
    }

    private func checkShape(tokens: [Int32], targets: [Int32], batch: Int, seqLen: Int) {
        precondition(tokens.count == batch * seqLen && targets.count == batch * seqLen,
                     "expected \(batch)×\(seqLen) tokens and targets")
        precondition(tokens.allSatisfy { $0 >= 0 && Int($0) < config.vocabSize }, "token id outside the vocabulary")
        precondition(targets.allSatisfy { Int($0) < config.vocabSize }, "target id outside the vocabulary")
    }

    /// The lowest block whose parameters (or adapters) train: nothing below it
    /// needs gradients, so backward stops there (`blocks.count` when no block trains).
    var lowestBlockNeedingGradient: Int {
        if embedding.requiresGrad { return 0 }
        for block in blocks {
            let trains = block.norms.contains(where: \.requiresGrad)
                || block.linears.contains { $0.weight.requiresGrad || ($0.update?.isActive ?? false) }
            if trains { return block.index }
        }
        return blocks.count
    }

    /// Whether backward needs the gradient reaching the input of sublayer `s`
    /// of `block`: everywhere but at the very bottom under a frozen embedding,
    /// where nothing upstream trains.
    func inputGradientNeeded(block: TransformerBlock, sublayer s: Int) -> Bool {
        block.index > 0 || s > 0 || embedding.requiresGrad
    }

    /// Backward below the head: `normedGradient` holds dh (from `TiedHead`).
    private func backward(_ acts: Activations, tokens: UnsafePointer<Int32>) {
        let c = config, rows = acts.rows
        let dResidual = acts.residualGradient.pointer
        let dNormed = acts.normedGradient.pointer
        acts.residualGradient.zero()
        RMSNorm.backward(inputGradient: dResidual, weightGradient: finalNorm.gradient?.pointer,
                         outputGradient: dNormed, input: acts.output.pointer, weight: finalNorm.value.pointer,
                         rstd: acts.outputRstd.pointer, rows: rows, cols: c.dim)

        let lowest = lowestBlockNeedingGradient
        for l in stride(from: blocks.count - 1, through: lowest, by: -1) {
            if stopBetweenBlocks?() == true {
                lastPassStopped = true
                return
            }
            let block = blocks[l]
            let pass = BlockPass(config: c, activations: acts, layer: acts.layers[l], rotary: rotary,
                                 attention: attention, training: true)
            for s in block.sublayers.indices.reversed() {
                block.sublayers[s].backward(pass, input: acts.stream(block: l, sublayer: s),
                                            inputGradientNeeded: inputGradientNeeded(block: block, sublayer: s))
            }
        }
        if let dE = embedding.gradient {
            Embedding.backward(tableGradient: dE.pointer, outputGradient: dResidual, tokens: tokens,
                               rows: rows, dim: c.dim)
        }
    }
}

@inline(__always)
func add(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { destination[i] += source[i] }
}

import LinearAlgebra

/// A MiniMind-architecture causal language model:
///
///     tokens → embed_tokens
///            → layers × [ x += o(attention(rope(norm_qk(q,k(norm(x)))), v(norm(x))))
///                         x += down(silu(gate(norm(x))) ⊙ up(norm(x))) ]
///            → norm → lm_head (tied to embed_tokens) → logits
///
/// Every tensor carries its Hugging Face name. Forward and backward are
/// written by hand; the operations live in `Operations/`, each with its
/// backward beside its forward.
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
                parameter.value.pointer.update(repeating: 1, count: parameter.count)
            } else {
                for i in 0..<parameter.count { parameter.value[i] = generator.normal(mean: 0, std: 0.02) }
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
        [embedding] + blocks.flatMap { b in
            [b.inputNorm, b.q.weight, b.k.weight, b.v.weight, b.o.weight]
                + [b.qNorm, b.kNorm].compactMap { $0 }
                + [b.postAttentionNorm, b.gate.weight, b.up.weight, b.down.weight]
        } + [finalNorm]
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
        let a = Activations(config: config, batch: batch, seqLen: seqLen)
        activations = a
        return a
    }

    /// Frees the per-shape buffers (they come back on the next forward).
    public func releaseActivations() { activations = nil }

    /// Runs the model on `batch` rows of `seqLen` tokens and returns a pointer
    /// to the logits `[batch·seqLen, vocab]`, valid until the next call.
    @discardableResult
    func forward(tokens: UnsafePointer<Int32>, batch: Int, seqLen: Int, training: Bool) -> Activations {
        precondition(seqLen <= config.maxSeq, "sequence length \(seqLen) exceeds the model's context \(config.maxSeq)")
        let c = config, acts = activations(batch: batch, seqLen: seqLen), rows = batch * seqLen
        Embedding.forward(output: acts.residual(0).pointer, tokens: tokens, table: embedding.value.pointer,
                          rows: rows, dim: c.dim)
        for (l, block) in blocks.enumerated() {
            let a = acts.layers[l]
            // Attention half.
            RMSNorm.forward(output: acts.normed.pointer, rstd: a.inputRstd.pointer, input: a.input.pointer,
                            weight: block.inputNorm.value.pointer, rows: rows, cols: c.dim, eps: c.normEps)
            block.q.forward(input: acts.normed.pointer, output: a.queryRaw.pointer, rows: rows, training: training)
            block.k.forward(input: acts.normed.pointer, output: a.keyRaw.pointer, rows: rows, training: training)
            block.v.forward(input: acts.normed.pointer, output: a.value.pointer, rows: rows, training: training)
            if let qNorm = block.qNorm, let kNorm = block.kNorm,
               let query = a.query, let key = a.key, let qRstd = a.queryRstd, let kRstd = a.keyRstd {
                RMSNorm.forward(output: query.pointer, rstd: qRstd.pointer, input: a.queryRaw.pointer,
                                weight: qNorm.value.pointer, rows: rows * c.heads, cols: c.headDim, eps: c.normEps)
                RMSNorm.forward(output: key.pointer, rstd: kRstd.pointer, input: a.keyRaw.pointer,
                                weight: kNorm.value.pointer, rows: rows * c.kvHeads, cols: c.headDim, eps: c.normEps)
            }
            rotary.forward(a.attentionQuery.pointer, rows: rows, seqLen: seqLen, heads: c.heads)
            rotary.forward(a.attentionKey.pointer, rows: rows, seqLen: seqLen, heads: c.kvHeads)
            attention.forward(output: a.attentionOutput.pointer, query: a.attentionQuery.pointer,
                              key: a.attentionKey.pointer, value: a.value.pointer,
                              scratch: acts.attentionScratch.pointer, batch: batch, seqLen: seqLen)
            block.o.forward(input: a.attentionOutput.pointer, output: a.middle.pointer, rows: rows, training: training)
            add(a.input.pointer, into: a.middle.pointer, count: rows * c.dim)
            // Feed-forward half.
            RMSNorm.forward(output: acts.normed.pointer, rstd: a.middleRstd.pointer, input: a.middle.pointer,
                            weight: block.postAttentionNorm.value.pointer, rows: rows, cols: c.dim, eps: c.normEps)
            block.gate.forward(input: acts.normed.pointer, output: a.ffnGate.pointer, rows: rows, training: training)
            block.up.forward(input: acts.normed.pointer, output: a.ffnUp.pointer, rows: rows, training: training)
            SwiGLU.forward(output: acts.ffnActivation.pointer, gate: a.ffnGate.pointer, up: a.ffnUp.pointer,
                           count: rows * c.ffn)
            let next = acts.residual(l + 1)
            block.down.forward(input: acts.ffnActivation.pointer, output: next.pointer, rows: rows, training: training)
            add(a.middle.pointer, into: next.pointer, count: rows * c.dim)
        }
        RMSNorm.forward(output: acts.outputNormed.pointer, rstd: acts.outputRstd.pointer, input: acts.output.pointer,
                        weight: finalNorm.value.pointer, rows: rows, cols: c.dim, eps: c.normEps)
        // Tied head: logits = h · Eᵀ
        BLAS.gemm(transposeA: false, transposeB: true, m: rows, n: c.vocabSize, k: c.dim,
                  a: acts.outputNormed.pointer, lda: c.dim, b: embedding.value.pointer, ldb: c.dim,
                  c: acts.logits.pointer, ldc: c.vocabSize)
        return acts
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
                return CrossEntropy.forward(logits: acts.logits.pointer, targets: tgt.baseAddress!,
                                            rows: batch * seqLen, vocab: config.vocabSize)
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
        return tokens.withUnsafeBufferPointer { tok in
            targets.withUnsafeBufferPointer { tgt in
                let acts = forward(tokens: tok.baseAddress!, batch: batch, seqLen: seqLen, training: true)
                let result = CrossEntropy.lossAndGradientInPlace(
                    logits: acts.logits.pointer, targets: tgt.baseAddress!, rows: batch * seqLen,
                    vocab: config.vocabSize, scale: 1 / Float(counted))
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

    /// Whether backward needs d(norm(input)) of a block: not in block 0 under a
    /// frozen embedding and input norm, where nothing upstream trains.
    func needsNormedInputGradient(_ block: TransformerBlock) -> Bool {
        block.index > 0 || embedding.requiresGrad || block.inputNorm.requiresGrad
    }

    private func backward(_ acts: Activations, tokens: UnsafePointer<Int32>) {
        let c = config, rows = acts.rows, batch = acts.batch, seqLen = acts.seqLen
        let dLogits = acts.logits.pointer
        let dResidual = acts.residualGradient.pointer
        let dNormed = acts.normedGradient.pointer
        // Tied head: dh = dlogits · E ; dE += dlogitsᵀ · h
        BLAS.gemm(transposeA: false, transposeB: false, m: rows, n: c.dim, k: c.vocabSize,
                  a: dLogits, lda: c.vocabSize, b: embedding.value.pointer, ldb: c.dim,
                  c: dNormed, ldc: c.dim)
        if let dE = embedding.gradient {
            BLAS.gemm(transposeA: true, transposeB: false, m: c.vocabSize, n: c.dim, k: rows,
                      a: dLogits, lda: c.vocabSize, b: acts.outputNormed.pointer, ldb: c.dim, beta: 1,
                      c: dE.pointer, ldc: c.dim)
        }
        acts.residualGradient.zero()
        RMSNorm.backward(inputGradient: dResidual, weightGradient: finalNorm.gradient?.pointer,
                         outputGradient: dNormed, input: acts.output.pointer, weight: finalNorm.value.pointer,
                         rstd: acts.outputRstd.pointer, rows: rows, cols: c.dim)

        let lowest = lowestBlockNeedingGradient
        for l in stride(from: blocks.count - 1, through: lowest, by: -1) {
            let block = blocks[l], a = acts.layers[l]
            // Feed-forward half: next = middle + down(act). Recompute norm(middle) and act first,
            // where a weight or adapter gradient reads them.
            if block.gate.backwardReadsInput || block.up.backwardReadsInput {
                RMSNorm.forward(output: acts.normed.pointer, rstd: a.middleRstd.pointer, input: a.middle.pointer,
                                weight: block.postAttentionNorm.value.pointer, rows: rows, cols: c.dim, eps: c.normEps)
            }
            if block.down.backwardReadsInput {
                SwiGLU.forward(output: acts.ffnActivation.pointer, gate: a.ffnGate.pointer, up: a.ffnUp.pointer,
                               count: rows * c.ffn)
            }
            block.down.backward(input: acts.ffnActivation.pointer, outputGradient: dResidual,
                                inputGradient: acts.ffnActivationGradient.pointer, accumulate: false, rows: rows)
            SwiGLU.backward(gateGradient: acts.ffnGateGradient.pointer, upGradient: acts.ffnUpGradient.pointer,
                            outputGradient: acts.ffnActivationGradient.pointer, gate: a.ffnGate.pointer,
                            up: a.ffnUp.pointer, count: rows * c.ffn)
            block.gate.backward(input: acts.normed.pointer, outputGradient: acts.ffnGateGradient.pointer,
                                inputGradient: dNormed, accumulate: false, rows: rows)
            block.up.backward(input: acts.normed.pointer, outputGradient: acts.ffnUpGradient.pointer,
                              inputGradient: dNormed, accumulate: true, rows: rows)
            RMSNorm.backward(inputGradient: dResidual, weightGradient: block.postAttentionNorm.gradient?.pointer,
                             outputGradient: dNormed, input: a.middle.pointer,
                             weight: block.postAttentionNorm.value.pointer, rstd: a.middleRstd.pointer,
                             rows: rows, cols: c.dim)
            // Attention half: middle = input + o(attention).
            block.o.backward(input: a.attentionOutput.pointer, outputGradient: dResidual,
                             inputGradient: acts.attentionOutputGradient.pointer, accumulate: false, rows: rows)
            attention.backward(queryGradient: acts.queryGradient.pointer, keyGradient: acts.keyGradient.pointer,
                               valueGradient: acts.valueGradient.pointer,
                               outputGradient: acts.attentionOutputGradient.pointer,
                               query: a.attentionQuery.pointer, key: a.attentionKey.pointer, value: a.value.pointer,
                               scratch: acts.attentionScratch.pointer, batch: batch, seqLen: seqLen)
            rotary.backward(acts.queryGradient.pointer, rows: rows, seqLen: seqLen, heads: c.heads)
            rotary.backward(acts.keyGradient.pointer, rows: rows, seqLen: seqLen, heads: c.kvHeads)
            var dQueryRaw = acts.queryGradient.pointer, dKeyRaw = acts.keyGradient.pointer
            if let qNorm = block.qNorm, let kNorm = block.kNorm, let dqRaw = acts.queryRawGradient,
               let dkRaw = acts.keyRawGradient, let qRstd = a.queryRstd, let kRstd = a.keyRstd {
                dqRaw.zero()
                dkRaw.zero()
                RMSNorm.backward(inputGradient: dqRaw.pointer, weightGradient: qNorm.gradient?.pointer,
                                 outputGradient: acts.queryGradient.pointer, input: a.queryRaw.pointer,
                                 weight: qNorm.value.pointer, rstd: qRstd.pointer,
                                 rows: rows * c.heads, cols: c.headDim)
                RMSNorm.backward(inputGradient: dkRaw.pointer, weightGradient: kNorm.gradient?.pointer,
                                 outputGradient: acts.keyGradient.pointer, input: a.keyRaw.pointer,
                                 weight: kNorm.value.pointer, rstd: kRstd.pointer,
                                 rows: rows * c.kvHeads, cols: c.headDim)
                dQueryRaw = dqRaw.pointer
                dKeyRaw = dkRaw.pointer
            }
            // Recompute norm(input) for the q, k, v gradients.
            RMSNorm.forward(output: acts.normed.pointer, rstd: a.inputRstd.pointer, input: a.input.pointer,
                            weight: block.inputNorm.value.pointer, rows: rows, cols: c.dim, eps: c.normEps)
            let needNormedGradient = needsNormedInputGradient(block)
            let dNormedOrNil = needNormedGradient ? dNormed : nil
            block.q.backward(input: acts.normed.pointer, outputGradient: dQueryRaw,
                             inputGradient: dNormedOrNil, accumulate: false, rows: rows)
            block.k.backward(input: acts.normed.pointer, outputGradient: dKeyRaw,
                             inputGradient: dNormedOrNil, accumulate: true, rows: rows)
            block.v.backward(input: acts.normed.pointer, outputGradient: acts.valueGradient.pointer,
                             inputGradient: dNormedOrNil, accumulate: true, rows: rows)
            if needNormedGradient {
                RMSNorm.backward(inputGradient: dResidual, weightGradient: block.inputNorm.gradient?.pointer,
                                 outputGradient: dNormed, input: a.input.pointer, weight: block.inputNorm.value.pointer,
                                 rstd: a.inputRstd.pointer, rows: rows, cols: c.dim)
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

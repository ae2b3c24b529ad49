import LinearAlgebra

/// The feed-forward half of a block: `x + down(silu(gate(n)) ⊙ up(n))` with
/// `n = RMSNorm(x)` (SwiGLU). See `BlockSublayer` for the contract.
final class FeedForwardSublayer: BlockSublayer, @unchecked Sendable {
    // Sendable: a model is used by one thread at a time (the engine's).
    let postAttentionNorm: Parameter
    let gate: Linear, up: Linear, down: Linear

    init(prefix: String, config c: ModelConfig) {
        postAttentionNorm = Parameter(name: "\(prefix).post_attention_layernorm.weight", rows: 1, cols: c.dim)
        gate = Linear(name: "\(prefix).mlp.gate_proj", inFeatures: c.dim, outFeatures: c.ffn)
        up = Linear(name: "\(prefix).mlp.up_proj", inFeatures: c.dim, outFeatures: c.ffn)
        down = Linear(name: "\(prefix).mlp.down_proj", inFeatures: c.ffn, outFeatures: c.dim)
    }

    private init(copying other: FeedForwardSublayer) {
        postAttentionNorm = other.postAttentionNorm.copy()
        gate = other.gate.copy(); up = other.up.copy(); down = other.down.copy()
    }

    func copy() -> FeedForwardSublayer { FeedForwardSublayer(copying: self) }

    var parameters: [Parameter] { [postAttentionNorm, gate.weight, up.weight, down.weight] }
    var linears: [Linear] { [gate, up, down] }
    var norms: [Parameter] { [postAttentionNorm] }

    private var ffn: Int { gate.outFeatures }

    // MARK: Training pass

    func forward(_ pass: BlockPass, input: FloatBuffer, output: FloatBuffer) {
        let c = pass.config, a = pass.layer, acts = pass.activations, rows = pass.rows
        RMSNorm.forward(output: acts.normed.pointer, rstd: a.middleRstd.pointer, input: input.pointer,
                        weight: postAttentionNorm.value.pointer, rows: rows, cols: c.dim, eps: c.normEps)
        gate.forward(input: acts.normed.pointer, output: a.ffnGate.pointer, rows: rows, training: pass.training)
        up.forward(input: acts.normed.pointer, output: a.ffnUp.pointer, rows: rows, training: pass.training)
        SwiGLU.forward(output: acts.ffnActivation.pointer, gate: a.ffnGate.pointer, up: a.ffnUp.pointer,
                       count: rows * ffn)
        down.forward(input: acts.ffnActivation.pointer, output: output.pointer, rows: rows, training: pass.training)
        add(input.pointer, into: output.pointer, count: rows * c.dim)
    }

    func backward(_ pass: BlockPass, input: FloatBuffer, inputGradientNeeded: Bool) {
        let c = pass.config, a = pass.layer, acts = pass.activations, rows = pass.rows
        let dResidual = acts.residualGradient.pointer, dNormed = acts.normedGradient.pointer
        // Recompute norm(input) and the SwiGLU product first, where a weight or adapter gradient reads them.
        if gate.backwardReadsInput || up.backwardReadsInput {
            RMSNorm.forward(output: acts.normed.pointer, rstd: a.middleRstd.pointer, input: input.pointer,
                            weight: postAttentionNorm.value.pointer, rows: rows, cols: c.dim, eps: c.normEps)
        }
        if down.backwardReadsInput {
            SwiGLU.forward(output: acts.ffnActivation.pointer, gate: a.ffnGate.pointer, up: a.ffnUp.pointer,
                           count: rows * ffn)
        }
        down.backward(input: acts.ffnActivation.pointer, outputGradient: dResidual,
                      inputGradient: acts.ffnActivationGradient.pointer, accumulate: false, rows: rows)
        // Nothing reads this layer's gate and up after this point, so their gradients take their place.
        let dGate = a.ffnGate.pointer, dUp = a.ffnUp.pointer
        SwiGLU.backward(gateGradient: dGate, upGradient: dUp, outputGradient: acts.ffnActivationGradient.pointer,
                        gate: a.ffnGate.pointer, up: a.ffnUp.pointer, count: rows * ffn)
        let needNormedGradient = inputGradientNeeded || postAttentionNorm.requiresGrad
        let dNormedOrNil = needNormedGradient ? dNormed : nil
        gate.backward(input: acts.normed.pointer, outputGradient: dGate,
                      inputGradient: dNormedOrNil, accumulate: false, rows: rows)
        up.backward(input: acts.normed.pointer, outputGradient: dUp,
                    inputGradient: dNormedOrNil, accumulate: true, rows: rows)
        if needNormedGradient {
            RMSNorm.backward(inputGradient: dResidual, weightGradient: postAttentionNorm.gradient?.pointer,
                             outputGradient: dNormed, input: input.pointer,
                             weight: postAttentionNorm.value.pointer, rstd: a.middleRstd.pointer,
                             rows: rows, cols: c.dim)
        }
    }

    // MARK: Cached generation

    func decode(_ step: DecodeStep, x: inout [Float]) {
        let c = step.config, s = step.scratch
        RMSNorm.forward(output: &s.normed, rstd: &s.rstd, input: x, weight: postAttentionNorm.value.pointer,
                        rows: 1, cols: c.dim, eps: c.normEps)
        gate.forward(input: s.normed, output: &s.gate, rows: 1, training: false)
        up.forward(input: s.normed, output: &s.up, rows: 1, training: false)
        SwiGLU.forward(output: &s.activation, gate: s.gate, up: s.up, count: ffn)
        down.forward(input: s.activation, output: &s.output, rows: 1, training: false)
        for i in 0..<c.dim { x[i] += s.output[i] }
    }

    // MARK: FLOPs

    func flops(batch: Int, seqLen: Int, inBackward: Bool, inputGradientNeeded: Bool) -> FlopCount {
        var count = FlopCount(forward: 0, backward: 0)
        for linear in linears {
            // gate and up's activation gradient feeds only norm(input), which backward may skip.
            let feedsNorm = linear !== down
            let needed = inBackward && (!feedsNorm || inputGradientNeeded || postAttentionNorm.requiresGrad)
            count += linear.flops(rows: batch * seqLen, activationGradient: needed)
        }
        return count
    }
}

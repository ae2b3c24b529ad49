import Foundation
import LinearAlgebra

/// The attention half of a block: `x + o(attention(rope(norm_qk(q(n), k(n))), v(n)))`
/// with `n = RMSNorm(x)`, grouped-query heads and (Qwen3, minimind-3) optional
/// per-head RMSNorm on q and k. See `BlockSublayer` for the contract.
final class AttentionSublayer: BlockSublayer, @unchecked Sendable {
    // Sendable: a model is used by one thread at a time (the engine's).
    let inputNorm: Parameter
    let q: Linear, k: Linear, v: Linear, o: Linear
    let qNorm: Parameter?, kNorm: Parameter?
    /// Query heads and their size (for the FLOPs of attention itself).
    let heads: Int, headDim: Int

    init(prefix: String, config c: ModelConfig) {
        heads = c.heads
        headDim = c.headDim
        inputNorm = Parameter(name: "\(prefix).input_layernorm.weight", rows: 1, cols: c.dim)
        q = Linear(name: "\(prefix).self_attn.q_proj", inFeatures: c.dim, outFeatures: c.dim)
        k = Linear(name: "\(prefix).self_attn.k_proj", inFeatures: c.dim, outFeatures: c.kvDim)
        v = Linear(name: "\(prefix).self_attn.v_proj", inFeatures: c.dim, outFeatures: c.kvDim)
        o = Linear(name: "\(prefix).self_attn.o_proj", inFeatures: c.dim, outFeatures: c.dim)
        qNorm = c.qkNorm ? Parameter(name: "\(prefix).self_attn.q_norm.weight", rows: 1, cols: c.headDim) : nil
        kNorm = c.qkNorm ? Parameter(name: "\(prefix).self_attn.k_norm.weight", rows: 1, cols: c.headDim) : nil
    }

    private init(copying other: AttentionSublayer) {
        heads = other.heads
        headDim = other.headDim
        inputNorm = other.inputNorm.copy()
        q = other.q.copy(); k = other.k.copy(); v = other.v.copy(); o = other.o.copy()
        qNorm = other.qNorm?.copy(); kNorm = other.kNorm?.copy()
    }

    func copy() -> AttentionSublayer { AttentionSublayer(copying: self) }

    var parameters: [Parameter] { [inputNorm, q.weight, k.weight, v.weight, o.weight] + [qNorm, kNorm].compactMap { $0 } }
    var linears: [Linear] { [q, k, v, o] }
    var norms: [Parameter] { [inputNorm] + [qNorm, kNorm].compactMap { $0 } }

    /// Whether backward needs d(norm(input)): for what lies below, or for the norm's own weight.
    private func needsNormedGradient(_ inputGradientNeeded: Bool) -> Bool {
        inputGradientNeeded || inputNorm.requiresGrad
    }

    // MARK: Training pass

    func forward(_ pass: BlockPass, input: FloatBuffer, output: FloatBuffer) {
        let c = pass.config, a = pass.layer, acts = pass.activations, rows = pass.rows
        RMSNorm.forward(output: acts.normed.pointer, rstd: a.inputRstd.pointer, input: input.pointer,
                        weight: inputNorm.value.pointer, rows: rows, cols: c.dim, eps: c.normEps)
        q.forward(input: acts.normed.pointer, output: a.queryRaw.pointer, rows: rows, training: pass.training)
        k.forward(input: acts.normed.pointer, output: a.keyRaw.pointer, rows: rows, training: pass.training)
        v.forward(input: acts.normed.pointer, output: a.value.pointer, rows: rows, training: pass.training)
        let (query, key) = normAndRotateQueriesAndKeys(pass)
        pass.attention.forward(output: a.attentionOutput.pointer, query: query.pointer,
                               key: key.pointer, value: a.value.pointer,
                               scratch: acts.attentionScratch.pointer, batch: pass.batch, seqLen: pass.seqLen)
        o.forward(input: a.attentionOutput.pointer, output: output.pointer, rows: rows, training: pass.training)
        add(input.pointer, into: output.pointer, count: rows * c.dim)
    }

    func backward(_ pass: BlockPass, input: FloatBuffer, inputGradientNeeded: Bool) {
        let c = pass.config, a = pass.layer, acts = pass.activations, rows = pass.rows
        let dResidual = acts.residualGradient.pointer, dNormed = acts.normedGradient.pointer
        o.backward(input: a.attentionOutput.pointer, outputGradient: dResidual,
                   inputGradient: acts.attentionOutputGradient.pointer, accumulate: false, rows: rows)
        // Without q/k-norm, forward left the rotated queries and keys in the raw buffers; with it, recompute them.
        let (query, key) = qNorm == nil ? (a.queryRaw, a.keyRaw) : normAndRotateQueriesAndKeys(pass)
        pass.attention.backward(queryGradient: acts.queryGradient.pointer, keyGradient: acts.keyGradient.pointer,
                                valueGradient: acts.valueGradient.pointer,
                                outputGradient: acts.attentionOutputGradient.pointer,
                                query: query.pointer, key: key.pointer, value: a.value.pointer,
                                scratch: acts.attentionScratch.pointer, batch: pass.batch, seqLen: pass.seqLen)
        pass.rotary.backward(acts.queryGradient.pointer, rows: rows, seqLen: pass.seqLen, heads: c.heads)
        pass.rotary.backward(acts.keyGradient.pointer, rows: rows, seqLen: pass.seqLen, heads: c.kvHeads)
        var dQueryRaw = acts.queryGradient.pointer, dKeyRaw = acts.keyGradient.pointer
        if let qNorm, let kNorm, let dqRaw = acts.queryRawGradient,
           let dkRaw = acts.keyRawGradient, let qRstd = acts.queryRstd, let kRstd = acts.keyRstd {
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
        RMSNorm.forward(output: acts.normed.pointer, rstd: a.inputRstd.pointer, input: input.pointer,
                        weight: inputNorm.value.pointer, rows: rows, cols: c.dim, eps: c.normEps)
        let needNormedGradient = needsNormedGradient(inputGradientNeeded)
        let dNormedOrNil = needNormedGradient ? dNormed : nil
        q.backward(input: acts.normed.pointer, outputGradient: dQueryRaw,
                   inputGradient: dNormedOrNil, accumulate: false, rows: rows)
        k.backward(input: acts.normed.pointer, outputGradient: dKeyRaw,
                   inputGradient: dNormedOrNil, accumulate: true, rows: rows)
        v.backward(input: acts.normed.pointer, outputGradient: acts.valueGradient.pointer,
                   inputGradient: dNormedOrNil, accumulate: true, rows: rows)
        if needNormedGradient {
            RMSNorm.backward(inputGradient: dResidual, weightGradient: inputNorm.gradient?.pointer,
                             outputGradient: dNormed, input: input.pointer, weight: inputNorm.value.pointer,
                             rstd: a.inputRstd.pointer, rows: rows, cols: c.dim)
        }
    }

    /// Queries and keys as attention reads them: q/k-normed (into the shared
    /// buffers, as backward recomputes them) and rotated; without q/k-norm,
    /// the raw ones rotated in place, which forward alone does.
    private func normAndRotateQueriesAndKeys(_ pass: BlockPass) -> (query: FloatBuffer, key: FloatBuffer) {
        let c = pass.config, a = pass.layer, acts = pass.activations, rows = pass.rows
        var query = a.queryRaw, key = a.keyRaw
        if let qNorm, let kNorm, let normedQuery = acts.query, let normedKey = acts.key,
           let qRstd = acts.queryRstd, let kRstd = acts.keyRstd {
            RMSNorm.forward(output: normedQuery.pointer, rstd: qRstd.pointer, input: a.queryRaw.pointer,
                            weight: qNorm.value.pointer, rows: rows * c.heads, cols: c.headDim, eps: c.normEps)
            RMSNorm.forward(output: normedKey.pointer, rstd: kRstd.pointer, input: a.keyRaw.pointer,
                            weight: kNorm.value.pointer, rows: rows * c.kvHeads, cols: c.headDim, eps: c.normEps)
            query = normedQuery
            key = normedKey
        }
        pass.rotary.forward(query.pointer, rows: rows, seqLen: pass.seqLen, heads: c.heads)
        pass.rotary.forward(key.pointer, rows: rows, seqLen: pass.seqLen, heads: c.kvHeads)
        return (query, key)
    }

    // MARK: Cached generation

    func decode(_ step: DecodeStep, x: inout [Float]) {
        let c = step.config, s = step.scratch, position = step.position, cache = step.cache, l = step.layer
        let keyRow = cache.keys[l].pointer + position * c.kvDim
        let valueRow = cache.values[l].pointer + position * c.kvDim
        RMSNorm.forward(output: &s.normed, rstd: &s.rstd, input: x, weight: inputNorm.value.pointer,
                        rows: 1, cols: c.dim, eps: c.normEps)
        q.forward(input: s.normed, output: &s.query, rows: 1, training: false)
        k.forward(input: s.normed, output: keyRow, rows: 1, training: false)
        v.forward(input: s.normed, output: valueRow, rows: 1, training: false)
        if let qNorm, let kNorm {
            let rawQuery = s.query
            RMSNorm.forward(output: &s.query, rstd: &s.headRstd, input: rawQuery, weight: qNorm.value.pointer,
                            rows: c.heads, cols: c.headDim, eps: c.normEps)
            let rawKey = Array(UnsafeBufferPointer(start: keyRow, count: c.kvDim))
            RMSNorm.forward(output: keyRow, rstd: &s.headRstd, input: rawKey, weight: kNorm.value.pointer,
                            rows: c.kvHeads, cols: c.headDim, eps: c.normEps)
        }
        step.rotary.forward(&s.query, rows: 1, seqLen: 1, heads: c.heads, startPosition: position)
        step.rotary.forward(keyRow, rows: 1, seqLen: 1, heads: c.kvHeads, startPosition: position)
        var scores = [Float](repeating: 0, count: position + 1)
        let scale = 1 / Float(c.headDim).squareRoot()
        for h in 0..<c.heads {
            let g = h / c.groupSize
            s.query.withUnsafeBufferPointer { query in
                BLAS.gemm(transposeA: false, transposeB: true, m: 1, n: position + 1, k: c.headDim, alpha: scale,
                          a: query.baseAddress! + h * c.headDim, lda: c.dim,
                          b: cache.keys[l].pointer + g * c.headDim, ldb: c.kvDim,
                          c: &scores, ldc: position + 1)
            }
            let maxScore = scores.max() ?? 0
            var total: Float = 0
            for j in scores.indices { scores[j] = exp(scores[j] - maxScore); total += scores[j] }
            for j in scores.indices { scores[j] /= total }
            s.attended.withUnsafeMutableBufferPointer { out in
                BLAS.gemm(transposeA: false, transposeB: false, m: 1, n: c.headDim, k: position + 1,
                          a: scores, lda: position + 1,
                          b: cache.values[l].pointer + g * c.headDim, ldb: c.kvDim,
                          c: out.baseAddress! + h * c.headDim, ldc: c.dim)
            }
        }
        o.forward(input: s.attended, output: &s.output, rows: 1, training: false)
        for i in 0..<c.dim { x[i] += s.output[i] }
    }

    // MARK: FLOPs

    func flops(batch: Int, seqLen: Int, inBackward: Bool, inputGradientNeeded: Bool) -> FlopCount {
        let rows = batch * seqLen
        // Scores and the weighted sum of values: two products of [seq, headDim] per head.
        let core = 4 * Double(batch * heads * seqLen * seqLen * headDim)
        var count = FlopCount(forward: core, backward: inBackward ? 2 * core : 0)
        // q, k, v's activation gradient feeds only norm(input), which backward may skip.
        let normedGradient = needsNormedGradient(inputGradientNeeded)
        for linear in linears {
            count += linear.flops(rows: rows, activationGradient: inBackward && (linear === o || normedGradient))
        }
        return count
    }
}

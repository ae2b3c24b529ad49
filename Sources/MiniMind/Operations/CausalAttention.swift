import Foundation
import LinearAlgebra

/// Grouped-query causal self-attention on `[batch·seq, heads·headDim]` buffers.
///
/// Query head `h` reads key/value head `h / groupSize`. Each (sequence, head)
/// pair is two matrix products through BLAS with row strides, so no head is
/// ever copied out: `S = Q Kᵀ / √d`, `P = softmax(S)` under the causal mask,
/// `O = P V`. The probabilities are not kept: backward recomputes them
/// from Q and K (one extra `Q Kᵀ` per head, a few per cent of the step),
/// which saves `batch · heads · seq²` floats per layer — the largest
/// activation of all at long contexts. Sequences are independent, so each
/// core takes a block of them.
public struct CausalAttention: Sendable {
    public let heads: Int
    public let kvHeads: Int
    public let headDim: Int

    public init(heads: Int, kvHeads: Int, headDim: Int) {
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
    }

    var groupSize: Int { heads / kvHeads }
    var scale: Float { 1 / Float(headDim).squareRoot() }
    var queryStride: Int { heads * headDim }
    var keyValueStride: Int { kvHeads * headDim }

    /// `scratch` holds `batch · seq²` floats (one head's probabilities per sequence).
    public func forward(output: UnsafeMutablePointer<Float>, query: UnsafePointer<Float>, key: UnsafePointer<Float>,
                        value: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>, batch: Int, seqLen: Int) {
        Parallel.forEachChunk(of: batch, cost: batch * heads * seqLen * seqLen * headDim) { sequences in
            for b in sequences {
                let p = scratch + b * seqLen * seqLen
                for h in 0..<heads {
                    let kv = b * seqLen * keyValueStride + (h / groupSize) * headDim
                    probabilities(into: p, sequence: b, head: h, query: query, key: key, seqLen: seqLen)
                    BLAS.single(transposeA: false, transposeB: false, m: seqLen, n: headDim, k: seqLen, alpha: 1,
                                a: p, lda: seqLen, b: value + kv, ldb: keyValueStride, beta: 0,
                                c: output + b * seqLen * queryStride + h * headDim, ldc: queryStride)
                }
            }
        }
    }

    /// `P = softmax(Q Kᵀ / √d)` of one head of one sequence, under the causal mask.
    private func probabilities(into p: UnsafeMutablePointer<Float>, sequence b: Int, head h: Int,
                               query: UnsafePointer<Float>, key: UnsafePointer<Float>, seqLen: Int) {
        let q = query + b * seqLen * queryStride + h * headDim
        let k = key + b * seqLen * keyValueStride + (h / groupSize) * headDim
        BLAS.single(transposeA: false, transposeB: true, m: seqLen, n: seqLen, k: headDim, alpha: scale,
                    a: q, lda: queryStride, b: k, ldb: keyValueStride, beta: 0, c: p, ldc: seqLen)
        Self.causalSoftmaxInPlace(p, seqLen: seqLen)
    }

    /// Row `i` keeps columns `0...i`; the rest become exact zeros so that the
    /// products with V (and their gradients) ignore the future.
    static func causalSoftmaxInPlace(_ p: UnsafeMutablePointer<Float>, seqLen: Int) {
        for i in 0..<seqLen {
            let row = p + i * seqLen
            let maxScore = VectorMath.maximum(row, count: i + 1)
            let total = VectorMath.exponentiateInPlace(row, count: i + 1, subtracting: maxScore)
            VectorMath.scaleInPlace(row, count: i + 1, by: 1 / total)
            if i + 1 < seqLen { (row + i + 1).update(repeating: 0, count: seqLen - i - 1) }
        }
    }

    /// Overwrites `queryGradient`, `keyGradient`, `valueGradient`.
    /// `scratch` holds `2 · batch · seqLen²` floats: per sequence, the recomputed
    /// probabilities of one head and its dP (then dS).
    public func backward(queryGradient: UnsafeMutablePointer<Float>, keyGradient: UnsafeMutablePointer<Float>,
                         valueGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
                         query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
                         scratch: UnsafeMutablePointer<Float>, batch: Int, seqLen: Int) {
        keyGradient.update(repeating: 0, count: batch * seqLen * keyValueStride)
        valueGradient.update(repeating: 0, count: batch * seqLen * keyValueStride)
        Parallel.forEachChunk(of: batch, cost: batch * heads * seqLen * seqLen * headDim) { sequences in
            for b in sequences {
                let p = scratch + 2 * b * seqLen * seqLen, dS = p + seqLen * seqLen
                for h in 0..<heads {
                    let qOffset = b * seqLen * queryStride + h * headDim
                    let kvOffset = b * seqLen * keyValueStride + (h / groupSize) * headDim
                    probabilities(into: p, sequence: b, head: h, query: query, key: key, seqLen: seqLen)
                    let dO = outputGradient + qOffset
                    // dV += Pᵀ dO (the heads of a group accumulate into one value head)
                    BLAS.single(transposeA: true, transposeB: false, m: seqLen, n: headDim, k: seqLen, alpha: 1,
                                a: p, lda: seqLen, b: dO, ldb: queryStride, beta: 1,
                                c: valueGradient + kvOffset, ldc: keyValueStride)
                    // dP = dO Vᵀ
                    BLAS.single(transposeA: false, transposeB: true, m: seqLen, n: seqLen, k: headDim, alpha: 1,
                                a: dO, lda: queryStride, b: value + kvOffset, ldb: keyValueStride, beta: 0,
                                c: dS, ldc: seqLen)
                    // dS = P ⊙ (dP − rowsum(dP ⊙ P)); masked entries have P = 0.
                    for i in 0..<seqLen {
                        let pr = p + i * seqLen, dr = dS + i * seqLen
                        var dot: Float = 0
                        for j in 0...i { dot += pr[j] * dr[j] }
                        for j in 0...i { dr[j] = pr[j] * (dr[j] - dot) }
                        if i + 1 < seqLen { (dr + i + 1).update(repeating: 0, count: seqLen - i - 1) }
                    }
                    // dQ = dS K · scale ; dK += dSᵀ Q · scale
                    BLAS.single(transposeA: false, transposeB: false, m: seqLen, n: headDim, k: seqLen, alpha: scale,
                                a: dS, lda: seqLen, b: key + kvOffset, ldb: keyValueStride, beta: 0,
                                c: queryGradient + qOffset, ldc: queryStride)
                    BLAS.single(transposeA: true, transposeB: false, m: seqLen, n: headDim, k: seqLen, alpha: scale,
                                a: dS, lda: seqLen, b: query + qOffset, ldb: queryStride, beta: 1,
                                c: keyGradient + kvOffset, ldc: keyValueStride)
                }
            }
        }
    }
}

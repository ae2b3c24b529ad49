import Foundation
import LinearAlgebra

/// Grouped-query causal self-attention on `[batch·seq, heads·headDim]` buffers.
///
/// Query head `h` reads key/value head `h / groupSize`. Each (sequence, head)
/// pair is two matrix products through BLAS with row strides, so no head is
/// ever copied out: `S = Q Kᵀ / √d`, `P = softmax(S)` under the causal mask,
/// `O = P V`. The probabilities are kept for backward. Sequences are
/// independent, so each core takes a block of them.
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

    /// `probabilities` is `[batch, heads, seq, seq]`.
    public func forward(output: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>,
                        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
                        batch: Int, seqLen: Int) {
        Parallel.forEachChunk(of: batch, cost: batch * heads * seqLen * seqLen * headDim) { sequences in
            for b in sequences {
                for h in 0..<heads {
                    let q = query + b * seqLen * queryStride + h * headDim
                    let kv = b * seqLen * keyValueStride + (h / groupSize) * headDim
                    let p = probabilities + (b * heads + h) * seqLen * seqLen
                    BLAS.single(transposeA: false, transposeB: true, m: seqLen, n: seqLen, k: headDim, alpha: scale,
                                a: q, lda: queryStride, b: key + kv, ldb: keyValueStride, beta: 0, c: p, ldc: seqLen)
                    Self.causalSoftmaxInPlace(p, seqLen: seqLen)
                    BLAS.single(transposeA: false, transposeB: false, m: seqLen, n: headDim, k: seqLen, alpha: 1,
                                a: p, lda: seqLen, b: value + kv, ldb: keyValueStride, beta: 0,
                                c: output + b * seqLen * queryStride + h * headDim, ldc: queryStride)
                }
            }
        }
    }

    /// Row `i` keeps columns `0...i`; the rest become exact zeros so that the
    /// products with V (and their gradients) ignore the future.
    static func causalSoftmaxInPlace(_ p: UnsafeMutablePointer<Float>, seqLen: Int) {
        for i in 0..<seqLen {
            let row = p + i * seqLen
            var maxScore = -Float.infinity
            for j in 0...i { maxScore = max(maxScore, row[j]) }
            var total: Float = 0
            for j in 0...i {
                let e = exp(row[j] - maxScore)
                row[j] = e
                total += e
            }
            let inverse = 1 / total
            for j in 0...i { row[j] *= inverse }
            if i + 1 < seqLen { (row + i + 1).update(repeating: 0, count: seqLen - i - 1) }
        }
    }

    /// Overwrites `queryGradient`, `keyGradient`, `valueGradient`.
    /// `scratch` holds `batch · seqLen²` floats (dP, then dS, one square per sequence).
    public func backward(queryGradient: UnsafeMutablePointer<Float>, keyGradient: UnsafeMutablePointer<Float>,
                         valueGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
                         query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
                         probabilities: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                         batch: Int, seqLen: Int) {
        keyGradient.update(repeating: 0, count: batch * seqLen * keyValueStride)
        valueGradient.update(repeating: 0, count: batch * seqLen * keyValueStride)
        Parallel.forEachChunk(of: batch, cost: batch * heads * seqLen * seqLen * headDim) { sequences in
            for b in sequences {
                let dS = scratch + b * seqLen * seqLen
                for h in 0..<heads {
                    let qOffset = b * seqLen * queryStride + h * headDim
                    let kvOffset = b * seqLen * keyValueStride + (h / groupSize) * headDim
                    let p = probabilities + (b * heads + h) * seqLen * seqLen
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

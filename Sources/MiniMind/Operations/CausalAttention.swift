import Foundation
import LinearAlgebra

/// Grouped-query causal self-attention on `[batch·seq, heads·headDim]` buffers.
///
/// Query head `h` reads key/value head `h / groupSize`. Each (sequence, head)
/// pair is two matrix products through BLAS with row strides, so no head is
/// ever copied out: `S = Q Kᵀ / √d`, `P = softmax(S)` under the causal mask,
/// `O = P V`. The probabilities are kept for backward.
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

    /// `probabilities` is `[batch, heads, seq, seq]`.
    public func forward(output: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>,
                        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
                        batch: Int, seqLen: Int) {
        let qStride = heads * headDim, kvStride = kvHeads * headDim
        for b in 0..<batch {
            for h in 0..<heads {
                let g = h / groupSize
                let q = query + b * seqLen * qStride + h * headDim
                let k = key + b * seqLen * kvStride + g * headDim
                let v = value + b * seqLen * kvStride + g * headDim
                let p = probabilities + (b * heads + h) * seqLen * seqLen
                BLAS.gemm(transposeA: false, transposeB: true, m: seqLen, n: seqLen, k: headDim,
                          alpha: scale, a: q, lda: qStride, b: k, ldb: kvStride, c: p, ldc: seqLen)
                Self.causalSoftmaxInPlace(p, seqLen: seqLen)
                BLAS.gemm(transposeA: false, transposeB: false, m: seqLen, n: headDim, k: seqLen,
                          a: p, lda: seqLen, b: v, ldb: kvStride,
                          c: output + b * seqLen * qStride + h * headDim, ldc: qStride)
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
    /// `scratch` holds `seqLen²` floats (dP, then dS, of one head at a time).
    public func backward(queryGradient: UnsafeMutablePointer<Float>, keyGradient: UnsafeMutablePointer<Float>,
                         valueGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
                         query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
                         probabilities: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                         batch: Int, seqLen: Int) {
        let qStride = heads * headDim, kvStride = kvHeads * headDim
        keyGradient.update(repeating: 0, count: batch * seqLen * kvStride)
        valueGradient.update(repeating: 0, count: batch * seqLen * kvStride)
        for b in 0..<batch {
            for h in 0..<heads {
                let g = h / groupSize
                let qOffset = b * seqLen * qStride + h * headDim
                let kvOffset = b * seqLen * kvStride + g * headDim
                let p = probabilities + (b * heads + h) * seqLen * seqLen
                let dO = outputGradient + qOffset
                // dV += Pᵀ dO (heads of a group accumulate into one value head)
                BLAS.gemm(transposeA: true, transposeB: false, m: seqLen, n: headDim, k: seqLen,
                          a: p, lda: seqLen, b: dO, ldb: qStride, beta: 1,
                          c: valueGradient + kvOffset, ldc: kvStride)
                // dP = dO Vᵀ
                BLAS.gemm(transposeA: false, transposeB: true, m: seqLen, n: seqLen, k: headDim,
                          a: dO, lda: qStride, b: value + kvOffset, ldb: kvStride, c: scratch, ldc: seqLen)
                // dS = P ⊙ (dP − rowsum(dP ⊙ P)); masked entries have P = 0.
                for i in 0..<seqLen {
                    let pr = p + i * seqLen, dr = scratch + i * seqLen
                    var dot: Float = 0
                    for j in 0...i { dot += pr[j] * dr[j] }
                    for j in 0...i { dr[j] = pr[j] * (dr[j] - dot) }
                    if i + 1 < seqLen { (dr + i + 1).update(repeating: 0, count: seqLen - i - 1) }
                }
                // dQ = dS K · scale ; dK += dSᵀ Q · scale
                BLAS.gemm(transposeA: false, transposeB: false, m: seqLen, n: headDim, k: seqLen,
                          alpha: scale, a: scratch, lda: seqLen, b: key + kvOffset, ldb: kvStride,
                          c: queryGradient + qOffset, ldc: qStride)
                BLAS.gemm(transposeA: true, transposeB: false, m: seqLen, n: headDim, k: seqLen,
                          alpha: scale, a: scratch, lda: seqLen, b: query + qOffset, ldb: qStride, beta: 1,
                          c: keyGradient + kvOffset, ldc: kvStride)
            }
        }
    }
}

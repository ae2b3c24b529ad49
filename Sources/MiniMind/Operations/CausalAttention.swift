import Foundation
import LinearAlgebra

/// Grouped-query causal self-attention on `[batch·seq, heads·headDim]` buffers.
///
/// Query head `h` reads key/value head `h / groupSize`. Each (sequence, head)
/// pair is matrix products through BLAS with row strides, so no head is
/// ever copied out: `S = Q Kᵀ / √d`, `P = softmax(S)` under the causal mask,
/// `O = P V`. The probabilities are not kept: backward recomputes them
/// from Q and K (one extra `Q Kᵀ` per head, a few per cent of the step),
/// which saves `batch · heads · seq²` floats per layer — the largest
/// activation of all at long contexts. Sequences are independent, so each
/// core takes a block of them.
///
/// The queries are taken in blocks of `blockRows` rows: a block ending at row
/// `r1` attends only to keys `0..<r1`, so its products stop there instead of
/// multiplying the masked future by zero. At 128 tokens that skips a quarter
/// of the attention arithmetic, at 512 nearly half. Columns at or beyond the
/// block's end are never written or read.
public struct CausalAttention: Sendable {
    public let heads: Int
    public let kvHeads: Int
    public let headDim: Int

    /// Query rows per block: long enough that each product keeps BLAS busy,
    /// short enough that the skipped triangle is large.
    static let blockRows = 64

    public init(heads: Int, kvHeads: Int, headDim: Int) {
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
    }

    var groupSize: Int { heads / kvHeads }
    var scale: Float { 1 / Float(headDim).squareRoot() }
    var queryStride: Int { heads * headDim }
    var keyValueStride: Int { kvHeads * headDim }

    /// The row blocks of one sequence: `(first row, end row)`.
    static func blocks(seqLen: Int) -> [(start: Int, end: Int)] {
        stride(from: 0, to: seqLen, by: blockRows).map { ($0, min($0 + blockRows, seqLen)) }
    }

    /// `scratch` holds `batch · seq²` floats (one head's probabilities per sequence).
    public func forward(output: UnsafeMutablePointer<Float>, query: UnsafePointer<Float>, key: UnsafePointer<Float>,
                        value: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>, batch: Int, seqLen: Int) {
        let blocks = Self.blocks(seqLen: seqLen)
        Parallel.forEachChunk(of: batch, cost: batch * heads * seqLen * seqLen * headDim) { sequences in
            for b in sequences {
                let p = scratch + b * seqLen * seqLen
                for h in 0..<heads {
                    let kv = b * seqLen * keyValueStride + (h / groupSize) * headDim
                    let o = output + b * seqLen * queryStride + h * headDim
                    for (start, end) in blocks {
                        probabilities(into: p, sequence: b, head: h, query: query, key: key,
                                      seqLen: seqLen, rows: start..<end)
                        // O[block] = P[block, 0..<end] · V[0..<end]
                        BLAS.single(transposeA: false, transposeB: false, m: end - start, n: headDim, k: end,
                                    alpha: 1, a: p + start * seqLen, lda: seqLen, b: value + kv,
                                    ldb: keyValueStride, beta: 0, c: o + start * queryStride, ldc: queryStride)
                    }
                }
            }
        }
    }

    /// Rows `rows` of `P = softmax(Q Kᵀ / √d)` of one head of one sequence,
    /// under the causal mask, in columns `0..<rows.upperBound`.
    private func probabilities(into p: UnsafeMutablePointer<Float>, sequence b: Int, head h: Int,
                               query: UnsafePointer<Float>, key: UnsafePointer<Float>, seqLen: Int,
                               rows: Range<Int>) {
        let q = query + b * seqLen * queryStride + h * headDim + rows.lowerBound * queryStride
        let k = key + b * seqLen * keyValueStride + (h / groupSize) * headDim
        let block = p + rows.lowerBound * seqLen
        BLAS.single(transposeA: false, transposeB: true, m: rows.count, n: rows.upperBound, k: headDim, alpha: scale,
                    a: q, lda: queryStride, b: k, ldb: keyValueStride, beta: 0, c: block, ldc: seqLen)
        Self.causalSoftmaxInPlace(block, stride: seqLen, rows: rows)
    }

    /// Row `i` (of `rows`, stored `stride` apart from `p`) keeps columns
    /// `0...i`; columns `i+1 ..< rows.upperBound` become exact zeros so that
    /// the products with V (and their gradients) ignore the future.
    static func causalSoftmaxInPlace(_ p: UnsafeMutablePointer<Float>, stride: Int, rows: Range<Int>) {
        for i in rows {
            let row = p + (i - rows.lowerBound) * stride
            let count = i + 1
            let maxScore = VectorMath.maximum(row, count: count)
            let total = MaskedRow.exponentiateInPlace(row, count: count, subtracting: maxScore)
            VectorMath.scaleInPlace(row, count: count, by: 1 / total)
            if count < rows.upperBound { (row + count).update(repeating: 0, count: rows.upperBound - count) }
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
        let blocks = Self.blocks(seqLen: seqLen)
        Parallel.forEachChunk(of: batch, cost: batch * heads * seqLen * seqLen * headDim) { sequences in
            for b in sequences {
                let p = scratch + 2 * b * seqLen * seqLen, dS = p + seqLen * seqLen
                for h in 0..<heads {
                    let qOffset = b * seqLen * queryStride + h * headDim
                    let kvOffset = b * seqLen * keyValueStride + (h / groupSize) * headDim
                    for (start, end) in blocks {
                        let m = end - start
                        let pBlock = p + start * seqLen, dSBlock = dS + start * seqLen
                        let rowOffset = qOffset + start * queryStride
                        probabilities(into: p, sequence: b, head: h, query: query, key: key,
                                      seqLen: seqLen, rows: start..<end)
                        let dO = outputGradient + rowOffset
                        // dV[0..<end] += Pᵀ dO (the heads of a group accumulate into one value head)
                        BLAS.single(transposeA: true, transposeB: false, m: end, n: headDim, k: m, alpha: 1,
                                    a: pBlock, lda: seqLen, b: dO, ldb: queryStride, beta: 1,
                                    c: valueGradient + kvOffset, ldc: keyValueStride)
                        // dP = dO Vᵀ
                        BLAS.single(transposeA: false, transposeB: true, m: m, n: end, k: headDim, alpha: 1,
                                    a: dO, lda: queryStride, b: value + kvOffset, ldb: keyValueStride, beta: 0,
                                    c: dSBlock, ldc: seqLen)
                        // dS = P ⊙ (dP − rowsum(dP ⊙ P)); masked entries have P = 0, so they become 0.
                        for r in 0..<m {
                            MaskedRow.softmaxGradientInPlace(dSBlock + r * seqLen, probabilities: pBlock + r * seqLen,
                                                             count: end)
                        }
                        // dQ[block] = dS K · scale ; dK[0..<end] += dSᵀ Q[block] · scale
                        BLAS.single(transposeA: false, transposeB: false, m: m, n: headDim, k: end, alpha: scale,
                                    a: dSBlock, lda: seqLen, b: key + kvOffset, ldb: keyValueStride, beta: 0,
                                    c: queryGradient + rowOffset, ldc: queryStride)
                        BLAS.single(transposeA: true, transposeB: false, m: end, n: headDim, k: m, alpha: scale,
                                    a: dSBlock, lda: seqLen, b: query + rowOffset, ldb: queryStride, beta: 1,
                                    c: keyGradient + kvOffset, ldc: keyValueStride)
                    }
                }
            }
        }
    }
}

/// Row kernels of the attention softmax on eight lanes, including the last
/// partial group of a row: a causal row's length changes by one from row to
/// row, so at 128 tokens a scalar tail (one vector `exp` per element) would
/// cost as much as the rest of the row.
enum MaskedRow {
    typealias Vector = VectorMath.Vector

    /// The first `count` floats of `p` into a vector, the missing lanes `fill`.
    @inline(__always)
    static func loadPartial(_ p: UnsafePointer<Float>, count: Int, fill: Float) -> Vector {
        var v = Vector(repeating: fill)
        for j in 0..<count { v[j] = p[j] }
        return v
    }

    @inline(__always)
    static func storePartial(_ v: Vector, to p: UnsafeMutablePointer<Float>, count: Int) {
        for j in 0..<count { p[j] = v[j] }
    }

    /// `p[i] = exp(p[i] − shift)` for `i < count`; returns their sum.
    @inline(__always)
    static func exponentiateInPlace(_ p: UnsafeMutablePointer<Float>, count: Int, subtracting shift: Float) -> Float {
        var sum = Vector(repeating: 0)
        let s = Vector(repeating: shift)
        var i = 0
        while i + 8 <= count {
            let e = VectorMath.exp(UnsafeRawPointer(p + i).loadUnaligned(as: Vector.self) - s)
            UnsafeMutableRawPointer(p + i).storeBytes(of: e, as: Vector.self)
            sum += e
            i += 8
        }
        let tail = count - i
        if tail > 0 {
            var e = VectorMath.exp(loadPartial(p + i, count: tail, fill: shift) - s)
            storePartial(e, to: p + i, count: tail)
            e.replace(with: 0, where: SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .>= SIMD8<Int32>(repeating: Int32(tail)))
            sum += e
        }
        return sum.sum()
    }

    /// `d[j] = p[j] · (d[j] − Σₖ p[k]·d[k])` over `count` columns.
    @inline(__always)
    static func softmaxGradientInPlace(_ d: UnsafeMutablePointer<Float>, probabilities p: UnsafePointer<Float>,
                                       count: Int) {
        var dots = Vector(repeating: 0)
        var i = 0
        while i + 8 <= count {
            dots += UnsafeRawPointer(p + i).loadUnaligned(as: Vector.self)
                * UnsafeRawPointer(d + i).loadUnaligned(as: Vector.self)
            i += 8
        }
        var dot = dots.sum()
        while i < count { dot += p[i] * d[i]; i += 1 }
        let dv = Vector(repeating: dot)
        i = 0
        while i + 8 <= count {
            let pv = UnsafeRawPointer(p + i).loadUnaligned(as: Vector.self)
            let v = pv * (UnsafeRawPointer(d + i).loadUnaligned(as: Vector.self) - dv)
            UnsafeMutableRawPointer(d + i).storeBytes(of: v, as: Vector.self)
            i += 8
        }
        while i < count { d[i] = p[i] * (d[i] - dot); i += 1 }
    }
}

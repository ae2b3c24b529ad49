import Foundation
import LinearAlgebra
import MiniMind
import Testing

/// The vectorised and blocked kernels against straightforward loops in
/// Double, on shapes that exercise every path: rows longer than one attention
/// block, widths that are not a multiple of the eight lanes (a causal row of
/// `i + 1` scores runs every partial-vector length as `i` grows).
@Suite struct OperationReferenceTests {
    var generator = SeededGenerator(seed: 3)

    /// Attention written out: scores, masked softmax and the weighted sum, one
    /// (sequence, head) at a time.
    static func referenceAttention(query q: [Float], key k: [Float], value v: [Float], batch: Int, seqLen: Int,
                                   heads: Int, kvHeads: Int, headDim: Int) -> [Float] {
        var out = [Float](repeating: 0, count: q.count)
        let qs = heads * headDim, ks = kvHeads * headDim, group = heads / kvHeads
        let scale = 1 / Double(headDim).squareRoot()
        for b in 0..<batch {
            for h in 0..<heads {
                let kvHead = h / group
                for i in 0..<seqLen {
                    var scores = [Double](repeating: 0, count: i + 1)
                    for j in 0...i {
                        var dot = 0.0
                        for d in 0..<headDim {
                            dot += Double(q[(b * seqLen + i) * qs + h * headDim + d])
                                * Double(k[(b * seqLen + j) * ks + kvHead * headDim + d])
                        }
                        scores[j] = dot * scale
                    }
                    let top = scores.max()!
                    let weights = scores.map { Foundation.exp($0 - top) }
                    let total = weights.reduce(0, +)
                    for d in 0..<headDim {
                        var sum = 0.0
                        for j in 0...i { sum += weights[j] / total * Double(v[(b * seqLen + j) * ks + kvHead * headDim + d]) }
                        out[(b * seqLen + i) * qs + h * headDim + d] = Float(sum)
                    }
                }
            }
        }
        return out
    }

    @Test(arguments: [5, 64, 70, 131])
    mutating func blockedAttentionMatchesTheWrittenOutFormula(seqLen: Int) {
        let batch = 2, heads = 4, kvHeads = 2, headDim = 6
        let attention = CausalAttention(heads: heads, kvHeads: kvHeads, headDim: headDim)
        let q = randomArray(batch * seqLen * heads * headDim, std: 2, generator: &generator)
        let k = randomArray(batch * seqLen * kvHeads * headDim, std: 2, generator: &generator)
        let v = randomArray(batch * seqLen * kvHeads * headDim, generator: &generator)
        var out = [Float](repeating: .nan, count: q.count)
        var scratch = [Float](repeating: .nan, count: batch * seqLen * seqLen)
        attention.forward(output: &out, query: q, key: k, value: v, scratch: &scratch, batch: batch, seqLen: seqLen)
        let expected = Self.referenceAttention(query: q, key: k, value: v, batch: batch, seqLen: seqLen,
                                               heads: heads, kvHeads: kvHeads, headDim: headDim)
        let worst = zip(out, expected).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-5, "largest difference \(worst) at seqLen \(seqLen)")
    }

    @Test(arguments: [3, 16, 21])
    mutating func rmsNormMatchesTheFormula(cols: Int) {
        let rows = 9
        let x = randomArray(rows * cols, generator: &generator)
        let w = randomArray(cols, generator: &generator).map { 1 + 0.3 * $0 }
        let dy = randomArray(rows * cols, generator: &generator)
        var y = [Float](repeating: 0, count: rows * cols), rstd = [Float](repeating: 0, count: rows)
        RMSNorm.forward(output: &y, rstd: &rstd, input: x, weight: w, rows: rows, cols: cols, eps: 1e-6)
        var dx = [Float](repeating: 0.5, count: rows * cols), dw = [Float](repeating: 0.25, count: cols)
        RMSNorm.backward(inputGradient: &dx, weightGradient: &dw, outputGradient: dy, input: x, weight: w,
                         rstd: rstd, rows: rows, cols: cols)
        var dxWithoutWeight = [Float](repeating: 0.5, count: rows * cols)
        RMSNorm.backward(inputGradient: &dxWithoutWeight, weightGradient: nil, outputGradient: dy, input: x, weight: w,
                         rstd: rstd, rows: rows, cols: cols)
        var expectedDw = [Double](repeating: 0.25, count: cols)
        for r in 0..<rows {
            let row = (0..<cols).map { Double(x[r * cols + $0]) }
            let s = 1 / (row.reduce(0) { $0 + $1 * $1 } / Double(cols) + 1e-6).squareRoot()
            #expect(abs(Double(rstd[r]) - s) < 1e-5 * s)
            var gx = 0.0
            for i in 0..<cols { gx += Double(dy[r * cols + i]) * Double(w[i]) * row[i] }
            for i in 0..<cols {
                #expect(abs(Double(y[r * cols + i]) - row[i] * s * Double(w[i])) < 1e-5)
                let expected = 0.5 + s * Double(dy[r * cols + i]) * Double(w[i]) - row[i] * s * s * s * gx / Double(cols)
                #expect(abs(Double(dx[r * cols + i]) - expected) < 1e-4)
                #expect(dx[r * cols + i] == dxWithoutWeight[r * cols + i])
                expectedDw[i] += Double(dy[r * cols + i]) * row[i] * s
            }
        }
        for i in 0..<cols { #expect(abs(Double(dw[i]) - expectedDw[i]) < 1e-4) }
    }

    @Test(arguments: [6, 24, 40])
    mutating func rotaryMatchesTheFormula(headDim: Int) {
        let batch = 2, seqLen = 5, heads = 3, half = headDim / 2, theta = 10_000.0
        let rope = RotaryEmbedding(headDim: headDim, maxPositions: 16, theta: Float(theta))
        let x = randomArray(batch * seqLen * heads * headDim, generator: &generator)
        var y = x
        rope.forward(&y, rows: batch * seqLen, seqLen: seqLen, heads: heads, startPosition: 3)
        for r in 0..<(batch * seqLen) {
            let position = 3 + r % seqLen
            for h in 0..<heads {
                let base = (r * heads + h) * headDim
                for i in 0..<half {
                    let angle = Double(position) * pow(theta, -2 * Double(i) / Double(headDim))
                    let a = Double(x[base + i]), b = Double(x[base + i + half])
                    #expect(abs(Double(y[base + i]) - (a * cos(angle) - b * sin(angle))) < 1e-5)
                    #expect(abs(Double(y[base + i + half]) - (b * cos(angle) + a * sin(angle))) < 1e-5)
                }
            }
        }
        // Backward is the inverse rotation (from position 0, as training uses it).
        var z = x
        rope.forward(&z, rows: batch * seqLen, seqLen: seqLen, heads: heads)
        rope.backward(&z, rows: batch * seqLen, seqLen: seqLen, heads: heads)
        #expect(zip(z, x).allSatisfy { abs($0 - $1) < 1e-5 })
    }
}

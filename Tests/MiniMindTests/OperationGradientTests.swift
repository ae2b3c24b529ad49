import LinearAlgebra
import MiniMind
import Testing

/// Each operation's backward against finite differences of its forward.
@Suite struct OperationGradientTests {
    var generator = SeededGenerator(seed: 1)

    @Test mutating func embedding() {
        let rows = 6, dim = 5, vocab = 7
        let tokens: [Int32] = [3, 1, 3, 6, 0, 3]  // repeated ids must accumulate
        let table = randomArray(vocab * dim, generator: &generator)
        let r = randomArray(rows * dim, generator: &generator)
        func run(_ t: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: rows * dim)
            Embedding.forward(output: &out, tokens: tokens, table: t, rows: rows, dim: dim)
            return out
        }
        var grad = [Float](repeating: 0, count: vocab * dim)
        Embedding.backward(tableGradient: &grad, outputGradient: r, tokens: tokens, rows: rows, dim: dim)
        var checker = GradientChecker()
        checker.check("embedding table", at: table, gradient: grad) { projection(run($0), onto: r) }
    }

    @Test mutating func rmsNorm() {
        let rows = 4, cols = 8
        let x = randomArray(rows * cols, generator: &generator)
        let w = randomArray(cols, generator: &generator).map { 1 + 0.3 * $0 }
        let r = randomArray(rows * cols, generator: &generator)
        func run(_ x: [Float], _ w: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: rows * cols), rstd = [Float](repeating: 0, count: rows)
            RMSNorm.forward(output: &out, rstd: &rstd, input: x, weight: w, rows: rows, cols: cols, eps: 1e-6)
            return out
        }
        var out = [Float](repeating: 0, count: rows * cols), rstd = [Float](repeating: 0, count: rows)
        RMSNorm.forward(output: &out, rstd: &rstd, input: x, weight: w, rows: rows, cols: cols, eps: 1e-6)
        var dx = [Float](repeating: 0, count: rows * cols), dw = [Float](repeating: 0, count: cols)
        RMSNorm.backward(inputGradient: &dx, weightGradient: &dw, outputGradient: r, input: x, weight: w,
                         rstd: rstd, rows: rows, cols: cols)
        var checker = GradientChecker()
        checker.check("rmsnorm input", at: x, gradient: dx) { projection(run($0, w), onto: r) }
        checker.check("rmsnorm weight", at: w, gradient: dw) { projection(run(x, $0), onto: r) }
    }

    @Test mutating func rotaryEmbedding() {
        let seqLen = 5, batch = 2, heads = 3, headDim = 6
        let rope = RotaryEmbedding(headDim: headDim, maxPositions: 16, theta: 10_000)
        let count = batch * seqLen * heads * headDim
        let x = randomArray(count, generator: &generator)
        let r = randomArray(count, generator: &generator)
        func run(_ x: [Float]) -> [Float] {
            var y = x
            rope.forward(&y, rows: batch * seqLen, seqLen: seqLen, heads: heads)
            return y
        }
        var grad = r
        rope.backward(&grad, rows: batch * seqLen, seqLen: seqLen, heads: heads)
        var checker = GradientChecker()
        checker.check("rotary", at: x, gradient: grad) { projection(run($0), onto: r) }
        // A rotation keeps each pair's length, and position 0 is the identity.
        let y = run(x)
        #expect(abs(y[0] - x[0]) < 1e-6)
        let normBefore = x.reduce(0) { $0 + $1 * $1 }, normAfter = y.reduce(0) { $0 + $1 * $1 }
        #expect(abs(normBefore - normAfter) / normBefore < 1e-5)
    }

    /// Grouped heads at a short length, and a length past one block of query
    /// rows (the forward works in blocks of 64) with a partial last block.
    /// Buffers start as NaN: forward and backward must overwrite, never read, them.
    @Test(arguments: [(batch: 2, seqLen: 5, heads: 4, kvHeads: 2, headDim: 3),
                      (batch: 1, seqLen: 70, heads: 2, kvHeads: 1, headDim: 4)])
    mutating func groupedCausalAttention(shape: (batch: Int, seqLen: Int, heads: Int, kvHeads: Int, headDim: Int)) {
        let (batch, seqLen, heads, kvHeads, headDim) = shape
        let attention = CausalAttention(heads: heads, kvHeads: kvHeads, headDim: headDim)
        let qCount = batch * seqLen * heads * headDim, kvCount = batch * seqLen * kvHeads * headDim
        let q = randomArray(qCount, generator: &generator)
        let k = randomArray(kvCount, generator: &generator)
        let v = randomArray(kvCount, generator: &generator)
        let r = randomArray(qCount, generator: &generator)
        func run(_ q: [Float], _ k: [Float], _ v: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: qCount)
            var scratch = [Float](repeating: .nan, count: batch * seqLen * seqLen)
            attention.forward(output: &out, query: q, key: k, value: v, scratch: &scratch, batch: batch, seqLen: seqLen)
            return out
        }
        let out = run(q, k, v)
        var dq = [Float](repeating: .nan, count: qCount), dk = [Float](repeating: .nan, count: kvCount)
        var dv = [Float](repeating: .nan, count: kvCount), scratch = [Float](repeating: .nan, count: 2 * batch * seqLen * seqLen)
        attention.backward(queryGradient: &dq, keyGradient: &dk, valueGradient: &dv, outputGradient: r,
                           query: q, key: k, value: v, scratch: &scratch, batch: batch, seqLen: seqLen)
        var checker = GradientChecker()
        checker.check("attention q", at: q, gradient: dq) { projection(run($0, k, v), onto: r) }
        checker.check("attention k", at: k, gradient: dk) { projection(run(q, $0, v), onto: r) }
        checker.check("attention v", at: v, gradient: dv) { projection(run(q, k, $0), onto: r) }

        // Causal: changing the last position's keys and values leaves earlier outputs alone.
        var k2 = k, v2 = v
        let lastRow = (seqLen - 1) * kvHeads * headDim
        for i in 0..<(kvHeads * headDim) { k2[lastRow + i] += 1; v2[lastRow + i] -= 1 }
        let changed = run(q, k2, v2)
        let earlier = (seqLen - 1) * heads * headDim
        #expect(Array(changed[0..<earlier]) == Array(out[0..<earlier]))
        #expect(Array(changed[earlier..<(seqLen * heads * headDim)]) != Array(out[earlier..<(seqLen * heads * headDim)]))
    }

    @Test mutating func swiGLU() {
        let count = 20
        let gate = randomArray(count, std: 2, generator: &generator)
        let up = randomArray(count, generator: &generator)
        let r = randomArray(count, generator: &generator)
        func run(_ g: [Float], _ u: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: count)
            SwiGLU.forward(output: &out, gate: g, up: u, count: count)
            return out
        }
        var dg = [Float](repeating: 0, count: count), du = [Float](repeating: 0, count: count)
        SwiGLU.backward(gateGradient: &dg, upGradient: &du, outputGradient: r, gate: gate, up: up, count: count)
        var checker = GradientChecker()
        checker.check("swiglu gate", at: gate, gradient: dg) { projection(run($0, up), onto: r) }
        checker.check("swiglu up", at: up, gradient: du) { projection(run(gate, $0), onto: r) }
    }

    /// The feed-forward's backward writes the gradients over gate and up themselves.
    @Test mutating func swiGLUBackwardInPlaceIsBitIdentical() {
        let count = 40_003  // split across the cores, with a tail shorter than eight lanes
        let gate = randomArray(count, std: 2, generator: &generator)
        let up = randomArray(count, generator: &generator)
        let r = randomArray(count, generator: &generator)
        var dg = [Float](repeating: 0, count: count), du = [Float](repeating: 0, count: count)
        SwiGLU.backward(gateGradient: &dg, upGradient: &du, outputGradient: r, gate: gate, up: up, count: count)
        var gateThenGradient = gate, upThenGradient = up
        gateThenGradient.withUnsafeMutableBufferPointer { g in
            upThenGradient.withUnsafeMutableBufferPointer { u in
                SwiGLU.backward(gateGradient: g.baseAddress!, upGradient: u.baseAddress!, outputGradient: r,
                                gate: g.baseAddress!, up: u.baseAddress!, count: count)
            }
        }
        #expect(gateThenGradient == dg)
        #expect(upThenGradient == du)
    }

    @Test mutating func crossEntropyWithIgnoredRows() {
        let rows = 5, vocab = 9
        let logits = randomArray(rows * vocab, std: 2, generator: &generator)
        let targets: [Int32] = [2, -1, 8, 0, -1]
        func meanLoss(_ z: [Float]) -> Double {
            let (sum, count) = CrossEntropy.forward(logits: z, targets: targets, rows: rows, vocab: vocab)
            return sum / Double(count)
        }
        var grad = logits
        let (sum, count) = CrossEntropy.lossAndGradientInPlace(logits: &grad, targets: targets, rows: rows,
                                                               vocab: vocab, scale: 1 / 3)
        #expect(count == 3)
        #expect(abs(sum / 3 - meanLoss(logits)) < 1e-5)
        #expect(grad[vocab..<(2 * vocab)].allSatisfy { $0 == 0 }, "an ignored row has no gradient")
        var checker = GradientChecker()
        checker.check("cross-entropy logits", at: logits, gradient: grad) { meanLoss($0) }
    }
}

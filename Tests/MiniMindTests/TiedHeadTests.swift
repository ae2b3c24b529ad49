import LinearAlgebra
@testable import MiniMind
import Testing

/// The tied head fused with the cross-entropy, chunk by chunk, against the
/// plain products over every row at once: the same bits (the chunks are cut
/// where sgemm cuts its sums, `TiedHead`), so training numerics are unchanged.
@Suite struct TiedHeadTests {
    /// Where rows come out alike (OpenBLAS's SkylakeX and Cooperlake kernels),
    /// sgemm's depth block is found; where they do not (its Haswell kernels on
    /// an AMD Zen), there is none and the head runs in one chunk.
    @Test func sgemmTellsItsDepthBlockWhereRowsComeOutAlike() throws {
        guard TiedHead.rowsComeOutAlike else {
            #expect(TiedHead.sgemmDepthBlock == nil)
            #expect(TiedHead.rowChunks(rows: 5000, vocab: 6400).count == 1)
            return
        }
        let block = try #require(TiedHead.sgemmDepthBlock, "no split of the probe product matched one product")
        #expect(block % 16 == 0 && block <= 1024)
    }

    @Test(arguments: [0, 1, 300, 1000, 2000, 5000])
    func chunksCoverTheRowsInOrder(rows: Int) {
        let vocab = 6400
        let chunks = TiedHead.rowChunks(rows: rows, vocab: vocab, minimumFloats: 0)
        #expect(chunks.map(\.count).reduce(0, +) == rows)
        #expect(zip(chunks, chunks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        if let block = TiedHead.sgemmDepthBlock {
            // Every chunk but the last is one block; the last is shorter than two.
            #expect(chunks.dropLast().allSatisfy { $0.count == block })
            #expect(chunks.last.map { $0.count < 2 * block } ?? true)
            #expect(TiedHead.chunkRows(rows: rows, vocab: vocab, minimumFloats: 0) < 2 * block)
        }
        // Small logits stay in one chunk.
        #expect(TiedHead.rowChunks(rows: rows, vocab: 1).count == min(rows, 1))
    }

    /// Loss, dh and dE (added to what the gradient held) of the chunked head,
    /// and the same from one product over every row, the cross-entropy over
    /// all of them, and the two backward products.
    @Test(arguments: [200, 1000, 2000])
    func chunkedHeadGivesTheBitsOfOneProduct(rows: Int) {
        let dim = 24, vocab = 301, scale: Float = 1 / 700
        var generator = SeededGenerator(seed: UInt64(rows))
        let normed = (0..<(rows * dim)).map { _ in generator.normal() }
        let table = (0..<(vocab * dim)).map { _ in 0.3 * generator.normal() }
        let targets = (0..<rows).map { r in r % 7 == 3 ? Int32(-1) : Int32(generator.index(below: vocab)) }
        let gradientBefore = (0..<(vocab * dim)).map { _ in 0.01 * generator.normal() }

        // Plain: every row at once.
        var logits = [Float](repeating: 0, count: rows * vocab)
        var plainNormedGradient = [Float](repeating: 0, count: rows * dim), plainTableGradient = gradientBefore
        BLAS.gemm(transposeA: false, transposeB: true, m: rows, n: vocab, k: dim, a: normed, lda: dim,
                  b: table, ldb: dim, c: &logits, ldc: vocab)
        let plainLoss = CrossEntropy.lossAndGradientInPlace(logits: &logits, targets: targets, rows: rows,
                                                            vocab: vocab, scale: scale)
        BLAS.gemm(transposeA: false, transposeB: false, m: rows, n: dim, k: vocab, a: logits, lda: vocab,
                  b: table, ldb: dim, c: &plainNormedGradient, ldc: dim)
        BLAS.gemm(transposeA: true, transposeB: false, m: vocab, n: dim, k: rows, a: logits, lda: vocab,
                  b: normed, ldb: dim, beta: 1, c: &plainTableGradient, ldc: dim)

        // Chunked.
        var scratch = [Float](repeating: .nan, count: TiedHead.chunkRows(rows: rows, vocab: vocab, minimumFloats: 0) * vocab)
        var losses = [Double](repeating: 0, count: rows)
        var normedGradient = [Float](repeating: .nan, count: rows * dim), tableGradient = gradientBefore
        TiedHead.lossAndBackward(normed: normed, table: table, targets: targets,
                                 chunks: TiedHead.rowChunks(rows: rows, vocab: vocab, minimumFloats: 0), dim: dim, vocab: vocab, scale: scale,
                                 logits: &scratch, losses: &losses, normedGradient: &normedGradient,
                                 tableGradient: &tableGradient)
        let loss = CrossEntropy.sum(losses, targets: targets, rows: rows)
        #expect(loss.sum == plainLoss.sum && loss.count == plainLoss.count)
        #expect(normedGradient == plainNormedGradient)
        #expect(tableGradient == plainTableGradient)

        // Forward only: the losses `lossSum` adds.
        var forwardLosses = [Double](repeating: 0, count: rows)
        TiedHead.rowLosses(normed: normed, table: table, targets: targets, chunks: TiedHead.rowChunks(rows: rows, vocab: vocab, minimumFloats: 0),
                           dim: dim, vocab: vocab, logits: &scratch, into: &forwardLosses)
        var plainLogits = [Float](repeating: 0, count: rows * vocab)
        BLAS.gemm(transposeA: false, transposeB: true, m: rows, n: vocab, k: dim, a: normed, lda: dim,
                  b: table, ldb: dim, c: &plainLogits, ldc: vocab)
        let plainForward = CrossEntropy.forward(logits: plainLogits, targets: targets, rows: rows, vocab: vocab)
        let forward = CrossEntropy.sum(forwardLosses, targets: targets, rows: rows)
        #expect(forward.sum == plainForward.sum && forward.count == plainForward.count)
    }
}

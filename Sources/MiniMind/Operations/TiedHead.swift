import LinearAlgebra

/// The tied LM head (`logits = h · Eᵀ`) fused with the cross-entropy over the
/// vocabulary, in chunks of rows: training never holds the logits of every
/// row at once (`[tokens × vocab]`, 52 MB for 2048 tokens of a 6400-token
/// vocabulary), only those of one chunk, which become their own gradient in
/// place before the next chunk's are made.
///
/// Per chunk: logits, each row's loss (and `scale · (softmax − onehot)`), then
/// `dh = dlogits · E` for the chunk's rows and `dE += dlogitsᵀ · h` over them.
/// The logits and `dh` of a row are the same whichever chunk computes them.
/// `dE` sums over rows, and sgemm sums its inner dimension in blocks of
/// `sgemmDepthBlock` rows (OpenBLAS's GEMM_Q: 448 on its SkylakeX kernels,
/// 320 on Haswell, 128 on Prescott), adding each block's products into C in
/// turn; the chunks are cut where sgemm itself cuts the rows of one product
/// over all of them, so `dE` gets the same additions in the same order —
/// bit-identical to the unchunked head (`TiedHeadTests` checks it).
public enum TiedHead {
    /// The depth block of the loaded sgemm, found once by asking it: a split
    /// of a product's inner dimension into two products that gives the same
    /// bits as one product — the known blocks first (one split to try on the
    /// usual kernels), then every multiple of 16 up to 1024. Any split that
    /// matches below 1024 of the 2048 is a multiple of the block, which cuts
    /// the sums as well. Nil when none matches: the head then runs in one chunk.
    static let sgemmDepthBlock: Int? = {
        guard rowsComeOutAlike else { return nil }
        let m = 64, n = 64, k = 2048   // C large enough that sgemm takes its blocked path
        var generator = SeededGenerator(seed: 11)
        let a = (0..<(k * m)).map { _ in generator.uniform(-1, 1) }, b = (0..<(k * n)).map { _ in generator.uniform(-1, 1) }
        let start = (0..<(m * n)).map { _ in generator.uniform(-1, 1) }
        // C += Aᵀ·B over `rows` of A and B, as the head's dE product.
        func accumulate(_ c: inout [Float], rows: Range<Int>) {
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        BLAS.gemm(transposeA: true, transposeB: false, m: m, n: n, k: rows.count,
                                  a: a.baseAddress! + rows.lowerBound * m, lda: m,
                                  b: b.baseAddress! + rows.lowerBound * n, ldb: n, beta: 1, c: c.baseAddress!, ldc: n)
                    }
                }
            }
        }
        var whole = start
        accumulate(&whole, rows: 0..<k)
        for block in [448, 320, 128] + Array(stride(from: 16, through: 1024, by: 16)) {
            var split = start
            accumulate(&split, rows: 0..<block)
            accumulate(&split, rows: block..<k)
            if split == whole { return block }
        }
        return nil
    }()

    /// Whether a row of C = A·Bᵀ gets the same bits whichever rows are computed
    /// with it, as chunking assumes of the logits and dh. Not so on every
    /// kernel family: OpenBLAS's Haswell kernels, on an AMD Zen, gave other
    /// losses for a head cut into chunks (`TiedHeadTests`), as a block of rows
    /// at the edge of a product is computed by other code. Checked once, at a
    /// head's shapes (rows × a vocabulary, inner size a width), cut at uneven rows.
    static let rowsComeOutAlike: Bool = {
        var generator = SeededGenerator(seed: 12)
        for (rows, cols, inner) in [(1000, 301, 24), (1000, 24, 301), (700, 259, 128)] {
            let a = (0..<(rows * inner)).map { _ in generator.uniform(-1, 1) }
            let b = (0..<(cols * inner)).map { _ in generator.uniform(-1, 1) }
            func product(_ range: Range<Int>) -> [Float] {
                var c = [Float](repeating: 0, count: range.count * cols)
                a.withUnsafeBufferPointer { a in
                    BLAS.gemm(transposeA: false, transposeB: true, m: range.count, n: cols, k: inner,
                              a: a.baseAddress! + range.lowerBound * inner, lda: inner, b: b, ldb: inner, c: &c, ldc: cols)
                }
                return c
            }
            let whole = product(0..<rows)
            for cut in [1, 37, 333, rows - 5] where product(0..<cut) + product(cut..<rows) != whole { return false }
        }
        return true
    }()

    /// Below this many logits (8 MB) the head runs in one chunk: the memory
    /// saved is small, and each chunk is three or four more parallel regions.
    public static let chunkingMinimumFloats = 1 << 21

    /// The chunks of `rows`: `sgemmDepthBlock` rows while at least twice that
    /// remain, then the rest in one (sgemm splits it in two by its own rule,
    /// as it does the tail of the whole product); one chunk when the logits
    /// of every row are fewer than `minimumFloats`.
    public static func rowChunks(rows: Int, vocab: Int, minimumFloats: Int = chunkingMinimumFloats) -> [Range<Int>] {
        guard let block = sgemmDepthBlock, rows * vocab >= minimumFloats else { return rows > 0 ? [0..<rows] : [] }
        var chunks: [Range<Int>] = [], start = 0
        while rows - start >= 2 * block {
            chunks.append(start..<(start + block))
            start += block
        }
        if start < rows { chunks.append(start..<rows) }
        return chunks
    }

    /// Rows of the largest chunk: the logits buffer holds this many.
    public static func chunkRows(rows: Int, vocab: Int, minimumFloats: Int = chunkingMinimumFloats) -> Int {
        rowChunks(rows: rows, vocab: vocab, minimumFloats: minimumFloats).map(\.count).max() ?? 0
    }

    /// Each counted row's loss (forward only) into `losses`; `logits` is
    /// scratch for the largest of `chunks` (`rowChunks`, or one chunk
    /// of every row for the unchunked head).
    static func rowLosses(normed: UnsafePointer<Float>, table: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
                          chunks: [Range<Int>], dim: Int, vocab: Int, logits: UnsafeMutablePointer<Float>,
                          into losses: UnsafeMutablePointer<Double>) {
        for chunk in chunks {
            BLAS.gemm(transposeA: false, transposeB: true, m: chunk.count, n: vocab, k: dim,
                      a: normed + chunk.lowerBound * dim, lda: dim, b: table, ldb: dim, c: logits, ldc: vocab)
            CrossEntropy.rowLosses(logits: logits, targets: targets + chunk.lowerBound, rows: chunk.count,
                                   vocab: vocab, into: losses + chunk.lowerBound)
        }
    }

    /// Forward and backward of head and loss: each counted row's loss into
    /// `losses`, `normedGradient = dlogits · E` (overwritten) and, when the
    /// table trains, `tableGradient += dlogitsᵀ · h`, for the loss
    /// `scale · Σ loss`. `logits` is scratch for the largest of `chunks`.
    static func lossAndBackward(normed: UnsafePointer<Float>, table: UnsafePointer<Float>,
                                targets: UnsafePointer<Int32>, chunks: [Range<Int>], dim: Int, vocab: Int, scale: Float,
                                logits: UnsafeMutablePointer<Float>, losses: UnsafeMutablePointer<Double>,
                                normedGradient: UnsafeMutablePointer<Float>,
                                tableGradient: UnsafeMutablePointer<Float>?) {
        for chunk in chunks {
            let h = normed + chunk.lowerBound * dim
            BLAS.gemm(transposeA: false, transposeB: true, m: chunk.count, n: vocab, k: dim,
                      a: h, lda: dim, b: table, ldb: dim, c: logits, ldc: vocab)
            CrossEntropy.rowLossesAndGradientsInPlace(logits: logits, targets: targets + chunk.lowerBound,
                                                      rows: chunk.count, vocab: vocab, scale: scale,
                                                      into: losses + chunk.lowerBound)
            BLAS.gemm(transposeA: false, transposeB: false, m: chunk.count, n: dim, k: vocab,
                      a: logits, lda: vocab, b: table, ldb: dim, c: normedGradient + chunk.lowerBound * dim, ldc: dim)
            if let tableGradient {
                BLAS.gemm(transposeA: true, transposeB: false, m: vocab, n: dim, k: chunk.count,
                          a: logits, lda: vocab, b: h, ldb: dim, beta: 1, c: tableGradient, ldc: dim)
            }
        }
    }
}

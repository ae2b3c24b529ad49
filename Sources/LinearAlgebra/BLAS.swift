import COpenBLAS

/// Matrix products through OpenBLAS's `cblas_sgemm`, row-major throughout.
///
/// The pointer form is what the training loop uses: it names leading
/// dimensions so that one head of a `[tokens, heads × headDim]` activation can
/// be multiplied in place without copying. The `Matrix` forms are for analysis
/// and tests.
public enum BLAS {
    /// `C = alpha · op(A) · op(B) + beta · C`, where `op(X)` is `X` or `Xᵀ`.
    /// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`. `lda`, `ldb`,
    /// `ldc` are row strides of the matrices as stored.
    ///
    /// Large products are split into blocks of C's rows (or, when C is
    /// short and wide, of its columns), the same blocks on any number of
    /// cores (`Parallel.forEachPart`: the blocks change the rounding).
    public static func gemm(
        transposeA: Bool, transposeB: Bool,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        let cost = m * n * max(k, 1)
        let splitRows = m >= n || m >= 64
        let operands = UncheckedSendable((a, b, c))
        Parallel.forEachPart(of: splitRows ? m : n, cost: cost, minimumCost: 1 << 18) { range in
            let (a, b, c) = operands.value
            if splitRows {
                // Rows i of op(A) are rows of A, or columns when A is transposed.
                let aBlock = transposeA ? a + range.lowerBound : a + range.lowerBound * lda
                single(transposeA: transposeA, transposeB: transposeB, m: range.count, n: n, k: k, alpha: alpha,
                       a: aBlock, lda: lda, b: b, ldb: ldb, beta: beta, c: c + range.lowerBound * ldc, ldc: ldc)
            } else {
                // Columns j of op(B) are columns of B, or rows when B is transposed.
                let bBlock = transposeB ? b + range.lowerBound * ldb : b + range.lowerBound
                single(transposeA: transposeA, transposeB: transposeB, m: m, n: range.count, k: k, alpha: alpha,
                       a: a, lda: lda, b: bBlock, ldb: ldb, beta: beta, c: c + range.lowerBound, ldc: ldc)
            }
        }
    }

    /// One `cblas_sgemm` call on the calling thread.
    @inlinable
    public static func single(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Number of threads OpenBLAS uses for one call.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    public static func setThreadCount(_ n: Int) { openblas_set_num_threads(Int32(n)) }
}

/// `op(a) · op(b)` as a new matrix.
public func matmul(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false) -> Matrix {
    let m = transposeA ? a.cols : a.rows
    let k = transposeA ? a.rows : a.cols
    let kb = transposeB ? b.cols : b.rows
    let n = transposeB ? b.rows : b.cols
    precondition(k == kb, "inner dimensions differ: \(k) vs \(kb)")
    var c = Matrix(rows: m, cols: n)
    if k == 0 { return c }
    a.values.withUnsafeBufferPointer { pa in
        b.values.withUnsafeBufferPointer { pb in
            c.values.withUnsafeMutableBufferPointer { pc in
                BLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                          a: pa.baseAddress!, lda: a.cols, b: pb.baseAddress!, ldb: b.cols,
                          c: pc.baseAddress!, ldc: n)
            }
        }
    }
    return c
}

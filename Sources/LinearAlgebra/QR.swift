import COpenBLAS

/// A thin QR decomposition `A = Q · R` of an `m × n` matrix, by Householder
/// reflections (LAPACK `sgeqrf` + `sorgqr`) in Float32.
///
/// With `k = min(m, n)`, `q` is `m × k` with orthonormal columns and `r` is
/// `k × n` upper triangular (upper trapezoidal when `m < n`). For the usual
/// tall case `m ≥ n` that is `Q` `m × n` and `R` `n × n`. The signs of R's
/// diagonal are LAPACK's (not normalised to be positive).
public struct QRDecomposition: Equatable, Sendable {
    public let q: Matrix
    public let r: Matrix

    /// Decomposes `a`. Throws if `a` holds NaN/∞ or LAPACK reports an error.
    public init(of a: Matrix) throws {
        let rows = a.rows, cols = a.cols
        let k = min(rows, cols)
        if k == 0 {
            q = Matrix(rows: rows, cols: 0)
            r = Matrix(rows: 0, cols: cols)
            return
        }
        guard hasOnlyFiniteValues(a) else {
            throw DecompositionError.nonFiniteInput(operation: "QR", rows: rows, cols: cols)
        }
        let operation = "QR"
        var m = try lapackInt(rows, operation: operation, rows: rows, cols: cols)
        var n = try lapackInt(cols, operation: operation, rows: rows, cols: cols)
        var reflectorCount = Int32(k)
        var lda = m
        _ = try lapackInt(rows * cols, operation: operation, rows: rows, cols: cols)

        // Row-major Aᵀ has the memory layout of column-major A, which LAPACK needs here.
        var columnMajor = a.transposed().values
        var tau = [Float](repeating: 0, count: k)
        var info: Int32 = 0

        // Factor: R in the upper triangle, Householder vectors below it.
        var query: Float = 0
        var lwork: Int32 = -1
        sgeqrf_(&m, &n, &columnMajor, &lda, &tau, &query, &lwork, &info)
        try checkLAPACK(info, routine: "sgeqrf (workspace query)")
        var length = workspaceLength(reportedBy: query, atLeast: cols)
        lwork = try lapackInt(length, operation: operation, rows: rows, cols: cols)
        var work = [Float](repeating: 0, count: length)
        sgeqrf_(&m, &n, &columnMajor, &lda, &tau, &work, &lwork, &info)
        try checkLAPACK(info, routine: "sgeqrf")

        // R[i][j] sits at column-major position i + j·m.
        var upper = Matrix(rows: k, cols: cols)
        columnMajor.withUnsafeBufferPointer { source in
            upper.values.withUnsafeMutableBufferPointer { target in
                for i in 0..<k {
                    for j in i..<cols { target[i * cols + j] = source[i + j * rows] }
                }
            }
        }

        // Form the first k columns of Q from the reflectors, in place.
        var qCols = reflectorCount
        lwork = -1
        sorgqr_(&m, &qCols, &reflectorCount, &columnMajor, &lda, &tau, &query, &lwork, &info)
        try checkLAPACK(info, routine: "sorgqr (workspace query)")
        length = workspaceLength(reportedBy: query, atLeast: k)
        lwork = try lapackInt(length, operation: operation, rows: rows, cols: cols)
        if work.count < length { work = [Float](repeating: 0, count: length) }
        sorgqr_(&m, &qCols, &reflectorCount, &columnMajor, &lda, &tau, &work, &lwork, &info)
        try checkLAPACK(info, routine: "sorgqr")

        // The leading m·k values are Q column-major, i.e. Qᵀ row-major.
        q = Matrix(rows: k, cols: rows, values: Array(columnMajor[0..<(rows * k)])).transposed()
        r = upper
    }
}

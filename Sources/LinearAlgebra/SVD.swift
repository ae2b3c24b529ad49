import COpenBLAS

/// A singular value decomposition `A = U · diag(S) · Vᵀ` of an `m × n` matrix,
/// singular values in descending order, computed by LAPACK in Float32.
///
/// With `k = min(m, n)`:
/// - `.thin`: `u` is `m × k`, `vt` is `k × n` (what analysis needs);
/// - `.full`: `u` is `m × m`, `vt` is `n × n` (the extra columns/rows complete
///   orthonormal bases of ℝᵐ and ℝⁿ).
/// `singularValues` always has `k` entries.
///
/// LAPACK is column-major and `Matrix` is row-major, so the buffer LAPACK sees
/// is `Aᵀ`. Decomposing `Aᵀ = U' S V'ᵀ` gives `A = V' S U'ᵀ`: LAPACK's `VT`
/// buffer read row-major is our `U`, and its `U` buffer read row-major is our
/// `Vᵀ`. No transposition copies are needed.
public struct SingularValueDecomposition: Equatable, Sendable {
    public enum Extent: Sendable {
        case thin
        case full
    }

    /// Left singular vectors as columns.
    public let u: Matrix
    /// σ₁ ≥ σ₂ ≥ … ≥ σ_k ≥ 0.
    public let singularValues: [Float]
    /// Right singular vectors as rows.
    public let vt: Matrix

    /// Assembles a decomposition from its factors (for algorithms, such as the
    /// low-rank SVD of a LoRA update, that compute them another way).
    public init(u: Matrix, singularValues: [Float], vt: Matrix) {
        precondition(u.cols >= singularValues.count && vt.rows >= singularValues.count,
                     "U \(u.shapeDescription) and Vᵀ \(vt.shapeDescription) cannot hold \(singularValues.count) singular triplets")
        self.u = u
        self.singularValues = singularValues
        self.vt = vt
    }

    /// Decomposes `a`. Throws if `a` holds NaN/∞ or LAPACK fails.
    ///
    /// Uses divide and conquer (`sgesdd`), falling back to the QR iteration
    /// (`sgesvd`) in the rare case that divide and conquer does not converge.
    public init(of a: Matrix, extent: Extent = .thin) throws {
        let k = min(a.rows, a.cols)
        if k == 0 {
            // Nothing to decompose; the full bases of the empty case are identities.
            switch extent {
            case .thin: self.init(u: Matrix(rows: a.rows, cols: 0), singularValues: [], vt: Matrix(rows: 0, cols: a.cols))
            case .full: self.init(u: .identity(a.rows), singularValues: [], vt: .identity(a.cols))
            }
            return
        }
        let job: LAPACKSingularValueJob = extent == .thin ? .thin : .full
        let result = try LAPACKSingularValueJob.decompose(a, job: job)
        let uCols = extent == .thin ? k : a.rows
        let vtRows = extent == .thin ? k : a.cols
        self.init(u: Matrix(rows: a.rows, cols: uCols, values: result.ourU),
                  singularValues: result.singularValues,
                  vt: Matrix(rows: vtRows, cols: a.cols, values: result.ourVt))
    }

    /// The singular values of `a` only, in descending order (cheaper: no vectors).
    public static func singularValues(of a: Matrix) throws -> [Float] {
        if min(a.rows, a.cols) == 0 { return [] }
        return try LAPACKSingularValueJob.decompose(a, job: .valuesOnly).singularValues
    }

    /// Number of singular values, `min(m, n)`.
    public var count: Int { singularValues.count }

    /// Right singular vectors as columns (`Vᵀ` transposed).
    public var v: Matrix { vt.transposed() }

    /// The first `count` left singular vectors, as the columns of an `m × count` matrix.
    public func leftSingularVectors(count: Int) -> Matrix {
        u.columns(0..<min(count, u.cols))
    }

    /// The first `count` right singular vectors, as the columns of an `n × count` matrix.
    public func rightSingularVectors(count: Int) -> Matrix {
        vt.rows(0..<min(count, vt.rows)).transposed()
    }

    /// `U[:, :r] · diag(S[:r]) · Vᵀ[:r, :]`: the best rank-`r` approximation
    /// (Eckart–Young), or the matrix itself when `rank` is nil.
    public func reconstructed(rank: Int? = nil) -> Matrix {
        let r = min(rank ?? count, count)
        var scaledU = u.columns(0..<r)
        scaledU.values.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<scaledU.rows {
                for col in 0..<r { buffer[row * r + col] *= singularValues[col] }
            }
        }
        return matmul(scaledU, vt.rows(0..<r))
    }
}

/// What LAPACK's SVD drivers compute, and the calls themselves.
private enum LAPACKSingularValueJob {
    case valuesOnly
    case thin
    case full

    /// LAPACK's `jobz`/`jobu`/`jobvt` letter.
    var letter: CChar {
        switch self {
        case .valuesOnly: return CChar(UInt8(ascii: "N"))
        case .thin: return CChar(UInt8(ascii: "S"))
        case .full: return CChar(UInt8(ascii: "A"))
        }
    }

    struct Output {
        var singularValues: [Float]
        /// LAPACK's `VT` buffer: our `U`, row-major.
        var ourU: [Float]
        /// LAPACK's `U` buffer: our `Vᵀ`, row-major.
        var ourVt: [Float]
    }

    static func decompose(_ a: Matrix, job: LAPACKSingularValueJob) throws -> Output {
        guard hasOnlyFiniteValues(a) else {
            throw DecompositionError.nonFiniteInput(operation: "SVD", rows: a.rows, cols: a.cols)
        }
        do {
            return try divideAndConquer(a, job: job)
        } catch DecompositionError.didNotConverge {
            return try qrIteration(a, job: job)
        }
    }

    /// Buffer sizes for LAPACK's view of the problem: the column-major
    /// `lapackRows × lapackCols` matrix `Aᵀ`.
    private struct Layout {
        let lapackRows: Int32, lapackCols: Int32, k: Int32
        let lapackUCount: Int, lapackVTCount: Int
        let ldu: Int32, ldvt: Int32

        init(_ a: Matrix, job: LAPACKSingularValueJob) throws {
            let operation = "SVD"
            lapackRows = try lapackInt(a.cols, operation: operation, rows: a.rows, cols: a.cols)
            lapackCols = try lapackInt(a.rows, operation: operation, rows: a.rows, cols: a.cols)
            k = min(lapackRows, lapackCols)
            let m = Int(lapackRows), n = Int(lapackCols), kk = Int(k)
            switch job {
            case .valuesOnly:
                lapackUCount = 1; lapackVTCount = 1; ldu = 1; ldvt = 1
            case .thin:
                lapackUCount = m * kk; lapackVTCount = kk * n; ldu = lapackRows; ldvt = k
            case .full:
                lapackUCount = m * m; lapackVTCount = n * n; ldu = lapackRows; ldvt = lapackCols
            }
            _ = try lapackInt(max(lapackUCount, lapackVTCount, m * n), operation: operation, rows: a.rows, cols: a.cols)
        }
    }

    private static func divideAndConquer(_ a: Matrix, job: LAPACKSingularValueJob) throws -> Output {
        let layout = try Layout(a, job: job)
        var jobz = job.letter
        var m = layout.lapackRows, n = layout.lapackCols, lda = layout.lapackRows
        var ldu = layout.ldu, ldvt = layout.ldvt
        var values = a.values  // overwritten by LAPACK
        var s = [Float](repeating: 0, count: Int(layout.k))
        var lapackU = [Float](repeating: 0, count: layout.lapackUCount)
        var lapackVT = [Float](repeating: 0, count: layout.lapackVTCount)
        var iwork = [Int32](repeating: 0, count: 8 * Int(layout.k))
        var info: Int32 = 0

        var query: Float = 0
        var lwork: Int32 = -1
        sgesdd_(&jobz, &m, &n, &values, &lda, &s, &lapackU, &ldu, &lapackVT, &ldvt,
                &query, &lwork, &iwork, &info)
        try checkLAPACK(info, routine: "sgesdd (workspace query)")
        let length = workspaceLength(reportedBy: query, atLeast: 1)
        lwork = try lapackInt(length, operation: "SVD", rows: a.rows, cols: a.cols)
        var work = [Float](repeating: 0, count: length)
        sgesdd_(&jobz, &m, &n, &values, &lda, &s, &lapackU, &ldu, &lapackVT, &ldvt,
                &work, &lwork, &iwork, &info)
        try checkLAPACK(info, routine: "sgesdd")
        return Output(singularValues: s, ourU: job == .valuesOnly ? [] : lapackVT,
                      ourVt: job == .valuesOnly ? [] : lapackU)
    }

    private static func qrIteration(_ a: Matrix, job: LAPACKSingularValueJob) throws -> Output {
        let layout = try Layout(a, job: job)
        var jobu = job.letter, jobvt = job.letter
        var m = layout.lapackRows, n = layout.lapackCols, lda = layout.lapackRows
        var ldu = layout.ldu, ldvt = layout.ldvt
        var values = a.values
        var s = [Float](repeating: 0, count: Int(layout.k))
        var lapackU = [Float](repeating: 0, count: layout.lapackUCount)
        var lapackVT = [Float](repeating: 0, count: layout.lapackVTCount)
        var info: Int32 = 0

        var query: Float = 0
        var lwork: Int32 = -1
        sgesvd_(&jobu, &jobvt, &m, &n, &values, &lda, &s, &lapackU, &ldu, &lapackVT, &ldvt,
                &query, &lwork, &info)
        try checkLAPACK(info, routine: "sgesvd (workspace query)")
        let length = workspaceLength(reportedBy: query, atLeast: 1)
        lwork = try lapackInt(length, operation: "SVD", rows: a.rows, cols: a.cols)
        var work = [Float](repeating: 0, count: length)
        sgesvd_(&jobu, &jobvt, &m, &n, &values, &lda, &s, &lapackU, &ldu, &lapackVT, &ldvt,
                &work, &lwork, &info)
        try checkLAPACK(info, routine: "sgesvd")
        return Output(singularValues: s, ourU: job == .valuesOnly ? [] : lapackVT,
                      ourVt: job == .valuesOnly ? [] : lapackU)
    }
}

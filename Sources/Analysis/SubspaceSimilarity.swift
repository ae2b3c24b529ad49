import LinearAlgebra

/// Normalised subspace similarity of the LoRA paper (Hu et al., 2021, §7.2):
///
///     φ(U₁, U₂, i, j) = ‖U₁[:, :i]ᵀ U₂[:, :j]‖_F² / min(i, j)  ∈ [0, 1]
///
/// where U₁ (d × r₁) and U₂ (d × r₂) have orthonormal columns ordered by
/// importance (singular vectors, largest first). ‖U₁ⁱᵀU₂ʲ‖_F² is the sum of
/// the squared cosines of the principal angles between the two spans, so φ is
/// 1 when the smaller span lies inside the larger and 0 when they are orthogonal.
///
/// Throws if the bases differ in dimension d, their columns are not
/// orthonormal (to 1e-3), or i, j are outside 1...r₁, 1...r₂.
public func subspaceSimilarity(_ first: Matrix, _ second: Matrix, i: Int, j: Int) throws -> Float {
    let grid = try SubspaceSimilarityGrid(bases: first, second, maxI: i, maxJ: j)
    return grid.phi(i: i, j: j)
}

/// φ(i, j) of `subspaceSimilarity` for every i ∈ 1...maxI and j ∈ 1...maxJ,
/// ready to draw as a heatmap (the paper's Figures 3 and 4).
///
/// Computed from one product G = U₁[:, :I]ᵀ U₂[:, :J] and two-dimensional
/// prefix sums of G², so the whole grid costs O(d·I·J).
public struct SubspaceSimilarityGrid: Equatable, Sendable {
    public let maxI: Int
    public let maxJ: Int
    /// `values[i - 1, j - 1]` = φ(i, j).
    public let values: Matrix

    /// φ(i, j) for 1 ≤ i ≤ maxI, 1 ≤ j ≤ maxJ.
    public func phi(i: Int, j: Int) -> Float { values[i - 1, j - 1] }

    /// The grid between the column spaces of two orthonormal bases
    /// (`d × r₁` and `d × r₂`); `maxI`/`maxJ` default to r₁/r₂.
    public init(bases first: Matrix, _ second: Matrix, maxI: Int? = nil, maxJ: Int? = nil) throws {
        guard first.rows == second.rows else {
            throw AnalysisError.shapeMismatch(
                "subspace similarity needs bases of one dimension; got \(first.shapeDescription) and \(second.shapeDescription)")
        }
        let rowCount = maxI ?? first.cols, columnCount = maxJ ?? second.cols
        guard (1...max(first.cols, 1)).contains(rowCount), first.cols > 0 else {
            throw AnalysisError.invalidArgument("i must lie in 1...\(first.cols) (columns of the first basis), got \(rowCount)")
        }
        guard (1...max(second.cols, 1)).contains(columnCount), second.cols > 0 else {
            throw AnalysisError.invalidArgument("j must lie in 1...\(second.cols) (columns of the second basis), got \(columnCount)")
        }
        let firstBasis = first.columns(0..<rowCount), secondBasis = second.columns(0..<columnCount)
        try requireOrthonormalColumns(firstBasis, name: "first basis")
        try requireOrthonormalColumns(secondBasis, name: "second basis")

        let cosines = matmul(firstBasis, secondBasis, transposeA: true)  // I × J
        // prefix[(i)(J+1) + j] = Σ_{a<i, b<j} G[a, b]², with a zero border row and column.
        let stride = columnCount + 1
        var prefix = [Double](repeating: 0, count: (rowCount + 1) * stride)
        var grid = Matrix(rows: rowCount, cols: columnCount)
        for i in 1...rowCount {
            for j in 1...columnCount {
                let g = Double(cosines[i - 1, j - 1])
                prefix[i * stride + j] = g * g + prefix[(i - 1) * stride + j]
                    + prefix[i * stride + j - 1] - prefix[(i - 1) * stride + j - 1]
                grid[i - 1, j - 1] = Float(prefix[i * stride + j] / Double(min(i, j)))
            }
        }
        self.maxI = rowCount
        self.maxJ = columnCount
        self.values = grid
    }

    /// The grid between two LoRA `A` matrices (`r₁ × in` and `r₂ × in`), as in
    /// the paper: the bases are the right singular vectors of each A (the
    /// directions of the input space A reads), ordered by singular value.
    public init(loraA first: Matrix, _ second: Matrix, maxI: Int? = nil, maxJ: Int? = nil) throws {
        guard first.cols == second.cols else {
            throw AnalysisError.shapeMismatch(
                "LoRA A matrices must read the same input size; got \(first.shapeDescription) and \(second.shapeDescription)")
        }
        let firstBasis = try SingularValueDecomposition(of: first).v
        let secondBasis = try SingularValueDecomposition(of: second).v
        try self.init(bases: firstBasis, secondBasis, maxI: maxI, maxJ: maxJ)
    }

    /// The grid between the left singular vectors (output directions) of two
    /// updates ΔW₁ and ΔW₂, e.g. from `lowRankSVD` for LoRA or from a full SVD
    /// of W − W₀ for full fine-tuning.
    public init(leftSingularVectorsOf first: SingularValueDecomposition, _ second: SingularValueDecomposition,
                maxI: Int? = nil, maxJ: Int? = nil) throws {
        try self.init(bases: first.leftSingularVectors(count: first.count),
                      second.leftSingularVectors(count: second.count), maxI: maxI, maxJ: maxJ)
    }

    /// The grid between the right singular vectors (input directions) of two
    /// updates: for LoRA the same span as A's rows, but ordered by ΔW's
    /// singular values rather than A's own; for full fine-tuning the only
    /// input-space basis there is.
    public init(rightSingularVectorsOf first: SingularValueDecomposition, _ second: SingularValueDecomposition,
                maxI: Int? = nil, maxJ: Int? = nil) throws {
        try self.init(bases: first.rightSingularVectors(count: first.count),
                      second.rightSingularVectors(count: second.count), maxI: maxI, maxJ: maxJ)
    }
}

/// Throws unless ‖BᵀB − I‖_max ≤ 1e-3, so that φ keeps its meaning and range.
private func requireOrthonormalColumns(_ basis: Matrix, name: String) throws {
    let deviation = matmul(basis, basis, transposeA: true).maxAbsDifference(.identity(basis.cols))
    guard deviation <= 1e-3 else {
        throw AnalysisError.invalidArgument(
            "the \(name) (\(basis.shapeDescription)) must have orthonormal columns; ‖BᵀB − I‖_max = \(deviation)")
    }
}

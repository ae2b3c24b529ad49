import LinearAlgebra

/// How strongly an update ΔW amplifies directions of the base weight W
/// (LoRA paper, Hu et al., 2021, §7.3 and Table 7).
///
/// With U (out × r) and V (in × r) the top-r left and right singular vectors
/// of ΔW:
///
///     amplification = ‖ΔW‖_F / ‖Uᵀ W V‖_F
///
/// ‖Uᵀ W V‖_F measures how much of W already lies in ΔW's r-dimensional
/// subspace. A large factor means ΔW amplifies directions W barely uses (the
/// paper reports ≈ 21.5 for r = 4 and ≈ 1.9 for r = 64 on GPT-3's W_q).
///
/// Conventions for degenerate cases: a zero update has factor 0; a nonzero
/// update whose subspace W does not touch at all has factor +∞.
public struct AmplificationFactor: Equatable, Sendable {
    /// r, the number of singular directions of ΔW used.
    public let rank: Int
    /// ‖ΔW‖_F.
    public let updateNorm: Float
    /// ‖Uᵀ W V‖_F.
    public let projectedBaseNorm: Float
    /// ‖W‖_F, for context (the paper's table quotes it too).
    public let baseNorm: Float
    /// ‖ΔW‖_F / ‖Uᵀ W V‖_F.
    public let factor: Float

    /// From the base weight `base` (out × in), ΔW's top-r singular vectors as
    /// columns of `left` (out × r) and `right` (in × r), and ‖ΔW‖_F.
    public init(base: Matrix, left: Matrix, right: Matrix, updateNorm: Float) throws {
        guard left.rows == base.rows, right.rows == base.cols, left.cols == right.cols else {
            throw AnalysisError.shapeMismatch(
                "amplification needs W out×in, U out×r, V in×r; got W \(base.shapeDescription), U \(left.shapeDescription), V \(right.shapeDescription)")
        }
        guard updateNorm.isFinite, updateNorm >= 0 else {
            throw AnalysisError.invalidArgument("‖ΔW‖_F must be finite and non-negative, got \(updateNorm)")
        }
        let projected = matmul(matmul(left, base, transposeA: true), right)  // r × r
        rank = left.cols
        self.updateNorm = updateNorm
        projectedBaseNorm = projected.frobeniusNorm
        baseNorm = base.frobeniusNorm
        if updateNorm == 0 {
            factor = 0
        } else if projectedBaseNorm == 0 {
            factor = .infinity
        } else {
            factor = updateNorm / projectedBaseNorm
        }
    }

    /// From the base weight and a complete SVD of ΔW (a thin SVD of the
    /// formed update, or `lowRankSVD` of LoRA factors), using its top `rank`
    /// directions. ‖ΔW‖_F is taken as √(Σ σᵢ²) over all singular values.
    public init(base: Matrix, update: SingularValueDecomposition, rank: Int) throws {
        guard (1...max(update.count, 1)).contains(rank), update.count > 0 else {
            throw AnalysisError.invalidArgument("rank must lie in 1...\(update.count), got \(rank)")
        }
        let norm = SpectrumStatistics(singularValues: update.singularValues).frobeniusNorm
        try self.init(base: base, left: update.leftSingularVectors(count: rank),
                      right: update.rightSingularVectors(count: rank), updateNorm: norm)
    }
}

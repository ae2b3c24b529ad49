import LinearAlgebra

/// The comparisons that give the amplification factor its meaning (LoRA paper,
/// Hu et al., 2021, Table 7): how much of the base weight W lies in an
/// r-dimensional pair of subspaces (U out × r, V in × r, orthonormal columns),
/// measured as ‖Uᵀ W V‖_F, for three choices of U, V:
///
/// - from ΔW's own top-r singular vectors (the numerator's partner in the factor),
/// - from W's own top-r singular vectors: ‖Uᵀ W V‖_F = √(σ₁² + … + σᵣ²) of W,
///   the most of W any r-dimensional pair can hold,
/// - from random subspaces (U, V Haar-distributed): on average about
///   r · ‖W‖_F / √(out · in), what "no relation to W" looks like.
///
/// The paper's reading: ΔW's subspace holds far less of W than W's top
/// directions do, and close to a random subspace — ΔW amplifies directions W
/// does not emphasise. Without the two baselines the factor is one number.
public struct AmplificationBaselines: Equatable, Sendable {
    public let rank: Int
    /// ‖W‖_F.
    public let baseNorm: Float
    /// ‖ΔW‖_F.
    public let updateNorm: Float
    /// ‖Uᵀ W V‖_F with U, V from ΔW.
    public let alongUpdate: Float
    /// ‖Uᵀ W V‖_F with U, V from W's own top r.
    public let alongBaseTop: Float
    /// Mean of ‖Uᵀ W V‖_F over `randomDraws` random pairs of subspaces.
    public let alongRandom: Float
    /// Sample standard deviation of ‖Uᵀ W V‖_F over the draws (nil for one
    /// draw): how far a single random pair strays from `alongRandom`, so a
    /// reader can tell whether ΔW's value is "like random" or not.
    public let alongRandomDeviation: Float?
    public let randomDraws: Int
    /// ‖ΔW‖_F / ‖Uᵀ W V‖_F with U, V from ΔW: `AmplificationFactor`'s value.
    public let factor: Float

    /// `base` is W (out × in); `update` a complete SVD of ΔW (thin SVD of the
    /// formed update, or `lowRankSVD` of LoRA factors); `baseDecomposition`
    /// W's SVD, shared by every update of one matrix; the random subspaces
    /// come from `seed`, so a report is reproducible.
    public init(base: Matrix, baseDecomposition: SingularValueDecomposition,
                update: SingularValueDecomposition, rank: Int,
                randomDraws: Int = 16, seed: UInt64 = 1) throws {
        guard randomDraws >= 1 else {
            throw AnalysisError.invalidArgument("randomDraws must be at least 1, got \(randomDraws)")
        }
        guard baseDecomposition.u.rows == base.rows, baseDecomposition.vt.cols == base.cols else {
            throw AnalysisError.shapeMismatch(
                "W is \(base.shapeDescription) but its decomposition is \(baseDecomposition.u.rows)×\(baseDecomposition.vt.cols)")
        }
        let amplification = try AmplificationFactor(base: base, update: update, rank: rank)
        guard rank <= baseDecomposition.count else {
            throw AnalysisError.invalidArgument("rank must lie in 1...\(baseDecomposition.count) for W, got \(rank)")
        }
        var generator = SeededGenerator(seed: seed)
        var randomValues: [Float] = []
        for _ in 0..<randomDraws {
            let left = try QRDecomposition(of: generator.normalMatrix(rows: base.rows, cols: rank, std: 1)).q
            let right = try QRDecomposition(of: generator.normalMatrix(rows: base.cols, cols: rank, std: 1)).q
            randomValues.append(matmul(matmul(left, base, transposeA: true), right).frobeniusNorm)
        }
        let randomSummary = try SampleSummary(randomValues)
        self.rank = rank
        baseNorm = amplification.baseNorm
        updateNorm = amplification.updateNorm
        alongUpdate = amplification.projectedBaseNorm
        alongBaseTop = SpectrumStatistics(singularValues: Array(baseDecomposition.singularValues.prefix(rank)))
            .frobeniusNorm
        alongRandom = Float(randomSummary.mean)
        alongRandomDeviation = randomSummary.standardDeviation.map { Float($0) }
        self.randomDraws = randomDraws
        factor = amplification.factor
    }
}

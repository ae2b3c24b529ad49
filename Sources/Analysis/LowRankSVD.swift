import LinearAlgebra

/// The thin SVD of a LoRA update `ΔW = s · B · A` without forming `ΔW`.
///
/// `a` is LoRA's `A` (`r × in`), `b` is its `B` (`out × r`), `scale` is `s`
/// (α/r, or α/√r with rsLoRA). The method:
///
///     B  = Q_B R_B          (thin QR, Q_B: out × r)
///     Aᵀ = Q_A R_A          (thin QR, Q_A: in × r)
///     ΔW = Q_B (s R_B R_Aᵀ) Q_Aᵀ
///     s R_B R_Aᵀ = U' S V'ᵀ (SVD of an r × r core)
///     U = Q_B U',  Vᵀ = V'ᵀ Q_Aᵀ
///
/// Cost O((out + in) r² + r³) instead of O(out · in · r) to form ΔW plus
/// O(out · in · min(out, in)) for its SVD. Because Q_B and Q_A have
/// orthonormal columns, U and V do too, and S are exactly ΔW's nonzero
/// singular values (padded with zeros up to the rank `r`).
///
/// The result has `k = min(out, in, r)` singular triplets: `u` is `out × k`,
/// `vt` is `k × in`. Every singular value of ΔW beyond `k` is zero, so
/// `SpectrumStatistics` and `AmplificationFactor` can use it as a complete
/// spectrum.
public func lowRankSVD(a: Matrix, b: Matrix, scale: Float) throws -> SingularValueDecomposition {
    guard a.rows == b.cols else {
        throw AnalysisError.shapeMismatch(
            "LoRA A is \(a.shapeDescription) and B is \(b.shapeDescription): A's rows and B's columns must both be the rank")
    }
    guard scale.isFinite else {
        throw AnalysisError.invalidArgument("the LoRA scale must be finite, got \(scale)")
    }
    let factorB = try QRDecomposition(of: b)
    let factorA = try QRDecomposition(of: a.transposed())
    // s · R_B · R_Aᵀ, with R_B: kB × r and R_A: kA × r.
    let core = scale * matmul(factorB.r, factorA.r, transposeB: true)
    let coreSVD = try SingularValueDecomposition(of: core)
    let u = matmul(factorB.q, coreSVD.u)
    let vt = matmul(coreSVD.vt, factorA.q, transposeB: true)
    return SingularValueDecomposition(u: u, singularValues: coreSVD.singularValues, vt: vt)
}

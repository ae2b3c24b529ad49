import LinearAlgebra

/// One of the top singular vectors of a fine-tuned weight, and how well the
/// base weight's singular vectors explain it.
public struct IntruderDimension: Equatable, Sendable {
    /// Position in the fine-tuned spectrum, 0-based (0 is the largest σ).
    public let index: Int
    /// σ of the fine-tuned weight W₀ + ΔW at `index`.
    public let singularValue: Float
    /// max over j of |cos(u_tuned, u₀ⱼ)|, the best match among W₀'s left singular vectors.
    public let maxCosine: Float
    /// The 0-based index j in W₀'s spectrum that attains `maxCosine`.
    public let closestBaseIndex: Int
    /// `maxCosine < threshold`.
    public let isIntruder: Bool

    /// Whether this direction would be an intruder at another threshold ε.
    public func isIntruder(at threshold: Float) -> Bool { maxCosine < threshold }
}

/// Intruder dimensions (Shuttleworth et al., 2024, "LoRA vs Full Fine-tuning:
/// An Illusion of Equivalence").
///
/// For each of the top-k left singular vectors yᵢ of W_tuned = W₀ + ΔW, take
/// its largest absolute cosine similarity with any left singular vector of W₀:
///
///     m(i) = maxⱼ |⟨yᵢ, u₀ⱼ⟩|   (unit vectors, so this is |cos|)
///
/// yᵢ is an intruder dimension when m(i) < ε: a new, high-ranking direction
/// that W₀'s spectrum does not contain. W₀'s basis is its thin SVD, i.e. the
/// min(out, in) left singular vectors that carry singular values (for
/// out > in, the rest of ℝ^out is a null space with an arbitrary basis).
public struct IntruderDimensionReport: Equatable, Sendable {
    /// ε.
    public let threshold: Float
    /// The top-k fine-tuned directions, largest σ first.
    public let dimensions: [IntruderDimension]

    public var intruders: [IntruderDimension] { dimensions.filter(\.isIntruder) }
    public var intruderCount: Int { dimensions.reduce(0) { $0 + ($1.isIntruder ? 1 : 0) } }

    /// Compares the top `topK` left singular vectors of `tuned` with those of
    /// `base`. `topK` is capped at min(out, in). ε = 0.5 by default; the paper
    /// sweeps ε, so callers may too.
    public init(base: Matrix, tuned: Matrix, topK: Int = 10, threshold: Float = 0.5) throws {
        try self.init(base: SingularValueDecomposition(of: base), tuned: tuned, topK: topK, threshold: threshold)
    }

    /// As above with W₀'s SVD already computed (it is shared by every
    /// fine-tuning of one base matrix).
    public init(base: SingularValueDecomposition, tuned: Matrix, topK: Int = 10, threshold: Float = 0.5) throws {
        guard base.u.rows == tuned.rows, base.vt.cols == tuned.cols else {
            throw AnalysisError.shapeMismatch(
                "the base is \(base.u.rows)×\(base.vt.cols) but the tuned matrix is \(tuned.shapeDescription)")
        }
        guard topK >= 1 else { throw AnalysisError.invalidArgument("topK must be at least 1, got \(topK)") }
        guard threshold.isFinite, (0...1).contains(threshold) else {
            throw AnalysisError.invalidArgument("the cosine threshold ε must lie in [0, 1], got \(threshold)")
        }
        let tunedSVD = try SingularValueDecomposition(of: tuned)
        let k = min(topK, tunedSVD.count)
        let baseVectors = base.leftSingularVectors(count: base.count)
        let cosines = matmul(tunedSVD.leftSingularVectors(count: k), baseVectors, transposeA: true)  // k × k₀

        var found: [IntruderDimension] = []
        found.reserveCapacity(k)
        for i in 0..<k {
            var best: Float = 0, bestIndex = 0
            for j in 0..<cosines.cols {
                let magnitude = abs(cosines[i, j])
                if magnitude > best { best = magnitude; bestIndex = j }
            }
            found.append(IntruderDimension(index: i, singularValue: tunedSVD.singularValues[i], maxCosine: best,
                                           closestBaseIndex: bestIndex, isIntruder: best < threshold))
        }
        self.threshold = threshold
        self.dimensions = found
    }
}

extension IntruderDimensionReport {
    /// How many of the top-k directions would be intruders at each threshold ε
    /// (the paper sweeps ε rather than trusting one value): a direction counts
    /// at ε when its best cosine to W₀'s basis is below ε. Computed from the
    /// cosines already found, so a sweep costs no further decomposition.
    public func intruderCounts(thresholds: [Float]) throws -> [(threshold: Float, count: Int)] {
        for threshold in thresholds where !(threshold.isFinite && (0...1).contains(threshold)) {
            throw AnalysisError.invalidArgument("the cosine threshold ε must lie in [0, 1], got \(threshold)")
        }
        return thresholds.map { threshold in
            (threshold, dimensions.reduce(0) { $0 + ($1.isIntruder(at: threshold) ? 1 : 0) })
        }
    }
}

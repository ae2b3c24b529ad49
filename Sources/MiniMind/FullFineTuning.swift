import LinearAlgebra

/// Full fine-tuning of one matrix: W itself trains (the layer's own weight
/// gradient does the work), and W₀ is kept so that ΔW = W − W₀ can be analysed.
/// It adds no tensor and no path of its own; it is "merged" by nature.
public final class FullFineTuning: LinearUpdate, @unchecked Sendable {
    // Sendable: a model is used by one thread at a time (the engine's).
    /// W₀, the weight when fine-tuning began.
    public let reference: Matrix

    public init(reference: Matrix) {
        self.reference = reference
    }

    public var kind: LinearUpdateKind { .full }
    public var ownTensors: [Parameter] { [] }
    public var trainsBaseWeight: Bool { true }
    public var nominalRank: Int? { nil }
    public var isMerged: Bool { true }

    public func forward(weight: Parameter, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        rows: Int, training: Bool) {}

    public func gradientReachingBaseProduct(weight: Parameter, outputGradient: UnsafePointer<Float>,
                                            rows: Int) -> UnsafePointer<Float> {
        outputGradient
    }

    public func backward(weight: Parameter, input: UnsafePointer<Float>, baseProductGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, rows: Int) {}

    // The update already lives in W: there is nothing to fold in or out.
    public func merge(into weight: Parameter) {}
    public func unmerge(from weight: Parameter) {}

    /// Nothing of its own changes: W₀ is fixed at birth.
    public func stateRestorer() -> () -> Void { {} }

    public func learnedDelta(weight: Parameter) -> LearnedDelta {
        LearnedDelta(base: self.reference, form: .dense(weight.matrix - reference))
    }

    public func flops(rows: Int, inFeatures: Int, outFeatures: Int) -> (forward: Double, backward: Double) { (0, 0) }

    public func copy() -> any LinearUpdate { FullFineTuning(reference: reference) }
}

/// A fully fine-tuned weight with ΔW = W − W₀ replaced by its best rank-r
/// approximation, computed but not yet written: everything that can fail
/// (the SVD) happens before `FullFineTuning.apply` touches W.
public struct RankTruncation: Sendable {
    /// The rank kept, at most min(out, in).
    public let rank: Int
    /// σ of ΔW before truncation, largest first (all min(out, in) of them).
    public let singularValues: [Float]
    /// W₀ + U_r Σ_r V_rᵀ, the weight to write.
    public let weight: Matrix

    /// ‖ΔW − ΔW_r‖_F = √(Σ_{i>r} σᵢ²), the error Eckart–Young says is the least possible.
    public var discardedNorm: Float {
        Float(singularValues.dropFirst(rank).reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
    }
}

extension FullFineTuning {
    /// Plans replacing ΔW of `weight` (this update's layer weight) by its
    /// truncated SVD U_r Σ_r V_rᵀ (Eckart–Young: the closest rank-r matrix
    /// in Frobenius norm). `rank` beyond min(out, in) keeps every direction.
    /// Writes nothing; see `apply`.
    public func truncation(of weight: Parameter, rank: Int) throws -> RankTruncation {
        try truncations(of: weight, ranks: [rank])[0]
    }

    /// The truncations to each of `ranks`, in that order, from one SVD of ΔW.
    public func truncations(of weight: Parameter, ranks: [Int]) throws -> [RankTruncation] {
        precondition(ranks.allSatisfy { $0 >= 1 }, "ranks must be at least 1, got \(ranks)")
        precondition(weight.rows == reference.rows && weight.cols == reference.cols,
                     "\(weight.name) is \(weight.rows)×\(weight.cols) but W₀ is \(reference.shapeDescription)")
        let decomposition = try SingularValueDecomposition(of: weight.matrix - reference)
        return ranks.map { rank in
            let kept = min(rank, decomposition.count)
            return RankTruncation(rank: kept, singularValues: decomposition.singularValues,
                                  weight: reference + decomposition.reconstructed(rank: kept))
        }
    }

    /// Writes a planned truncation into W: the one place truncation changes
    /// a weight (so an undo journal has one write to record).
    public func apply(_ truncation: RankTruncation, to weight: Parameter) {
        weight.matrix = truncation.weight
    }
}

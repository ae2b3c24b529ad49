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
        LearnedDelta(base: reference, form: .dense(weight.matrix - reference))
    }

    public func flops(rows: Int, inFeatures: Int, outFeatures: Int) -> (forward: Double, backward: Double) { (0, 0) }

    public func copy() -> any LinearUpdate { FullFineTuning(reference: reference) }
}

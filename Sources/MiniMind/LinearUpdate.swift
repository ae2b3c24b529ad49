import LinearAlgebra

/// The kinds of weight update a `Linear` can carry. This is the one place that
/// says which kind an update is; everything else asks the update itself
/// (its tensors, its forward and backward, its ΔW) through `LinearUpdate`.
public enum LinearUpdateKind: String, Sendable, CaseIterable {
    /// Low-rank adapter beside a frozen W (Hu et al. 2021).
    case lora = "LoRA"
    /// Weight-decomposed low-rank adapter: a per-row magnitude times the
    /// direction of W + sBA (Liu et al. 2024, PEFT's `use_dora`).
    case dora = "DoRA"
    /// W itself trains; W₀ is kept to analyse ΔW = W − W₀.
    case full = "full"

    /// Adapters are attached, merged, unmerged and detached; a full fine-tune is begun and ended.
    public var isAdapter: Bool { self != .full }
}

/// ΔW of one layer as analysis needs it: the weight before the update, and the
/// update either as low-rank factors (so its SVD never forms the matrix) or
/// dense (full rank in general: a full SVD).
public struct LearnedDelta {
    public enum Form {
        /// ΔW = scale · B · A, B `[out, r]`, A `[r, in]`.
        case lowRank(b: Matrix, a: Matrix, scale: Float)
        case dense(Matrix)
    }

    /// W₀: the weight the update is measured from, formed when asked: it is a
    /// copy of the whole weight, which spectra (they need only the form) skip.
    public var base: Matrix { measuredFrom() }
    public var form: Form
    private let measuredFrom: () -> Matrix

    public init(base: @autoclosure @escaping () -> Matrix, form: Form) {
        measuredFrom = base
        self.form = form
    }

    /// ΔW formed (for tests and small matrices).
    public var formed: Matrix {
        switch form {
        case .lowRank(let b, let a, let scale): scale * matmul(b, a)
        case .dense(let delta): delta
        }
    }
}

/// A learned change of one linear layer's weight `W [out, in]`.
///
/// The layer computes its base product `x Wᵀ` itself and hands the update the
/// rest, which is what lets a block later fuse the base products of layers that
/// share an input (q, k, v; gate, up) into one GEMM and still call each layer's
/// update on its own slice — and lets low-rank updates expose their factors
/// (`LowRankFactors`) so that such a block can batch the `x Aᵀ` products too.
///
/// An update is used by one thread at a time (the model's).
public protocol LinearUpdate: AnyObject {
    var kind: LinearUpdateKind { get }
    /// Tensors the update adds beside W (A, B, a magnitude); empty when it trains W itself.
    var ownTensors: [Parameter] { get }
    /// Whether W itself is what trains (full fine-tuning).
    var trainsBaseWeight: Bool { get }
    /// The update's nominal rank (an adapter's r); nil for a full-rank update.
    var nominalRank: Int? { get }
    /// True when the update lives in W (a merged adapter) and its own path is skipped.
    var isMerged: Bool { get }

    /// `output` holds `x Wᵀ` for `rows` rows; afterwards it holds the adapted layer's output.
    func forward(weight: Parameter, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                 rows: Int, training: Bool)
    /// Called first in backward with dL/d(output): accumulates the gradients of
    /// tensors that act on the whole output (DoRA's magnitude) and returns the
    /// gradient that reaches `x Wᵀ` (the argument itself when nothing scales it).
    func gradientReachingBaseProduct(weight: Parameter, outputGradient: UnsafePointer<Float>,
                                     rows: Int) -> UnsafePointer<Float>
    /// Called after the base product's backward, with what
    /// `gradientReachingBaseProduct` returned: accumulates the update's own
    /// gradients and adds its path's share into `inputGradient` when given.
    /// Needs the `forward` of the same rows just before.
    func backward(weight: Parameter, input: UnsafePointer<Float>, baseProductGradient: UnsafePointer<Float>,
                  inputGradient: UnsafeMutablePointer<Float>?, rows: Int)

    /// Folds the update into W (W becomes the adapted weight); `isMerged` after.
    func merge(into weight: Parameter)
    /// Undoes `merge`.
    func unmerge(from weight: Parameter)

    /// Captures the update's own settings that a command may change — merged
    /// or not, remembered norms, its dropout stream; not its tensors, which
    /// journal themselves — and returns what puts them back. `ModelJournal`
    /// calls it before each command (docs/design.md, "Transactions").
    func stateRestorer() -> () -> Void

    /// ΔW and W₀, for analysis.
    func learnedDelta(weight: Parameter) -> LearnedDelta
    /// Multiply-adds × 2 of the update's own products for `rows` rows, forward and backward.
    func flops(rows: Int, inFeatures: Int, outFeatures: Int) -> (forward: Double, backward: Double)
    /// A deep copy.
    func copy() -> any LinearUpdate
}

extension LinearUpdate {
    public var parameterCount: Int { ownTensors.reduce(0) { $0 + $1.count } }

    /// Whether the update's own path runs in forward and backward.
    public var isActive: Bool { kind.isAdapter && !isMerged }
}

/// The low-rank part `s · B · A` of an update, for code that wants the factors
/// themselves: analysis, checkpoint files, and a block batching several
/// layers' `x Aᵀ` products.
public protocol LowRankFactors: LinearUpdate {
    var rank: Int { get }
    var alpha: Float { get }
    var a: Parameter { get }
    var b: Parameter { get }
    var scale: Float { get }
}

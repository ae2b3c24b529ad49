import LinearAlgebra

/// A bias-free linear layer `y = x Wᵀ`, `W` of shape `[out, in]`, carrying at
/// most one learned update of its weight (`LinearUpdate`: LoRA, DoRA, full
/// fine-tuning).
///
/// The model calls only `forward` and `backward`; what kind of update is
/// attached, whether it is merged, and whether `W` itself trains, is the
/// layer's and the update's business. That is what lets an adapter attach to
/// any matrix without the model knowing. (docs/design.md, "The adapter seam".)
public final class Linear: @unchecked Sendable {
    // Sendable: a model is used by one thread at a time (the engine's).
    /// Hugging Face module name, e.g. `model.layers.0.self_attn.q_proj`.
    public let name: String
    public let weight: Parameter
    /// The layer's learned update, if any.
    public var update: (any LinearUpdate)?

    public init(name: String, inFeatures: Int, outFeatures: Int) {
        self.name = name
        weight = Parameter(name: name + ".weight", rows: outFeatures, cols: inFeatures)
    }

    public var inFeatures: Int { weight.cols }
    public var outFeatures: Int { weight.rows }
    public var isSquare: Bool { inFeatures == outFeatures }

    /// The update when it is a plain LoRA adapter (its A, B and scale);
    /// setting attaches one (or removes the update with nil).
    public var adapter: LoRAAdapter? {
        get { update as? LoRAAdapter }
        set { update = newValue }
    }

    /// W₀ when `W` itself is fine-tuned (so that ΔW = W − W₀ can be analysed);
    /// setting records one (or removes the update with nil).
    public var referenceWeight: Matrix? {
        get { (update as? FullFineTuning)?.reference }
        set { update = newValue.map(FullFineTuning.init(reference:)) }
    }

    /// The tensors that train for this layer: its update's own, and W when it trains.
    public var trainableTensors: [Parameter] {
        (update?.ownTensors ?? []).filter(\.requiresGrad) + (weight.requiresGrad ? [weight] : [])
    }

    /// Whether `backward` reads its `input`: for W's gradient or for an active
    /// update's (whatever its kind). Where it does not, the model need not
    /// recompute that input in backward.
    public var backwardReadsInput: Bool { weight.requiresGrad || (update?.isActive ?? false) }

    /// Overwrites `output` (`rows × out`) with the layer applied to `input` (`rows × in`).
    /// `training` switches adapter dropout on.
    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Int, training: Bool) {
        BLAS.gemm(transposeA: false, transposeB: true, m: rows, n: outFeatures, k: inFeatures,
                  a: input, lda: inFeatures, b: weight.value.pointer, ldb: inFeatures,
                  c: output, ldc: outFeatures)
        if let update, update.isActive {
            update.forward(weight: weight, input: input, output: output, rows: rows, training: training)
        }
    }

    /// Propagates `outputGradient` back: into `inputGradient` (overwriting, or
    /// adding when `accumulate`), and into the gradients of whatever is trainable.
    /// Pass `inputGradient: nil` when nothing upstream needs it.
    public func backward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, accumulate: Bool, rows: Int) {
        let active = update.flatMap { $0.isActive ? $0 : nil }
        let dy = active?.gradientReachingBaseProduct(weight: weight, outputGradient: outputGradient, rows: rows)
            ?? outputGradient
        if let dW = weight.gradient {
            // dW += dyᵀ x
            BLAS.gemm(transposeA: true, transposeB: false, m: outFeatures, n: inFeatures, k: rows,
                      a: dy, lda: outFeatures, b: input, ldb: inFeatures, beta: 1,
                      c: dW.pointer, ldc: inFeatures)
        }
        if let dx = inputGradient {
            // dx (+)= dy W
            BLAS.gemm(transposeA: false, transposeB: false, m: rows, n: inFeatures, k: outFeatures,
                      a: dy, lda: outFeatures, b: weight.value.pointer, ldb: inFeatures,
                      beta: accumulate ? 1 : 0, c: dx, ldc: inFeatures)
        }
        active?.backward(weight: weight, input: input, baseProductGradient: dy, inputGradient: inputGradient, rows: rows)
    }

    /// A deep copy (weights, update).
    public func copy() -> Linear {
        let other = Linear(name: name, inFeatures: inFeatures, outFeatures: outFeatures)
        other.weight.matrix = weight.matrix
        other.weight.requiresGrad = weight.requiresGrad
        other.update = update?.copy()
        return other
    }
}

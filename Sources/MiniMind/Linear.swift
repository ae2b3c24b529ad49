import LinearAlgebra

/// A bias-free linear layer `y = x Wᵀ`, `W` of shape `[out, in]`, with an
/// optional low-rank adapter beside it.
///
/// The model calls only `forward` and `backward`; whether an adapter is
/// attached, merged or absent, and whether `W` itself is trainable, is the
/// layer's business. That is what lets LoRA attach to any matrix without the
/// model knowing.
public final class Linear: @unchecked Sendable {
    // Sendable: a model is used by one thread at a time (the engine's).
    /// Hugging Face module name, e.g. `model.layers.0.self_attn.q_proj`.
    public let name: String
    public let weight: Parameter
    public var adapter: LoRAAdapter?
    /// W₀, kept when `W` itself is fine-tuned so that ΔW = W − W₀ can be analysed.
    public var referenceWeight: Matrix?

    public init(name: String, inFeatures: Int, outFeatures: Int) {
        self.name = name
        weight = Parameter(name: name + ".weight", rows: outFeatures, cols: inFeatures)
    }

    public var inFeatures: Int { weight.cols }
    public var outFeatures: Int { weight.rows }
    public var isSquare: Bool { inFeatures == outFeatures }

    /// Overwrites `output` (`rows × out`) with the layer applied to `input` (`rows × in`).
    /// `training` switches adapter dropout on.
    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Int, training: Bool) {
        BLAS.gemm(transposeA: false, transposeB: true, m: rows, n: outFeatures, k: inFeatures,
                  a: input, lda: inFeatures, b: weight.value.pointer, ldb: inFeatures,
                  c: output, ldc: outFeatures)
        if let adapter, !adapter.isMerged {
            adapter.forward(input: input, output: output, rows: rows, training: training)
        }
    }

    /// Propagates `outputGradient` back: into `inputGradient` (overwriting, or
    /// adding when `accumulate`), and into the gradients of whatever is trainable.
    /// Pass `inputGradient: nil` when nothing upstream needs it.
    public func backward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, accumulate: Bool, rows: Int) {
        if let dW = weight.gradient {
            // dW += dyᵀ x
            BLAS.gemm(transposeA: true, transposeB: false, m: outFeatures, n: inFeatures, k: rows,
                      a: outputGradient, lda: outFeatures, b: input, ldb: inFeatures, beta: 1,
                      c: dW.pointer, ldc: inFeatures)
        }
        if let dx = inputGradient {
            // dx (+)= dy W
            BLAS.gemm(transposeA: false, transposeB: false, m: rows, n: inFeatures, k: outFeatures,
                      a: outputGradient, lda: outFeatures, b: weight.value.pointer, ldb: inFeatures,
                      beta: accumulate ? 1 : 0, c: dx, ldc: inFeatures)
        }
        if let adapter, !adapter.isMerged {
            adapter.backward(input: input, outputGradient: outputGradient, inputGradient: inputGradient, rows: rows)
        }
    }

    /// A deep copy (weights, adapter, reference weight).
    public func copy() -> Linear {
        let other = Linear(name: name, inFeatures: inFeatures, outFeatures: outFeatures)
        other.weight.matrix = weight.matrix
        other.weight.requiresGrad = weight.requiresGrad
        other.adapter = adapter?.copy()
        other.referenceWeight = referenceWeight
        return other
    }
}

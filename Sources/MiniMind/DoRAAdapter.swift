import Foundation
import LinearAlgebra

/// DoRA (Liu et al. 2024), as PEFT's `use_dora` implements it: the adapted
/// weight is a per-row magnitude times the direction of W + sBA,
///
///     W' = diag(m / n) (W + s·B·A),   n_j = ‖W_j + s·(BA)_j‖ (row j of `[out, in]`),
///     y  = g ⊙ (x Wᵀ + s·(x Aᵀ) Bᵀ),   g = m / n (one factor per output),
///
/// with m initialised to n (so the layer is unchanged at step 0) and trainable.
/// In backward n is a constant — the paper's §4.3 and PEFT's `weight_norm.detach()`
/// — so the gradients are those of the function with n held fixed:
///
///     z = x Wᵀ + s·(x Aᵀ) Bᵀ,   dm_j = Σ_rows dy_j z_j / n_j,   dz = dy ⊙ g,
///
/// and dz flows into the base product and the low-rank path as in LoRA.
/// Dropout is not supported (PEFT's DoRA applies it to the base path too).
public final class DoRAAdapter: LowRankFactors, @unchecked Sendable {
    // Sendable: a model is used by one thread at a time (the engine's).
    /// The low-rank direction update B, A and its scale s.
    public let lowRank: LoRAAdapter
    /// m `[1, out]`, PEFT's `lora_magnitude_vector`.
    public let magnitude: Parameter
    public private(set) var isMerged = false
    /// When set, forward uses these row norms instead of computing ‖W + sBA‖:
    /// the function backward differentiates, for finite-difference checks.
    public var heldNorm: [Float]?

    private var norm: [Float]            // n of the last forward (or of the merge)
    private var capacityRows = 0
    private var combined: FloatBuffer    // W + sBA  [out, in]
    private var preScale = FloatBuffer(count: 0)        // z  [rows, out]
    private var scaledGradient = FloatBuffer(count: 0)  // dy ⊙ g  [rows, out]

    public init(layerName: String, weight: Parameter, rank: Int, alpha: Float,
                initialization: LoRAInitialization, rsLoRA: Bool, seed: UInt64) {
        lowRank = LoRAAdapter(layerName: layerName, inFeatures: weight.cols, outFeatures: weight.rows,
                              rank: rank, alpha: alpha, dropout: 0, initialization: initialization,
                              rsLoRA: rsLoRA, seed: seed)
        magnitude = Parameter(name: layerName + ".lora_magnitude_vector", rows: 1, cols: weight.rows, requiresGrad: true)
        norm = [Float](repeating: 1, count: weight.rows)
        combined = FloatBuffer(count: weight.count)
        if initialization == .pissa { lowRank.initializeFromPrincipalComponents(of: weight) }
        let initial = rowNorms(of: weight)
        for j in 0..<weight.rows { magnitude.value[j] = initial[j] }
    }

    private init(copying other: DoRAAdapter) {
        lowRank = other.lowRank.copyAdapter()
        magnitude = other.magnitude.copy()
        magnitude.requiresGrad = other.magnitude.requiresGrad
        isMerged = other.isMerged
        heldNorm = other.heldNorm
        norm = other.norm
        combined = FloatBuffer(count: other.combined.count)
    }

    public var a: Parameter { lowRank.a }
    public var b: Parameter { lowRank.b }
    public var scale: Float { lowRank.scale }
    public var rank: Int { lowRank.rank }
    public var alpha: Float { lowRank.alpha }
    public var initialization: LoRAInitialization { lowRank.initialization }
    public var rsLoRA: Bool { lowRank.rsLoRA }
    public var outFeatures: Int { magnitude.cols }
    public var inFeatures: Int { lowRank.inFeatures }

    public var kind: LinearUpdateKind { .dora }
    public var ownTensors: [Parameter] { [lowRank.a, lowRank.b, magnitude] }
    public var trainsBaseWeight: Bool { false }
    public var nominalRank: Int? { rank }

    /// ‖W_j + s·(BA)_j‖ for every row j, with W + sBA left in `combined`.
    public func rowNorms(of weight: Parameter) -> [Float] {
        let rows = weight.rows, cols = weight.cols
        combined.pointer.update(from: weight.value.pointer, count: weight.count)
        BLAS.gemm(transposeA: false, transposeB: false, m: rows, n: cols, k: rank, alpha: scale,
                  a: lowRank.b.value.pointer, lda: rank, b: lowRank.a.value.pointer, ldb: cols,
                  beta: 1, c: combined.pointer, ldc: cols)
        return (0..<rows).map { j in
            var sum: Double = 0
            let row = combined.pointer + j * cols
            for i in 0..<cols { sum += Double(row[i]) * Double(row[i]) }
            return Float(sum.squareRoot())
        }
    }

    private func reserve(rows: Int) {
        guard rows > capacityRows else { return }
        capacityRows = rows
        preScale = FloatBuffer(count: rows * outFeatures)
        scaledGradient = FloatBuffer(count: rows * outFeatures)
    }

    // MARK: Forward and backward, side by side

    public func forward(weight: Parameter, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        rows: Int, training: Bool) {
        reserve(rows: rows)
        norm = heldNorm ?? rowNorms(of: weight)
        // z = x Wᵀ + s·(x Aᵀ) Bᵀ, kept for dm.
        lowRank.forward(weight: weight, input: input, output: output, rows: rows, training: training)
        preScale.pointer.update(from: output, count: rows * outFeatures)
        // y = g ⊙ z
        let out = outFeatures
        for j in 0..<out {
            let g = magnitude.value[j] / norm[j]
            for r in 0..<rows { output[r * out + j] *= g }
        }
    }

    public func gradientReachingBaseProduct(weight: Parameter, outputGradient: UnsafePointer<Float>,
                                            rows: Int) -> UnsafePointer<Float> {
        let out = outFeatures
        for j in 0..<out {
            let inverseNorm = 1 / norm[j], g = magnitude.value[j] * inverseNorm
            var dm: Float = 0
            for r in 0..<rows {
                let index = r * out + j
                dm += outputGradient[index] * preScale[index]     // dm_j = Σ dy_j z_j / n_j
                scaledGradient[index] = outputGradient[index] * g // dz = dy ⊙ g
            }
            if let gradient = magnitude.gradient { gradient[j] += dm * inverseNorm }
        }
        return UnsafePointer(scaledGradient.pointer)
    }

    public func backward(weight: Parameter, input: UnsafePointer<Float>, baseProductGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, rows: Int) {
        lowRank.backward(weight: weight, input: input, baseProductGradient: baseProductGradient,
                         inputGradient: inputGradient, rows: rows)
    }

    // MARK: Merge, ΔW

    /// W ← diag(m/n)(W + sBA); n is remembered so that `unmerge` can invert it exactly.
    public func merge(into weight: Parameter) {
        norm = rowNorms(of: weight)
        let cols = weight.cols
        weight.modifyValues { w in
            for j in 0..<weight.rows {
                let g = magnitude.value[j] / norm[j]
                for i in 0..<cols { w[j * cols + i] = g * combined[j * cols + i] }
            }
        }
        isMerged = true
    }

    /// W ← diag(n/m) W − sBA.
    public func unmerge(from weight: Parameter) {
        let cols = weight.cols
        weight.modifyValues { w in
            for j in 0..<weight.rows {
                let inverse = norm[j] / magnitude.value[j]
                for i in 0..<cols { w[j * cols + i] *= inverse }
            }
        }
        lowRank.addDelta(to: weight, sign: -1)
        isMerged = false
    }

    public func stateRestorer() -> () -> Void {
        let merged = isMerged, held = heldNorm, remembered = norm, lowRankState = lowRank.stateRestorer()
        return { [self] in
            isMerged = merged
            heldNorm = held
            norm = remembered
            lowRankState()
        }
    }

    /// ΔW = W' − W₀, full rank in general (the magnitude rescales every row).
    public func learnedDelta(weight: Parameter) -> LearnedDelta {
        let current = weight.matrix
        if isMerged {
            var base = current
            for j in 0..<base.rows {
                let inverse = norm[j] / magnitude.value[j]
                for i in 0..<base.cols { base[j, i] *= inverse }
            }
            base = base - lowRank.delta
            return LearnedDelta(base: base, form: .dense(current - base))
        }
        let norms = rowNorms(of: weight)
        var adapted = Matrix(rows: weight.rows, cols: weight.cols, values: Array(UnsafeBufferPointer(start: combined.pointer, count: weight.count)))
        for j in 0..<adapted.rows {
            let g = magnitude.value[j] / norms[j]
            for i in 0..<adapted.cols { adapted[j, i] *= g }
        }
        return LearnedDelta(base: current, form: .dense(adapted - current))
    }

    public func flops(rows: Int, inFeatures: Int, outFeatures: Int) -> (forward: Double, backward: Double) {
        let low = lowRank.flops(rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
        let formDirection = 2 * Double(rank * inFeatures * outFeatures)   // W + sBA for the norms
        return (low.forward + formDirection, low.backward)
    }

    public func copy() -> any LinearUpdate { DoRAAdapter(copying: self) }
}

import LinearAlgebra

/// How a LoRA adapter's A and B start.
public enum LoRAInitialization: String, Sendable, CaseIterable {
    /// PEFT / loralib: A kaiming-uniform (a = √5, so U(±1/√in)), B = 0.
    case peft
    /// MiniMind: A ~ N(0, 0.02²), B = 0, scale fixed at 1.
    case minimind
    /// PEFT's "gaussian": A ~ N(0, 1/r²), B = 0.
    case gaussian
    /// PiSSA: A, B from the top-r singular triplets of W, W replaced by its
    /// residual so that the layer is unchanged at step 0.
    case pissa
}

/// A low-rank update beside a frozen linear layer: `y += s · (drop(x) Aᵀ) Bᵀ`,
/// A `[r, in]`, B `[out, r]`. It knows its matrices and scale and nothing of
/// how its layer was chosen (PEFT's separation of config and layer).
public final class LoRAAdapter: LowRankFactors, @unchecked Sendable {
    // Sendable: a model is used by one thread at a time (the engine's).
    public let rank: Int
    public let alpha: Float
    public let scale: Float
    public let dropout: Float
    public let initialization: LoRAInitialization
    public let rsLoRA: Bool
    public let a: Parameter
    public let b: Parameter
    /// True after `merge`: W holds W + sBA and the adapter path is skipped.
    public internal(set) var isMerged = false

    private var dropoutGenerator: SeededGenerator
    // Scratch, grown to the largest row count seen and reused.
    private var capacityRows = 0
    private var projected = FloatBuffer(count: 0)          // x_d Aᵀ      [rows, r]
    private var projectedGradient = FloatBuffer(count: 0)  // dy B        [rows, r]
    private var droppedInput = FloatBuffer(count: 0)       // x ⊙ mask    [rows, in], dropout only
    private var dropoutMask = FloatBuffer(count: 0)        // 0 or 1/(1−p)
    private var droppedThisStep = false

    public init(layerName: String, inFeatures: Int, outFeatures: Int, rank: Int, alpha: Float,
                dropout: Float, initialization: LoRAInitialization, rsLoRA: Bool, seed: UInt64) {
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        self.initialization = initialization
        self.rsLoRA = rsLoRA
        if initialization == .minimind {
            scale = 1
        } else {
            scale = rsLoRA ? alpha / Float(rank).squareRoot() : alpha / Float(rank)
        }
        a = Parameter(name: layerName + ".lora_A.weight", rows: rank, cols: inFeatures, requiresGrad: true)
        b = Parameter(name: layerName + ".lora_B.weight", rows: outFeatures, cols: rank, requiresGrad: true)
        dropoutGenerator = SeededGenerator(seed: seed ^ 0xD80F_0D80)
        var generator = SeededGenerator(seed: seed)
        switch initialization {
        case .peft:
            let bound = 1 / Float(inFeatures).squareRoot()
            a.matrix = generator.uniformMatrix(rows: rank, cols: inFeatures, low: -bound, high: bound)
        case .minimind:
            a.matrix = generator.normalMatrix(rows: rank, cols: inFeatures, std: 0.02)
        case .gaussian:
            a.matrix = generator.normalMatrix(rows: rank, cols: inFeatures, std: 1 / Float(rank))
        case .pissa:
            break // set by `LoRAAdapter.pissa` from the layer's weight
        }
    }

    public var inFeatures: Int { a.cols }
    public var outFeatures: Int { b.rows }
    public var parameterCount: Int { a.count + b.count }

    /// ΔW = s·B·A, formed (for tests and small matrices; analysis avoids it).
    public var delta: Matrix { scale * matmul(b.matrix, a.matrix) }

    private func reserve(rows: Int) {
        guard rows > capacityRows else { return }
        capacityRows = rows
        projected = FloatBuffer(count: rows * rank)
        projectedGradient = FloatBuffer(count: rows * rank)
        if dropout > 0 {
            droppedInput = FloatBuffer(count: rows * inFeatures)
            dropoutMask = FloatBuffer(count: rows * inFeatures)
        }
    }

    /// Adds `s · (drop(x) Aᵀ) Bᵀ` to `output`.
    func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Int, training: Bool) {
        reserve(rows: rows)
        var x = input
        droppedThisStep = training && dropout > 0
        if droppedThisStep {
            let keep = 1 / (1 - dropout)
            for i in 0..<(rows * inFeatures) {
                let m: Float = dropoutGenerator.uniform() < dropout ? 0 : keep
                dropoutMask[i] = m
                droppedInput[i] = input[i] * m
            }
            x = UnsafePointer(droppedInput.pointer)
        }
        BLAS.gemm(transposeA: false, transposeB: true, m: rows, n: rank, k: inFeatures,
                  a: x, lda: inFeatures, b: a.value.pointer, ldb: inFeatures, c: projected.pointer, ldc: rank)
        BLAS.gemm(transposeA: false, transposeB: true, m: rows, n: outFeatures, k: rank, alpha: scale,
                  a: projected.pointer, lda: rank, b: b.value.pointer, ldb: rank, beta: 1,
                  c: output, ldc: outFeatures)
    }

    /// Needs the `forward` of the same rows just before (it reuses x_d Aᵀ).
    func backward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                  inputGradient: UnsafeMutablePointer<Float>?, rows: Int) {
        let x = droppedThisStep ? UnsafePointer(droppedInput.pointer) : input
        // dB += s · dyᵀ (x_d Aᵀ)
        if let dB = b.gradient {
            BLAS.gemm(transposeA: true, transposeB: false, m: outFeatures, n: rank, k: rows, alpha: scale,
                      a: outputGradient, lda: outFeatures, b: projected.pointer, ldb: rank, beta: 1,
                      c: dB.pointer, ldc: rank)
        }
        // g = dy B  [rows, r]
        BLAS.gemm(transposeA: false, transposeB: false, m: rows, n: rank, k: outFeatures,
                  a: outputGradient, lda: outFeatures, b: b.value.pointer, ldb: rank,
                  c: projectedGradient.pointer, ldc: rank)
        // dA += s · gᵀ x_d
        if let dA = a.gradient {
            BLAS.gemm(transposeA: true, transposeB: false, m: rank, n: inFeatures, k: rows, alpha: scale,
                      a: projectedGradient.pointer, lda: rank, b: x, ldb: inFeatures, beta: 1,
                      c: dA.pointer, ldc: inFeatures)
        }
        guard let dx = inputGradient else { return }
        if droppedThisStep {
            // dx += s · (g A) ⊙ mask, staged in the dropped-input buffer (no longer needed).
            BLAS.gemm(transposeA: false, transposeB: false, m: rows, n: inFeatures, k: rank, alpha: scale,
                      a: projectedGradient.pointer, lda: rank, b: a.value.pointer, ldb: inFeatures,
                      c: droppedInput.pointer, ldc: inFeatures)
            for i in 0..<(rows * inFeatures) { dx[i] += droppedInput[i] * dropoutMask[i] }
        } else {
            BLAS.gemm(transposeA: false, transposeB: false, m: rows, n: inFeatures, k: rank, alpha: scale,
                      a: projectedGradient.pointer, lda: rank, b: a.value.pointer, ldb: inFeatures, beta: 1,
                      c: dx, ldc: inFeatures)
        }
    }

    public func copy() -> any LinearUpdate { copyAdapter() }

    public func copyAdapter() -> LoRAAdapter {
        let other = LoRAAdapter(layerName: String(a.name.dropLast(".lora_A.weight".count)),
                                inFeatures: inFeatures, outFeatures: outFeatures, rank: rank, alpha: alpha,
                                dropout: dropout, initialization: initialization, rsLoRA: rsLoRA, seed: 0)
        other.a.matrix = a.matrix
        other.b.matrix = b.matrix
        other.isMerged = isMerged
        other.dropoutGenerator = dropoutGenerator
        return other
    }
}

// MARK: - The LinearUpdate seam

extension LoRAAdapter {
    public var kind: LinearUpdateKind { .lora }
    public var ownTensors: [Parameter] { [a, b] }
    public var trainsBaseWeight: Bool { false }
    public var nominalRank: Int? { rank }

    public func forward(weight: Parameter, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        rows: Int, training: Bool) {
        forward(input: input, output: output, rows: rows, training: training)
    }

    public func gradientReachingBaseProduct(weight: Parameter, outputGradient: UnsafePointer<Float>,
                                            rows: Int) -> UnsafePointer<Float> {
        outputGradient
    }

    public func backward(weight: Parameter, input: UnsafePointer<Float>, baseProductGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, rows: Int) {
        backward(input: input, outputGradient: baseProductGradient, inputGradient: inputGradient, rows: rows)
    }

    public func merge(into weight: Parameter) {
        addDelta(to: weight, sign: 1)
        isMerged = true
    }

    public func unmerge(from weight: Parameter) {
        addDelta(to: weight, sign: -1)
        isMerged = false
    }

    public func stateRestorer() -> () -> Void {
        let merged = isMerged, generator = dropoutGenerator
        return { [self] in
            isMerged = merged
            dropoutGenerator = generator
        }
    }

    public func learnedDelta(weight: Parameter) -> LearnedDelta {
        let merged = isMerged
        return LearnedDelta(base: merged ? weight.matrix - self.delta : weight.matrix,
                            form: .lowRank(b: b.matrix, a: a.matrix, scale: scale))
    }

    public func flops(rows: Int, inFeatures: Int, outFeatures: Int) -> (forward: Double, backward: Double) {
        let low = 2 * Double(rows) * Double(rank * (inFeatures + outFeatures))
        return (low, 2 * low)
    }
}

import LinearAlgebra

/// How to build each adapter; the adapter itself only keeps what it needs.
public struct LoRAConfig: Sendable, Equatable {
    public var rank: Int
    public var alpha: Float
    public var dropout: Float
    public var initialization: LoRAInitialization
    public var rsLoRA: Bool
    /// DoRA instead of plain LoRA: a trainable magnitude per output row.
    public var dora: Bool

    public init(rank: Int = 8, alpha: Float? = nil, dropout: Float = 0,
                initialization: LoRAInitialization = .peft, rsLoRA: Bool = false, dora: Bool = false) {
        self.rank = rank
        self.alpha = alpha ?? Float(2 * rank)
        self.dropout = dropout
        self.initialization = initialization
        self.rsLoRA = rsLoRA
        self.dora = dora
    }

    /// The update kind this config attaches.
    public var kind: LinearUpdateKind { dora ? .dora : .lora }

    /// Trainable values this config adds to an `[out, in]` layer: A and B,
    /// plus DoRA's magnitude per output row.
    public func trainableParameters(inFeatures: Int, outFeatures: Int) -> Int {
        rank * (inFeatures + outFeatures) + (dora ? outFeatures : 0)
    }
}

public enum AdaptationError: Error, Equatable, CustomStringConvertible {
    case nothingSelected(String)
    case invalidRank(Int)
    case rankTooLarge(rank: Int, layer: String, limit: Int)
    case invalidDropout(Float)
    case doraWithDropout
    case alreadyAdapted(String)
    case noAdapters
    case merged
    case notMerged

    public var description: String {
        switch self {
        case .nothingSelected(let s): return "the selector '\(s)' matches no matrix of this model"
        case .invalidRank(let r): return "rank must be at least 1 (got \(r))"
        case .rankTooLarge(let r, let layer, let limit):
            return "rank \(r) exceeds min(out, in) = \(limit) of \(layer)"
        case .invalidDropout(let p): return "dropout must be in [0, 1) (got \(p))"
        case .doraWithDropout: return "dora=true supports dropout=0 only"
        case .alreadyAdapted(let name): return "\(name) already has an adapter (use `lora detach` first)"
        case .noAdapters: return "no adapters are attached"
        case .merged: return "adapters are merged into the weights (use `lora unmerge` first)"
        case .notMerged: return "adapters are not merged"
        }
    }
}

extension Model {
    /// Layers carrying an adapter (LoRA, DoRA), merged or not.
    public var adaptedLinears: [Linear] { linears.filter { $0.update?.kind.isAdapter == true } }
    /// Layers whose weight is fine-tuned in full.
    public var fullyTunedLinears: [Linear] { linears.filter { $0.update?.kind == .full } }
    /// Layers with any learned update.
    public var updatedLinears: [Linear] { linears.filter { $0.update != nil } }
    /// Whether some adapter is merged into its weight.
    public var hasMergedAdapters: Bool { adaptedLinears.contains { $0.update!.isMerged } }

    /// Attaches a fresh adapter to every selected layer and freezes the base.
    /// Checks everything first: on error nothing has changed.
    @discardableResult
    public func attachLoRA(_ selector: TargetSelector, config: LoRAConfig, seed: UInt64) throws(AdaptationError) -> [Linear] {
        let targets = selectedLinears(selector)
        if targets.isEmpty { throw .nothingSelected(selector.description) }
        if config.rank < 1 { throw .invalidRank(config.rank) }
        if !(config.dropout >= 0 && config.dropout < 1) { throw .invalidDropout(config.dropout) }
        if config.dora && config.dropout > 0 { throw .doraWithDropout }
        for linear in targets {
            if linear.update?.kind.isAdapter == true { throw .alreadyAdapted(linear.name) }
            // B·A cannot have a higher rank than min(out, in): a larger r only costs memory.
            let limit = min(linear.inFeatures, linear.outFeatures)
            if config.rank > limit { throw .rankTooLarge(rank: config.rank, layer: linear.name, limit: limit) }
        }
        if hasMergedAdapters { throw .merged }
        setBaseTrainable(false)
        for (i, linear) in targets.enumerated() {
            let seed = seed &+ UInt64(i) &* 0x9E37_79B9
            switch config.kind {
            case .dora:
                linear.update = DoRAAdapter(layerName: linear.name, weight: linear.weight, rank: config.rank,
                                            alpha: config.alpha, initialization: config.initialization,
                                            rsLoRA: config.rsLoRA, seed: seed)
            case .lora, .full:
                let adapter = LoRAAdapter(layerName: linear.name, inFeatures: linear.inFeatures,
                                          outFeatures: linear.outFeatures, rank: config.rank, alpha: config.alpha,
                                          dropout: config.dropout, initialization: config.initialization,
                                          rsLoRA: config.rsLoRA, seed: seed)
                if config.initialization == .pissa { adapter.initializeFromPrincipalComponents(of: linear.weight) }
                linear.update = adapter
            }
        }
        return targets
    }

    /// Folds every adapter into its weight; the adapters stay, marked merged.
    public func mergeAdapters() throws(AdaptationError) {
        let adapted = adaptedLinears
        if adapted.isEmpty { throw .noAdapters }
        if hasMergedAdapters { throw .merged }
        for linear in adapted { linear.update!.merge(into: linear.weight) }
    }

    /// Undoes `mergeAdapters`.
    public func unmergeAdapters() throws(AdaptationError) {
        let adapted = adaptedLinears
        if adapted.isEmpty { throw .noAdapters }
        if !hasMergedAdapters { throw .notMerged }
        for linear in adapted where linear.update!.isMerged { linear.update!.unmerge(from: linear.weight) }
    }

    /// Removes every adapter. Merged updates stay in the weights (PEFT's
    /// merge-and-unload); unmerged ones are discarded.
    public func detachAdapters() throws(AdaptationError) {
        let adapted = adaptedLinears
        if adapted.isEmpty { throw .noAdapters }
        for linear in adapted { linear.update = nil }
    }

    /// Makes the selected weights trainable in full (no low-rank constraint),
    /// freezing everything else and remembering W₀ for ΔW = W − W₀.
    @discardableResult
    public func beginFullFineTuning(_ selector: TargetSelector) throws(AdaptationError) -> [Linear] {
        let targets = selectedLinears(selector)
        if targets.isEmpty { throw .nothingSelected(selector.description) }
        if let adapted = targets.first(where: { $0.update?.kind.isAdapter == true }) { throw .alreadyAdapted(adapted.name) }
        setBaseTrainable(false)
        for linear in targets {
            linear.weight.requiresGrad = true
            if linear.update == nil { linear.update = FullFineTuning(reference: linear.weight.matrix) }
        }
        return targets
    }

    /// Stops full fine-tuning: weights keep their values, W₀ is forgotten.
    public func endFullFineTuning() {
        for linear in linears {
            linear.weight.requiresGrad = false
            if linear.update?.kind == .full { linear.update = nil }
        }
    }
}

extension LoRAAdapter {
    /// W += sign · s·B·A.
    func addDelta(to weight: Parameter, sign: Float) {
        weight.modifyValues { w in
            BLAS.gemm(transposeA: false, transposeB: false, m: outFeatures, n: inFeatures, k: rank,
                      alpha: sign * scale, a: b.value.pointer, lda: rank, b: a.value.pointer, ldb: inFeatures,
                      beta: 1, c: w.baseAddress!, ldc: inFeatures)
        }
    }

    /// PiSSA (Meng et al. 2024): with W = U S Vᵀ, B = U_r √S_r / √s and
    /// A = √S_r V_rᵀ / √s, so that s·B·A is W's top-r part, and W becomes the
    /// residual W − s·B·A: the layer's output is unchanged at step 0.
    func initializeFromPrincipalComponents(of weight: Parameter) {
        let w = weight.matrix
        guard let svd = try? SingularValueDecomposition(of: w) else { return }
        var newA = Matrix(rows: rank, cols: inFeatures), newB = Matrix(rows: outFeatures, cols: rank)
        let inverseRootScale = 1 / scale.squareRoot()
        for i in 0..<rank {
            let root = svd.singularValues[i].squareRoot() * inverseRootScale
            for c in 0..<inFeatures { newA[i, c] = root * svd.vt[i, c] }
            for r in 0..<outFeatures { newB[r, i] = root * svd.u[r, i] }
        }
        a.matrix = newA
        b.matrix = newB
        addDelta(to: weight, sign: -1)
    }
}

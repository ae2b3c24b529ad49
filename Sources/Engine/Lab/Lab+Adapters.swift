import MiniMind

/// `lora`: where, how large, how initialised.
struct LoRAOptions {
    var targets: [String]
    var layers: ClosedRange<Int>?
    var config: LoRAConfig
    /// List what would be adapted, attach nothing.
    var dry: Bool
    /// Where targets=, rank= and dropout= were written (the verb when they were not), and the verb.
    var targetsLocation: SourceLocation
    var rankLocation: SourceLocation
    var dropoutLocation: SourceLocation
    var verbLocation: SourceLocation
}

struct AttachResult {
    var attached: [Linear]
    var config: LoRAConfig
    var parameters: Int
    var scale: Float
    var modelParameters: Int
}

/// What `lora … dry=true` would do, matrix by matrix.
struct AdaptationPlan {
    struct Entry {
        var linear: Linear
        var selected: Bool
        /// The model's reason (`k_proj 64×128: not square`).
        var reason: String
        var parameters: Int
    }
    var selector: TargetSelector
    var config: LoRAConfig
    var entries: [Entry]
    var matrixCount: Int
    var modelParameters: Int

    var total: Int { entries.reduce(0) { $0 + $1.parameters } }
    var selectedCount: Int { entries.filter(\.selected).count }
}

/// What `show lora` lists.
struct AdapterListing {
    var adapted: [Linear]
    var modelParameters: Int
    var adaptation: String?
}

extension Lab {
    /// The plan of `options` without attaching anything.
    func planAdaptation(_ options: LoRAOptions) throws(CommandFailure) -> AdaptationPlan {
        let model = try requireModel().model
        let selector = try SelectorParsing.selector(options.targets, layers: options.layers, model: model, at: options.targetsLocation)
        let config = options.config
        let entries = model.select(selector).map { decision in
            let linear = decision.linear
            return AdaptationPlan.Entry(linear: linear, selected: decision.selected, reason: decision.reason,
                                        parameters: decision.selected
                                            ? config.trainableParameters(inFeatures: linear.inFeatures, outFeatures: linear.outFeatures) : 0)
        }
        return AdaptationPlan(selector: selector, config: config, entries: entries, matrixCount: model.linears.count,
                              modelParameters: model.parameterCount)
    }

    mutating func attach(_ options: LoRAOptions) throws(CommandFailure) -> AttachResult {
        var lab = try requireModel()
        let model = lab.model
        let selector = try SelectorParsing.selector(options.targets, layers: options.layers, model: model, at: options.targetsLocation)
        guard model.fullyTunedLinears.isEmpty else {
            throw CommandFailure(.command, "the model is being fully fine-tuned (`finetune`); start from a fresh `model` or `run load` a saved run before attaching LoRA",
                                 at: options.verbLocation)
        }
        if model.selectedLinears(selector).isEmpty {
            throw CommandFailure(.command, "targets=\(selector.description) selects no matrix of this model"
                                 + (selector.terms.contains(.square) ? " (no matrix is square)" : ""),
                                 at: options.targetsLocation)
        }
        // A and B (and DoRA's magnitude and W + sBA), each trainable value with its gradient.
        let config = options.config
        let adapterFloats = model.selectedLinears(selector).reduce(0) { total, linear in
            total + 2 * config.trainableParameters(inFeatures: linear.inFeatures, outFeatures: linear.outFeatures)
                + (config.dora ? linear.inFeatures * linear.outFeatures : 0)
        }
        try MemoryBudget.live.check(MemoryEstimate(weights: adapterFloats * MemoryLayout<Float>.size), for: "these adapters",
                                    at: options.verbLocation)
        let wasUnadapted = model.updatedLinears.isEmpty
        let attached: [Linear]
        do {
            attached = try model.attachLoRA(selector, config: options.config, seed: state.seed)
        } catch {
            // Point at the parameter the model refused, when there is one.
            switch error {
            case .invalidRank, .rankTooLarge:
                throw CommandFailure(.argument, error.description, at: options.rankLocation)
            case .invalidDropout, .doraWithDropout:
                throw CommandFailure(.argument, error.description, at: options.dropoutLocation)
            default:
                throw CommandFailure(.command, error.description, at: options.verbLocation)
            }
        }
        let description = "targets=\(selector.description) rank=\(options.config.rank)"
        lab.adaptation = [lab.adaptation, description].compactMap { $0 }.joined(separator: " + ")
        lab.forgetOptimizer()
        lab.recipe = wasUnadapted && options.layers == nil
            ? AdaptationRecipe(targets: options.targets, selector: selector, method: .lora, lora: options.config, seed: state.seed) : nil
        state.lab = lab
        return AttachResult(attached: attached, config: options.config,
                            parameters: attached.reduce(0) { $0 + ($1.update?.parameterCount ?? 0) },
                            scale: (attached.first?.update as? any LowRankFactors)?.scale ?? 0,
                            modelParameters: model.parameterCount)
    }

    /// Folds every adapter into its weight (W += s·BA; DoRA: W = m·(W + sBA)/‖W + sBA‖ per row).
    func mergeAdapters() throws(CommandFailure) -> MergeResult {
        let lab = try requireModel()
        try Self.adapt { () throws(AdaptationError) in try lab.model.mergeAdapters() }
        return MergeResult(lab.model)
    }

    /// Takes every merged adapter back out of its weight.
    func unmergeAdapters() throws(CommandFailure) -> MergeResult {
        let lab = try requireModel()
        try Self.adapt { () throws(AdaptationError) in try lab.model.unmergeAdapters() }
        return MergeResult(lab.model)
    }

    /// Removes the adapters; returns how many there were.
    mutating func detachAdapters() throws(CommandFailure) -> Int {
        var lab = try requireModel()
        let count = lab.model.adaptedLinears.count
        try Self.adapt { () throws(AdaptationError) in try lab.model.detachAdapters() }
        lab.adaptation = nil
        lab.recipe = nil
        lab.forgetOptimizer()
        state.lab = lab
        return count
    }

    func adapters() throws(CommandFailure) -> AdapterListing {
        let lab = try requireModel()
        let adapted = lab.model.adaptedLinears
        guard !adapted.isEmpty else {
            throw CommandFailure(.command, "no adapters attached (attach some with `lora targets=square rank=8`)")
        }
        return AdapterListing(adapted: adapted, modelParameters: lab.model.parameterCount, adaptation: lab.adaptation)
    }

    private static func adapt(_ body: () throws(AdaptationError) -> Void) throws(CommandFailure) {
        do {
            try body()
        } catch {
            throw CommandFailure(.command, error.description)
        }
    }
}

/// How many adapters a merge or unmerge touched, and how many of them are DoRA (whose merge is not W += s·BA).
struct MergeResult {
    var adapters: Int
    var dora: Int

    init(_ model: Model) {
        adapters = model.adaptedLinears.count
        dora = model.adaptedLinears.filter { $0.update?.kind == .dora }.count
    }
}

import Foundation
import MiniMind

/// lora, lora merge | unmerge | detach, show lora.
enum LoRACommands {
    static let initializations = LoRAInitialization.allCases.map(\.rawValue)

    static let specs: [CommandSpec] = [
        CommandSpec("lora", area: .lora, summary: "attach LoRA adapters to the selected matrices",
                    parameters: [
                        ParameterSpec("targets", .targets, default: .word("square"), "which matrices (see below)"),
                        ParameterSpec("rank", .integer(minimum: 1), default: .integer(8), "rank r of each adapter"),
                        ParameterSpec("alpha", .number(minimum: 0, maximum: nil), "scale numerator: s = alpha/r (default 2·rank, so s = 2; minimind init fixes s = 1)"),
                        ParameterSpec("layers", .layers, "only these blocks, e.g. 0-1 (default: all)"),
                        ParameterSpec("init", .choice(initializations), default: .word("peft"), "A/B initialisation"),
                        ParameterSpec("rslora", .boolean, default: .boolean(false), "scale alpha/sqrt(r) instead of alpha/r"),
                        ParameterSpec("dropout", .number(minimum: 0, maximum: 0.99), default: .number(0), "dropout on the adapter input while training"),
                        ParameterSpec("dora", .boolean, default: .boolean(false), "DoRA: a trainable magnitude per output row times the direction of W + s·BA"),
                        ParameterSpec("dry", .boolean, default: .boolean(false), "list what would be adapted, attach nothing"),
                    ],
                    details: """
                    Selectors:
                      square       MiniMind's rule: every matrix with in == out
                      attn         q,k,v,o          ffn   gate,up,down
                      all-linear   every block linear layer (not embeddings, not lm_head)
                      q,v          short names q k v o gate up down, or q_proj, k_proj, ...
                      *.q_proj     globs over full names; full names like model.layers.0.mlp.up_proj
                    The base weights are frozen; only A and B train. Init: peft (kaiming A,
                    zero B), minimind (A ~ N(0,0.02), B = 0, s = 1), gaussian, pissa (top-r
                    singular triplets of W, W replaced by its residual).
                    dora=true (Liu et al. 2024, PEFT's use_dora): W' = m ⊙ (W + s·BA) / ‖W + s·BA‖
                    per output row, m starting at ‖W‖ and trainable; its ΔW = W' − W is full
                    rank, so svd/spectrum decompose it in full. dropout must be 0 with dora.
                    """,
                    examples: ["lora targets=square rank=8", "lora targets=q,v rank=4 alpha=8", "lora targets=attn rank=8",
                               "lora targets=all-linear rank=8",
                               "lora targets=q,v layers=0-1 rank=4 init=pissa rslora=true dropout=0.05",
                               "lora targets=square dry=true", "lora targets=q,v rank=4 dora=true"],
                    handler: attach),
        CommandSpec("lora", "merge", area: .lora, summary: "fold the adapters into the weights: W += s·BA",
                    handler: { _, state, _ in
                        let lab = try state.requireLab()
                        try adapt { () throws(AdaptationError) in try lab.model.mergeAdapters() }
                        return MimeBundle(plain: "merged \(lab.model.adaptedLinears.count) adapters into their weights (W += s·BA)")
                    }),
        CommandSpec("lora", "unmerge", area: .lora, summary: "take merged adapters back out of the weights",
                    handler: { _, state, _ in
                        let lab = try state.requireLab()
                        try adapt { () throws(AdaptationError) in try lab.model.unmergeAdapters() }
                        return MimeBundle(plain: "unmerged \(lab.model.adaptedLinears.count) adapters (W −= s·BA)")
                    }),
        CommandSpec("lora", "detach", area: .lora, summary: "remove the adapters (merged updates stay in the weights, unmerged ones are dropped)",
                    handler: { _, state, _ in
                        var lab = try state.requireLab()
                        let count = lab.model.adaptedLinears.count
                        try adapt { () throws(AdaptationError) in try lab.model.detachAdapters() }
                        lab.adaptation = nil
                        lab.forgetOptimizer()
                        state.lab = lab
                        return MimeBundle(plain: "detached \(count) adapters")
                    }),
        CommandSpec("show", "lora", area: .lora, summary: "adapters: matrix, shape, rank, scale, params, % of model",
                    handler: { _, state, _ in try showAdapters(state.requireLab()) }),
    ]

    private static func attach(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        var lab = try state.requireLab()
        let model = lab.model
        let selector = try SelectorParsing.selector(try invocation.requiredTexts("targets"), layers: invocation.range("layers"),
                                                    model: model, at: invocation.location(of: "targets"))
        let rank = try invocation.requiredInteger("rank")
        let config = LoRAConfig(rank: rank, alpha: invocation.number("alpha").map { Float($0) },
                                dropout: Float(try invocation.requiredNumber("dropout")),
                                initialization: LoRAInitialization(rawValue: try invocation.requiredText("init")) ?? .peft,
                                rsLoRA: try invocation.requiredBoolean("rslora"), dora: try invocation.requiredBoolean("dora"))
        if invocation.boolean("dry") == true {
            return dryRun(selector, config: config, model: model)
        }
        guard model.fullyTunedLinears.isEmpty else {
            throw CommandFailure(.command, "the model is being fully fine-tuned (`finetune`); start from a fresh `model` or `run load` a saved run before attaching LoRA",
                                 at: invocation.verbLocation)
        }
        let selected = model.selectedLinears(selector)
        if selected.isEmpty {
            throw CommandFailure(.command, "targets=\(selector.description) selects no matrix of this model"
                                 + (selector.terms.contains(.square) ? " (no matrix is square)" : ""),
                                 at: invocation.location(of: "targets"))
        }
        let attached: [Linear]
        do {
            attached = try model.attachLoRA(selector, config: config, seed: state.seed)
        } catch {
            // Point at the parameter the model refused, when there is one.
            switch error {
            case .invalidRank, .rankTooLarge:
                throw CommandFailure(.argument, error.description, at: invocation.location(of: "rank"))
            case .invalidDropout, .doraWithDropout:
                throw CommandFailure(.argument, error.description, at: invocation.location(of: "dropout"))
            default:
                throw CommandFailure(.command, error.description, at: invocation.verbLocation)
            }
        }
        let description = "targets=\(selector.description) rank=\(rank)"
        lab.adaptation = [lab.adaptation, description].compactMap { $0 }.joined(separator: " + ")
        lab.forgetOptimizer()
        state.lab = lab
        let adapterParameters = attached.reduce(0) { $0 + ($1.update?.parameterCount ?? 0) }
        let scale = (attached.first?.update as? any LowRankFactors)?.scale ?? 0
        let summary = "attached \(attached.count) \(config.dora ? "DoRA " : "")adapters (\(UpdateDescriptions.kindsSummary(attached))), rank \(rank), scale \(Double(scale).formatted): "
            + "\(adapterParameters.grouped) trainable parameters = \(UpdateDescriptions.percent(adapterParameters, of: model.parameterCount)) of the model"
        return MimeBundle(plain: summary)
    }

    private static func dryRun(_ selector: TargetSelector, config: LoRAConfig, model: Model) -> MimeBundle {
        var table = ResultTable(["matrix", "shape", "square?", "adapt?", "why", "params"], numericColumns: [5])
        var total = 0
        var count = 0
        for decision in model.select(selector) {
            let linear = decision.linear
            let parameters = decision.selected
                ? config.rank * (linear.inFeatures + linear.outFeatures) + (config.dora ? linear.outFeatures : 0) : 0
            total += parameters
            count += decision.selected ? 1 : 0
            table.append([MatrixNames.short(linear), MatrixNames.shape(linear), linear.isSquare ? "yes" : "no",
                          decision.selected ? "yes" : "no", decision.reason.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? decision.reason, decision.selected ? parameters.grouped : ""])
        }
        table.footer = "dry run: targets=\(selector.description) rank=\(config.rank) would adapt \(count) of \(model.linears.count) matrices, "
            + "\(total.grouped) trainable parameters (\(UpdateDescriptions.percent(total, of: model.parameterCount)) of the model); nothing attached"
        return table.bundle
    }

    static func showAdapters(_ lab: ModelLab) throws(CommandFailure) -> MimeBundle {
        let model = lab.model
        let adapted = model.adaptedLinears
        guard !adapted.isEmpty else {
            throw CommandFailure(.command, "no adapters attached (attach some with `lora targets=square rank=8`)")
        }
        var table = ResultTable(["matrix", "shape", "rank", "alpha", "scale", "init", "params", "% of model", "merged"],
                                numericColumns: [2, 3, 4, 6, 7])
        var total = 0
        for linear in adapted {
            guard let adapter = linear.update as? any LowRankFactors else { continue }
            total += adapter.parameterCount
            table.append([MatrixNames.short(linear), MatrixNames.shape(linear), String(adapter.rank),
                          Double(adapter.alpha).formatted, Double(adapter.scale).formatted,
                          UpdateDescriptions.initialization(adapter),
                          adapter.parameterCount.grouped, UpdateDescriptions.percent(adapter.parameterCount, of: model.parameterCount),
                          adapter.isMerged ? "yes" : "no"])
        }
        table.footer = "\(adapted.count) adapters, \(total.grouped) parameters = \(UpdateDescriptions.percent(total, of: model.parameterCount)) of \(model.parameterCount.grouped)"
            + (lab.adaptation.map { " (\($0))" } ?? "")
        return table.bundle
    }

    private static func adapt(_ body: () throws(AdaptationError) -> Void) throws(CommandFailure) {
        do {
            try body()
        } catch {
            throw CommandFailure(.command, error.description)
        }
    }
}

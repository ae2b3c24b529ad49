import Foundation
import MiniMind

/// lora, lora merge | unmerge | detach, show lora: bind → Lab → AdapterReports.
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
                    handler: { _, state, context in
                        AdapterReports.merged(try Lab(state: state, cancellation: context.cancellation).mergeAdapters())
                    }),
        CommandSpec("lora", "unmerge", area: .lora, summary: "take merged adapters back out of the weights",
                    handler: { _, state, context in
                        AdapterReports.unmerged(try Lab(state: state, cancellation: context.cancellation).unmergeAdapters())
                    }),
        CommandSpec("lora", "detach", area: .lora, summary: "remove the adapters (merged updates stay in the weights, unmerged ones are dropped)",
                    handler: { _, state, context in
                        var lab = Lab(state: state, cancellation: context.cancellation)
                        let count = try lab.detachAdapters()
                        state = lab.state
                        return MimeBundle(plain: "detached \(count) adapters")
                    }),
        CommandSpec("show", "lora", area: .lora, summary: "adapters: matrix, shape, rank, scale, params, % of model",
                    handler: { _, state, context in
                        AdapterReports.listing(try Lab(state: state, cancellation: context.cancellation).adapters())
                    }),
    ]

    private static func attach(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let options = try bind(invocation)
        var lab = Lab(state: state, cancellation: context.cancellation)
        if options.dry {
            return AdapterReports.plan(try lab.planAdaptation(options))
        }
        let result = try lab.attach(options)
        state = lab.state
        return AdapterReports.attached(result)
    }

    // MARK: Binding

    private static func bind(_ invocation: Invocation) throws(CommandFailure) -> LoRAOptions {
        // The spec's choice admits only these words, so a miss is a bug in the spec.
        guard let initialization = LoRAInitialization(rawValue: try invocation.requiredText("init")) else {
            throw CommandFailure(.command, "internal error: init is not one of \(initializations.joined(separator: ", "))", at: invocation.location(of: "init"))
        }
        let config = LoRAConfig(rank: try invocation.requiredInteger("rank"), alpha: invocation.number("alpha").map { Float($0) },
                                dropout: Float(try invocation.requiredNumber("dropout")),
                                initialization: initialization,
                                rsLoRA: try invocation.requiredBoolean("rslora"), dora: try invocation.requiredBoolean("dora"))
        return LoRAOptions(targets: try invocation.requiredTexts("targets"), layers: invocation.range("layers"), config: config,
                           dry: try invocation.requiredBoolean("dry"),
                           targetsLocation: invocation.location(of: "targets"), rankLocation: invocation.location(of: "rank"),
                           dropoutLocation: invocation.location(of: "dropout"), verbLocation: invocation.verbLocation)
    }
}

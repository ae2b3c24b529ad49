/// lora, lora merge | unmerge | detach, show lora.
enum LoRACommands {
    static let initializations = ["peft", "minimind", "gaussian", "pissa"]

    static let specs: [CommandSpec] = [
        CommandSpec("lora", area: .lora, summary: "attach LoRA adapters to the selected matrices",
                    parameters: [
                        ParameterSpec("targets", .targets, default: .word("square"), "which matrices (see below)"),
                        ParameterSpec("rank", .integer(minimum: 1), default: .integer(8), "rank r of each adapter"),
                        ParameterSpec("alpha", .number(minimum: 0, maximum: nil), "scale numerator: s = alpha/r (default: alpha = r, or 1/r·r for minimind init)"),
                        ParameterSpec("layers", .layers, "only these blocks, e.g. 0-1 (default: all)"),
                        ParameterSpec("init", .choice(initializations), default: .word("peft"), "A/B initialisation"),
                        ParameterSpec("rslora", .boolean, default: .boolean(false), "scale alpha/sqrt(r) instead of alpha/r"),
                        ParameterSpec("dropout", .number(minimum: 0, maximum: 0.99), default: .number(0), "dropout on the adapter input while training"),
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
                    """,
                    examples: ["lora targets=square rank=8", "lora targets=q,v rank=4 alpha=8", "lora targets=attn rank=8",
                               "lora targets=all-linear rank=8",
                               "lora targets=q,v layers=0-1 rank=4 init=pissa rslora=true dropout=0.05",
                               "lora targets=square dry=true"],
                    handler: unavailable("MiniMind")),
        CommandSpec("lora", "merge", area: .lora, summary: "fold the adapters into the weights: W += s·BA",
                    handler: unavailable("MiniMind")),
        CommandSpec("lora", "unmerge", area: .lora, summary: "take merged adapters back out of the weights",
                    handler: unavailable("MiniMind")),
        CommandSpec("lora", "detach", area: .lora, summary: "remove the adapters (unmerged updates are lost)",
                    handler: unavailable("MiniMind")),
        CommandSpec("show", "lora", area: .lora, summary: "adapters: matrix, shape, rank, scale, params, % of model",
                    handler: unavailable("MiniMind")),
    ]
}

import MiniMind

/// model, show model: bind → Lab → ModelReports.
enum ModelCommands {
    static let presetNames = ModelConfig.presetNames

    static let specs: [CommandSpec] = [
        CommandSpec("model", area: .model, summary: "build a fresh base model from a preset",
                    positionals: [PositionalSpec("preset", .preset, "tiny, minimind2-small or minimind3")],
                    parameters: [
                        ParameterSpec("seed", .integer(minimum: 0), "initialisation seed (default: the session seed)"),
                        ParameterSpec("dim", .integer(minimum: 1), "hidden size"),
                        ParameterSpec("layers", .integer(minimum: 1), "number of transformer blocks"),
                        ParameterSpec("heads", .integer(minimum: 1), "attention (query) heads"),
                        ParameterSpec("kv_heads", .integer(minimum: 1), "key/value heads (grouped-query attention)"),
                        ParameterSpec("ffn", .integer(minimum: 1), "feed-forward inner size"),
                        ParameterSpec("seq", .integer(minimum: 2), "context length"),
                        ParameterSpec("qk_norm", .boolean, "RMSNorm on q and k per head (minimind3)"),
                        ParameterSpec("rope_theta", .number(minimum: 2, maximum: nil), "rotary base θ (default 1e6, as MiniMind)"),
                    ],
                    details: """
                    Replaces the session's model (and drops its adapters, optimizer and
                    loss history; data and saved runs stay). Overrides change the preset's
                    shape: heads must divide dim, kv_heads must divide heads, dim/heads even.
                      preset           dim layers heads/kv  ffn   vocab
                      tiny             128   4     4/2     384   259 (bytes)
                      minimind2-small  512   8     8/2    1408   6400
                      minimind3        768   8     8/4    2432   6400 (qk-norm)
                    With kv_heads < heads, k_proj and v_proj are not square; with
                    kv_heads = heads they are, and MiniMind's square rule adapts them too.
                    """,
                    examples: ["model tiny", "model minimind3 seed=7", "model tiny dim=64 layers=2 heads=4 kv_heads=4 ffn=192 seq=64"],
                    handler: build),
        CommandSpec("show", "model", area: .model, summary: "every weight matrix: name, shape, square?, params, trainable",
                    handler: { _, state, context in
                        ModelReports.listing(try Lab(state: state, cancellation: context.cancellation).modelListing())
                    }),
    ]

    private static func build(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let options = try bind(invocation)
        var lab = Lab(state: state, cancellation: context.cancellation)
        let built = try lab.buildModel(options)
        state = lab.state
        return ModelReports.built(built)
    }

    // MARK: Binding

    /// The shape overrides, in the order `origin` names them.
    private static let overrides = ["dim", "layers", "heads", "kv_heads", "ffn", "seq"]

    private static func bind(_ invocation: Invocation) throws(CommandFailure) -> ModelOptions {
        let written = (overrides + ["qk_norm", "rope_theta", "seed"]).filter(invocation.isWritten)
            .map { name in
                let value = invocation.integer(name).map(String.init) ?? invocation.boolean(name).map(String.init)
                    ?? invocation.number(name).map { String($0) } ?? ""
                return "\(name)=\(value)"
            }
        return ModelOptions(preset: try invocation.requiredText("preset"), presetLocation: invocation.location(of: "preset"),
                            dim: invocation.integer("dim"), layers: invocation.integer("layers"), heads: invocation.integer("heads"),
                            kvHeads: invocation.integer("kv_heads"), ffn: invocation.integer("ffn"), seq: invocation.integer("seq"),
                            qkNorm: invocation.boolean("qk_norm"), ropeTheta: invocation.number("rope_theta"),
                            seed: invocation.integer("seed").map(UInt64.init), writtenSettings: written,
                            shapeLocation: overrides.first(where: invocation.isWritten).map(invocation.location(of:)) ?? invocation.verbLocation)
    }
}

/// model, show model.
enum ModelCommands {
    static let presetNames = ["tiny", "minimind2-small", "minimind3"]

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
                    ],
                    details: """
                    Replaces the session's model (and drops its adapters, optimizer and
                    training history; saved runs stay). Overrides change the preset's shape:
                    heads must divide dim and kv_heads must divide heads.
                      preset           dim layers heads/kv  ffn   vocab
                      tiny             128   4     4/2     384   259 (bytes)
                      minimind2-small  512   8     8/2    1408   6400
                      minimind3        768   8     8/4    2432   6400 (qk-norm)
                    With kv_heads < heads, k_proj and v_proj are not square.
                    """,
                    examples: ["model tiny", "model minimind3 seed=7", "model tiny dim=64 layers=2 heads=4 kv_heads=4 ffn=192 seq=64"],
                    handler: unavailable("MiniMind")),
        CommandSpec("show", "model", area: .model, summary: "every weight matrix: name, shape, square?, params, trainable",
                    handler: unavailable("MiniMind")),
    ]
}

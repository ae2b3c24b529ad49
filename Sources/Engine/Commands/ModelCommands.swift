import MiniMind

/// model, show model.
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
                    handler: { _, state, _ in try showModel(state.requireLab()) }),
    ]

    private static func build(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let preset = try invocation.requiredText("preset")
        guard var config = ModelConfig.preset(preset) else {
            throw CommandFailure(.name, "unknown preset '\(preset)'", at: invocation.location(of: "preset"))
        }
        let overrides = ["dim", "layers", "heads", "kv_heads", "ffn", "seq"]
        if let dim = invocation.integer("dim") { config.dim = dim }
        if let layers = invocation.integer("layers") { config.layers = layers }
        if let heads = invocation.integer("heads") {
            config.heads = heads
            // A smaller head count than the preset's kv heads would never divide; follow it.
            if invocation.integer("kv_heads") == nil, config.kvHeads > heads { config.kvHeads = heads }
        }
        if let kvHeads = invocation.integer("kv_heads") { config.kvHeads = kvHeads }
        if let ffn = invocation.integer("ffn") { config.ffn = ffn }
        if let seq = invocation.integer("seq") { config.maxSeq = seq }
        if let qkNorm = invocation.boolean("qk_norm") { config.qkNorm = qkNorm }
        if let theta = invocation.number("rope_theta") { config.ropeTheta = Float(theta) }
        if let problem = config.validationError {
            let place = overrides.first(where: invocation.isWritten).map(invocation.location(of:)) ?? invocation.verbLocation
            throw CommandFailure(.argument, "cannot build this model: \(problem)", at: place)
        }
        // Keep a typo (dim=76800) from exhausting memory before anything is built.
        if config.parameterCount > 300_000_000 || config.maxSeq > 8192 {
            let place = overrides.first(where: invocation.isWritten).map(invocation.location(of:)) ?? invocation.verbLocation
            throw CommandFailure(.argument, "this model would be too large for LoRA Lab (\(config.parameterCount.grouped) parameters, context \(config.maxSeq); limits 300,000,000 and 8,192)", at: place)
        }
        let seed = invocation.integer("seed").map(UInt64.init) ?? state.seed
        let model = Model(config: config, seed: seed)
        let written = (overrides + ["qk_norm", "rope_theta", "seed"]).filter(invocation.isWritten)
            .map { name in
                let value = invocation.integer(name).map(String.init) ?? invocation.boolean(name).map(String.init)
                    ?? invocation.number(name).map { String($0) } ?? ""
                return "\(name)=\(value)"
            }
        state.lab = ModelLab(model: model, origin: ([preset] + written).joined(separator: " "))
        let square = Set(model.linears.filter(\.isSquare).map { MatrixNames.short($0).split(separator: ".").last.map(String.init) ?? "" })
        let kinds = ["q", "k", "v", "o", "gate", "up", "down"]
        let squareKinds = kinds.filter(square.contains)
        return MimeBundle(plain: """
            model \(preset): \(config.description)
            \(model.parameterCount.grouped) parameters, \(model.linears.count) block matrices; \
            square (MiniMind's LoRA rule): \(squareKinds.isEmpty ? "none" : squareKinds.joined(separator: ","))
            """)
    }

    static func showModel(_ lab: ModelLab) -> MimeBundle {
        let model = lab.model
        var table = ResultTable(["name", "shape", "square?", "params", "trainable"], numericColumns: [3])
        let linearsByWeight = Dictionary(model.linears.map { ($0.weight.name, $0) }, uniquingKeysWith: { first, _ in first })
        for parameter in model.allParameters {
            let shape = parameter.rows == 1 ? "\(parameter.cols)" : "\(parameter.rows)×\(parameter.cols)"
            let square: String
            if parameter.rows == 1 {
                square = "—"
            } else {
                square = parameter.rows == parameter.cols ? "yes" : "no"
            }
            var trainable = parameter.requiresGrad ? "yes" : "no"
            if let update = linearsByWeight[parameter.name]?.update {
                trainable += UpdateDescriptions.trainableTag(update.kind)
            }
            table.append([parameter.name, shape, square, parameter.count.grouped, trainable])
        }
        let adapterCount = model.allParameters.count - model.parameters.count
        table.footer = "\(model.parameterCount.grouped) base parameters"
            + (adapterCount > 0 ? " + \((model.allParameters.dropFirst(model.parameters.count).reduce(0) { $0 + $1.count }).grouped) adapter parameters" : "")
            + "; \(model.trainableParameterCount.grouped) trainable. lm_head is tied to model.embed_tokens."
        return table.bundle
    }
}


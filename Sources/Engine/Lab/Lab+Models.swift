import MiniMind

/// `model PRESET …`: the preset and the shape it is changed to.
struct ModelOptions {
    var preset: String
    var presetLocation: SourceLocation
    var dim: Int?
    var layers: Int?
    var heads: Int?
    var kvHeads: Int?
    var ffn: Int?
    var seq: Int?
    var qkNorm: Bool?
    var ropeTheta: Double?
    /// nil: the session seed.
    var seed: UInt64?
    /// The settings as written, in the order `origin` names them (`dim=64`).
    var writtenSettings: [String]
    /// Where a wrong shape is reported: the first override written, else the verb.
    var shapeLocation: SourceLocation
}

struct BuiltModel {
    var preset: String
    var config: ModelConfig
    var model: Model
    /// Matrix kinds with in == out (MiniMind's LoRA rule), in block order.
    var squareKinds: [String]
}

/// What `show model` lists.
struct ModelListing {
    var model: Model
}

extension Lab {
    /// Replaces the session's model by a fresh one (data and saved runs stay).
    mutating func buildModel(_ options: ModelOptions) throws(CommandFailure) -> BuiltModel {
        guard var config = ModelConfig.preset(options.preset) else {
            throw CommandFailure(.name, "unknown preset '\(options.preset)'", at: options.presetLocation)
        }
        if let dim = options.dim { config.dim = dim }
        if let layers = options.layers { config.layers = layers }
        if let heads = options.heads {
            config.heads = heads
            // A smaller head count than the preset's kv heads would never divide; follow it.
            if options.kvHeads == nil, config.kvHeads > heads { config.kvHeads = heads }
        }
        if let kvHeads = options.kvHeads { config.kvHeads = kvHeads }
        if let ffn = options.ffn { config.ffn = ffn }
        if let seq = options.seq { config.maxSeq = seq }
        if let qkNorm = options.qkNorm { config.qkNorm = qkNorm }
        if let theta = options.ropeTheta { config.ropeTheta = Float(theta) }
        if let problem = config.validationError {
            throw CommandFailure(.argument, "cannot build this model: \(problem)", at: options.shapeLocation)
        }
        // A typo (dim=76800) must not exhaust memory before anything is built: the
        // estimate against what is available, and a sanity bound on the context
        // (attention's scratch grows with its square).
        if config.maxSeq > ModelConfig.maxContext {
            throw CommandFailure(.argument, "a context of \(config.maxSeq.grouped) tokens is more than LoRA Lab's bound of \(ModelConfig.maxContext.grouped)",
                                 at: options.shapeLocation)
        }
        try MemoryBudget.live.check(config.modelEstimate, for: "this model (\(config.parameterCount.grouped) parameters)", at: options.shapeLocation)
        let model = Model(config: config, seed: options.seed ?? state.seed)
        // Data chosen for a loaded model's BPE follows the model back to bytes.
        _ = try replaceModel(with: ModelLab(model: model, origin: ([options.preset] + options.writtenSettings).joined(separator: " ")))
        let square = Set(model.linears.filter(\.isSquare).map { MatrixNames.short($0).split(separator: ".").last.map(String.init) ?? "" })
        let kinds = ["q", "k", "v", "o", "gate", "up", "down"]
        return BuiltModel(preset: options.preset, config: config, model: model, squareKinds: kinds.filter(square.contains))
    }

    func modelListing() throws(CommandFailure) -> ModelListing {
        ModelListing(model: try requireModel().model)
    }
}

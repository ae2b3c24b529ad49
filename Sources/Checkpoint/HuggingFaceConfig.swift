import MiniMind

/// config.json of a Hugging Face causal LM, to and from `ModelConfig`.
///
/// Written as `LlamaForCausalLM` without q/k norm and `Qwen3ForCausalLM` with
/// it (the block is otherwise the same: RMSNorm, rotate-half RoPE, GQA,
/// SwiGLU, no biases). Read from those two and from MiniMind's own
/// `model_type: "minimind"`. Anything the model cannot compute the same way
/// is refused naming its key, never silently dropped.
public enum HuggingFaceConfig {
    /// transformers' `LlamaForCausalLM` / `Qwen3ForCausalLM` model types.
    public enum Architecture: String, Sendable {
        case llama
        case qwen3
        case minimind

        var className: String {
            switch self {
            case .llama: "LlamaForCausalLM"
            case .qwen3: "Qwen3ForCausalLM"
            case .minimind: "MiniMindForCausalLM"
            }
        }
    }

    /// The longest context a loaded model is built for (rotary tables and the
    /// engine's limits); a larger max_position_embeddings is capped to it.
    public static let maximumContext = 8192

    public static func architecture(for config: ModelConfig) -> Architecture { config.qkNorm ? .qwen3 : .llama }

    /// The config.json of a model; special-token ids come from the tokenizer.
    public static func json(for config: ModelConfig, bosTokenID: Int?, eosTokenID: Int?) -> StrictJSON {
        let architecture = architecture(for: config)
        var members: [(String, StrictJSON)] = [
            ("architectures", .array([.string(architecture.className)])),
            ("model_type", .string(architecture.rawValue)),
            ("hidden_size", .int(config.dim)),
            ("intermediate_size", .int(config.ffn)),
            ("num_hidden_layers", .int(config.layers)),
            ("num_attention_heads", .int(config.heads)),
            ("num_key_value_heads", .int(config.kvHeads)),
            // Always written: Qwen3's default (128) is not ours, and Llama's
            // derived default is only right while dim/heads stays the rule.
            ("head_dim", .int(config.headDim)),
            ("hidden_act", .string("silu")),
            ("max_position_embeddings", .int(config.maxSeq)),
            ("rms_norm_eps", .float(config.normEps)),
            ("rope_theta", .float(config.ropeTheta)),
            ("rope_scaling", .null),
            ("attention_bias", .bool(false)),
            ("attention_dropout", .number("0.0")),
            // Qwen3's default is false, Llama's false too: ours is always tied.
            ("tie_word_embeddings", .bool(true)),
            ("vocab_size", .int(config.vocabSize)),
            ("initializer_range", .number("0.02")),
            ("use_cache", .bool(true)),
            ("torch_dtype", .string("float32")),
        ]
        if architecture == .llama {
            members.append(("mlp_bias", .bool(false)))
            members.append(("pretraining_tp", .int(1)))
        } else {
            members.append(("use_sliding_window", .bool(false)))
            members.append(("sliding_window", .null))
            members.append(("max_window_layers", .int(config.layers)))
        }
        if let bosTokenID { members.append(("bos_token_id", .int(bosTokenID))) }
        if let eosTokenID { members.append(("eos_token_id", .int(eosTokenID))) }
        return .object(members)
    }

    /// What config.json says, checked: the model's shape, its architecture,
    /// and (for MiniMind, whose config does not say) whether q/k norm is to be
    /// decided from the weights.
    public struct Parsed: Sendable, Equatable {
        public var config: ModelConfig
        public var architecture: Architecture
        /// True when the config leaves q/k norm to the weights (MiniMind).
        public var qkNormFromWeights: Bool
        /// Set when max_position_embeddings was larger than `maximumContext`.
        public var cappedContext: Int?
        public var bosTokenID: Int?
        public var eosTokenID: Int?
    }

    public static func parse(_ json: StrictJSON, file: String = "config.json") throws(CheckpointError) -> Parsed {
        func refuse(_ key: String, _ reason: String) -> CheckpointError { .unrepresentable(file: file, key: key, reason: reason) }
        func invalid(_ key: String, _ reason: String) -> CheckpointError { .invalidConfig(file: file, key: key, reason: reason) }
        guard json.members != nil else { throw invalid("(top level)", "not a JSON object") }
        guard let typeName = json["model_type"]?.stringValue else { throw invalid("model_type", "missing") }
        guard let architecture = Architecture(rawValue: typeName) else {
            throw refuse("model_type", "'\(typeName)' is not one of llama, qwen3, minimind")
        }
        func present(_ key: String) -> StrictJSON? {
            guard let value = json[key], !value.isNull else { return nil }
            return value
        }
        func integer(_ key: String, default fallback: Int? = nil) throws(CheckpointError) -> Int {
            guard let value = present(key) else {
                if let fallback { return fallback }
                throw invalid(key, "missing")
            }
            guard let number = value.intValue, number > 0 else { throw invalid(key, "must be a positive integer") }
            return number
        }
        func number(_ value: StrictJSON, _ key: String) throws(CheckpointError) -> Double {
            guard let number = value.doubleValue else { throw invalid(key, "must be a number") }
            return number
        }
        func flag(_ key: String) throws(CheckpointError) -> Bool? {
            guard let value = present(key) else { return nil }
            guard let flag = value.boolValue else { throw invalid(key, "must be true or false") }
            return flag
        }

        if try flag("use_moe") == true {
            throw refuse("use_moe", "true: mixture-of-experts feed-forward layers are not supported (only the dense MiniMind model is)")
        }
        let dim = try integer("hidden_size")
        let layers = try integer("num_hidden_layers")
        let heads = try integer("num_attention_heads")
        let kvHeads = try integer("num_key_value_heads", default: heads)
        let ffn: Int
        if architecture == .minimind, present("intermediate_size") == nil {
            // MiniMind derives it: 8/3 of the hidden size, rounded up to a multiple of 64.
            ffn = 64 * ((dim * 8 / 3 + 63) / 64)
        } else {
            ffn = try integer("intermediate_size")
        }
        let vocab = try integer("vocab_size")
        let positions = try integer("max_position_embeddings", default: 2048)
        if let headDim = present("head_dim") {
            guard headDim.intValue == dim / heads, dim % heads == 0 else {
                throw refuse("head_dim", "\(headDim.compactText) is not hidden_size / num_attention_heads = \(dim)/\(heads): the model's head size is always that quotient")
            }
        }
        if let act = present("hidden_act") ?? present("hidden_activation"), act.stringValue != "silu" {
            throw refuse("hidden_act", "\(act.compactText): the feed-forward layer is SwiGLU with silu only")
        }
        for key in ["attention_bias", "mlp_bias"] where try flag(key) == true {
            throw refuse(key, "true: the model's linear layers have no biases")
        }
        let tied = try flag("tie_word_embeddings") ?? (architecture == .minimind)
        if !tied {
            throw refuse("tie_word_embeddings", (present("tie_word_embeddings") == nil ? "absent (transformers' default, false, for \(typeName))" : "false")
                         + ": an untied lm_head is not representable (the model ties its head to the embedding)")
        }
        if architecture == .qwen3, try flag("use_sliding_window") == true {
            throw refuse("use_sliding_window", "true: attention is always over the whole causal context")
        }
        if try flag("inference_rope_scaling") == true {
            throw refuse("inference_rope_scaling", "true: YaRN rope scaling is not supported")
        }

        // The rotary base: rope_theta (transformers 4) or rope_parameters (transformers 5).
        var theta: Double = architecture == .llama ? 10_000 : 1_000_000
        if let value = present("rope_theta") { theta = try number(value, "rope_theta") }
        for key in ["rope_scaling", "rope_parameters"] {
            guard let parameters = present(key) else { continue }
            guard parameters.members != nil else { throw invalid(key, "must be an object or null") }
            let type = (parameters["rope_type"] ?? parameters["type"])?.stringValue ?? "default"
            guard type == "default" else {
                throw refuse("\(key).rope_type", "'\(type)': only the default (unscaled) rotary embedding is supported")
            }
            if let value = parameters["rope_theta"], !value.isNull { theta = try number(value, "\(key).rope_theta") }
        }
        let epsilon = try present("rms_norm_eps").map { (value) throws(CheckpointError) in try number(value, "rms_norm_eps") } ?? 1e-6

        var config = ModelConfig(dim: dim, layers: layers, heads: heads, kvHeads: kvHeads, ffn: ffn, vocabSize: vocab,
                                 maxSeq: min(positions, maximumContext), ropeTheta: Float(theta),
                                 qkNorm: architecture == .qwen3, normEps: Float(epsilon))
        if let problem = config.validationError { throw invalid("(shape)", problem) }
        config.qkNorm = architecture == .qwen3
        func tokenID(_ key: String) -> Int? {
            if let id = present(key)?.intValue { return id }
            return present(key)?.arrayValue?.first?.intValue
        }
        return Parsed(config: config, architecture: architecture, qkNormFromWeights: architecture == .minimind,
                      cappedContext: positions > maximumContext ? positions : nil,
                      bosTokenID: tokenID("bos_token_id"), eosTokenID: tokenID("eos_token_id"))
    }
}

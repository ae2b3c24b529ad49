import MiniMind

/// A model's base weights as named tensors, in Hugging Face names and shapes
/// (norm weights are 1-D), and back.
public enum ModelTensors {
    /// Every base tensor; the tied head is the embedding and is not repeated.
    public static func export(_ model: Model) -> [String: StoredTensor] {
        var tensors: [String: StoredTensor] = [:]
        for parameter in model.parameters {
            tensors[parameter.name] = StoredTensor(shape: shape(of: parameter), values: parameter.value.array)
        }
        return tensors
    }

    static func shape(of parameter: Parameter) -> [Int] {
        parameter.rows == 1 ? [parameter.cols] : [parameter.rows, parameter.cols]
    }

    /// Buffers some exporters save that are recomputed, not learned.
    static func isDerivedBuffer(_ name: String) -> Bool {
        name.hasSuffix("rotary_emb.inv_freq") || name == "freqs_cos" || name == "freqs_sin"
            || name.hasSuffix(".freqs_cos") || name.hasSuffix(".freqs_sin")
    }

    /// Copies named tensors into a model built for them. Every base tensor
    /// must be there with its shape; `lm_head.weight` is accepted only as a
    /// copy of the embedding (the model's head is tied); anything else is
    /// refused by name. Checks all before writing any.
    public static func load(_ tensors: [String: StoredTensor], into model: Model, file: String) throws(CheckpointError) {
        var named = tensors
        // State dicts saved from MiniMindModel (not ...ForCausalLM) lack the "model." prefix.
        for key in named.keys where !key.hasPrefix("model.") && key != "lm_head.weight" && !isDerivedBuffer(key) {
            if named["model." + key] == nil { named["model." + key] = named.removeValue(forKey: key) }
        }
        let head = named.removeValue(forKey: "lm_head.weight")
        if named["model.embed_tokens.weight"] == nil, let head { named["model.embed_tokens.weight"] = head }
        let expected = model.parameters
        for parameter in expected {
            guard let tensor = named[parameter.name] else { throw .missingTensor(file: file, name: parameter.name) }
            let want = shape(of: parameter)
            // A norm weight stored as [1, n] or a matrix as stored is fine as long as the extents agree.
            guard tensor.shape == want || (tensor.elementCount == parameter.count && tensor.shape.filter { $0 != 1 } == want.filter { $0 != 1 }) else {
                throw .shapeMismatch(file: file, name: parameter.name, expected: want, found: tensor.shape)
            }
        }
        if let head, let embedding = named["model.embed_tokens.weight"], head != embedding {
            throw .unrepresentable(file: file, key: "lm_head.weight",
                                   reason: "differs from model.embed_tokens.weight: an untied head is not representable (the model ties its head to the embedding)")
        }
        let known = Set(expected.map(\.name))
        for name in named.keys.sorted() where !known.contains(name) && !isDerivedBuffer(name) {
            let reason = name.hasSuffix(".bias") ? "biases are not representable (the model's linear layers and norms have none)"
                : name.contains("lora") ? "an adapter tensor in a base model file (load adapters with `lora load`)"
                : "not a tensor of this architecture"
            throw .unexpectedTensor(file: file, name: name, reason: reason)
        }
        for parameter in expected {
            let values = named[parameter.name]!.values
            parameter.overwrite(with: values)
        }
    }
}

import Foundation
import MiniMind

/// A base model in Hugging Face's folder layout, which
/// `AutoModelForCausalLM.from_pretrained(folder)` loads:
///
///     config.json             LlamaForCausalLM or Qwen3ForCausalLM
///     model.safetensors       F32 (or BF16 on request), tied head not repeated
///     generation_config.json  special-token ids
///     tokenizer.json, …       whatever tokenizer files the caller hands over
///     provenance.json         read when present: what made a shipped base (BaseProvenance)
///
/// Reading also accepts sharded safetensors (model.safetensors.index.json)
/// and PyTorch's pytorch_model.bin, through a reader passed in.
public enum HuggingFaceFolder {
    /// What a loaded folder gave.
    public struct Loaded: @unchecked Sendable {
        // Sendable: a freshly built model, handed to one owner.
        public var model: Model
        public var architecture: HuggingFaceConfig.Architecture
        /// Which weights file was read (for messages).
        public var weightsFile: String
        /// The tokenizer.json text when the folder has one (for a tokenizer loader).
        public var tokenizerJSON: Data?
        /// tokenizer_config.json when present (its chat_template is kept, not run).
        public var tokenizerConfigJSON: Data?
        public var cappedContext: Int?
        public var bosTokenID: Int?
        public var eosTokenID: Int?
        /// provenance.json, when the folder is a base made by tools/make-base.py.
        public var provenance: BaseProvenance?
    }

    /// Writes `model`'s base weights (adapters that are not merged are left out:
    /// they belong in an adapter folder) and config. `tokenizerFiles` maps file
    /// names (tokenizer.json, tokenizer_config.json) to their contents.
    public static func save(model: Model, to folder: URL, storage: SafeTensorsWriter.StorageType = .f32,
                            tokenizerFiles: [String: [UInt8]] = [:],
                            bosTokenID: Int? = nil, eosTokenID: Int? = nil) throws(CheckpointError) {
        try CheckpointFiles.makeFolder(folder)
        let config = HuggingFaceConfig.json(for: model.config, bosTokenID: bosTokenID, eosTokenID: eosTokenID)
        try CheckpointFiles.writeSafeTensors(ModelTensors.export(model), to: folder.appendingPathComponent("model.safetensors"), as: storage)
        var generation: [(String, StrictJSON)] = []
        if let bosTokenID { generation.append(("bos_token_id", .int(bosTokenID))) }
        if let eosTokenID { generation.append(("eos_token_id", .int(eosTokenID))) }
        try CheckpointFiles.write(StrictJSON.object(generation).prettyText, to: folder.appendingPathComponent("generation_config.json"))
        for (name, bytes) in tokenizerFiles.sorted(by: { $0.key < $1.key }) {
            try CheckpointFiles.write(bytes, to: folder.appendingPathComponent(name))
        }
        // config.json last: a folder with a config is a complete one.
        try CheckpointFiles.write(config.prettyText, to: folder.appendingPathComponent("config.json"))
    }

    /// Reads a folder into a new model. Nothing outside the returned value is
    /// touched, so a failure leaves the caller's state as it was. `admit` sees
    /// the configuration before any weight is allocated and may refuse it
    /// (returning why): the engine refuses a model that will not fit in memory.
    public static func load(from folder: URL, pyTorchReader: PyTorchStateDictReader? = nil,
                            admit: (ModelConfig) -> String? = { _ in nil }) throws(CheckpointError) -> Loaded {
        guard CheckpointFiles.isFolder(folder) else { throw .notAFolder(folder.path) }
        let configURL = folder.appendingPathComponent("config.json")
        guard CheckpointFiles.exists(configURL) else { throw .missingFile(folder: folder.path, expected: "config.json") }
        var parsed = try HuggingFaceConfig.parse(try CheckpointFiles.readJSON(configURL))
        let (tensors, file) = try readWeights(folder, pyTorchReader: pyTorchReader)
        if parsed.qkNormFromWeights {
            parsed.config.qkNorm = tensors.keys.contains { $0.hasSuffix("self_attn.q_norm.weight") }
        }
        if let embedding = tensors["model.embed_tokens.weight"] ?? tensors["embed_tokens.weight"] ?? tensors["lm_head.weight"],
           embedding.shape.count == 2, embedding.shape[0] != parsed.config.vocabSize {
            throw .shapeMismatch(file: file, name: "model.embed_tokens.weight",
                                 expected: [parsed.config.vocabSize, parsed.config.dim], found: embedding.shape)
        }
        let provenanceURL = folder.appendingPathComponent(BaseProvenance.fileName)
        let provenance = CheckpointFiles.exists(provenanceURL) ? try BaseProvenance.parse(try CheckpointFiles.readJSON(provenanceURL)) : nil
        if let refusal = admit(parsed.config) { throw .refused(refusal) }
        let model = Model(config: parsed.config, seed: 0)
        try ModelTensors.load(tensors, into: model, file: file)
        func optionalData(_ name: String) -> Data? { try? Data(contentsOf: folder.appendingPathComponent(name)) }
        return Loaded(model: model, architecture: parsed.architecture, weightsFile: file,
                      tokenizerJSON: optionalData("tokenizer.json"), tokenizerConfigJSON: optionalData("tokenizer_config.json"),
                      cappedContext: parsed.cappedContext, bosTokenID: parsed.bosTokenID, eosTokenID: parsed.eosTokenID,
                      provenance: provenance)
    }

    /// The folder's weights: model.safetensors, its shards, or pytorch_model.bin.
    static func readWeights(_ folder: URL, pyTorchReader: PyTorchStateDictReader?) throws(CheckpointError) -> ([String: StoredTensor], String) {
        let single = folder.appendingPathComponent("model.safetensors")
        if CheckpointFiles.exists(single) {
            return (try CheckpointFiles.readSafeTensors(single).tensors, "model.safetensors")
        }
        let index = folder.appendingPathComponent("model.safetensors.index.json")
        if CheckpointFiles.exists(index) {
            guard let map = try CheckpointFiles.readJSON(index)["weight_map"]?.members else {
                throw .invalidConfig(file: "model.safetensors.index.json", key: "weight_map", reason: "missing or not an object")
            }
            var shards: [String: [String]] = [:]
            for (name, shard) in map {
                guard let shardName = shard.stringValue, !shardName.contains("/") else {
                    throw .invalidConfig(file: "model.safetensors.index.json", key: "weight_map.\(name)", reason: "not a file name in this folder")
                }
                shards[shardName, default: []].append(name)
            }
            var tensors: [String: StoredTensor] = [:]
            for (shardName, names) in shards.sorted(by: { $0.key < $1.key }) {
                let contents = try CheckpointFiles.readSafeTensors(folder.appendingPathComponent(shardName))
                for name in names {
                    guard let tensor = contents.tensors[name] else { throw .missingTensor(file: shardName, name: name) }
                    tensors[name] = tensor
                }
            }
            return (tensors, "model.safetensors.index.json")
        }
        let bin = folder.appendingPathComponent("pytorch_model.bin")
        if CheckpointFiles.exists(bin) {
            guard let pyTorchReader else { throw .noPyTorchReader(path: bin.path) }
            do { return (try pyTorchReader(bin.path), "pytorch_model.bin") } catch let error as CheckpointError { throw error } catch {
                throw .unreadableFile(path: bin.path, reason: String(describing: error))
            }
        }
        throw .missingFile(folder: folder.path, expected: "model.safetensors, model.safetensors.index.json or pytorch_model.bin")
    }
}

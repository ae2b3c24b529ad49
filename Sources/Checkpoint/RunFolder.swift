import Foundation
import LinearAlgebra
import MiniMind

/// A whole training run on disk, so that a notebook can ship or resume it:
///
///     run.json                  trainable tensors, optimizer settings and step count,
///                               and the session's own record (origin, losses …)
///     base/                     the base model (Hugging Face layout)
///     adapter/                  the adapters (PEFT layout), when attached
///     optimizer.safetensors     AdamW's moments: <tensor>.exp_avg, <tensor>.exp_avg_sq
///     reference.safetensors     W₀ of fully fine-tuned matrices (for ΔW = W − W₀)
///
/// `base/` and `adapter/` are ordinary folders: transformers and PEFT load them as they are.
public enum RunFolder {
    public struct Contents: @unchecked Sendable {
        // Sendable: built for one owner, the engine's thread.
        public var model: Model
        /// The optimizer `step` continues, with its settings; nil before any step.
        public var trainer: Trainer?
        /// Whatever the session records about the run (kept as written, not interpreted here).
        public var session: StrictJSON
        /// The tokenizer files saved with the base (file name → contents); on
        /// load, the base folder as read, whose tokenizer files the caller interprets.
        public var tokenizerFiles: [String: [UInt8]]
        public var base: HuggingFaceFolder.Loaded?

        public init(model: Model, trainer: Trainer?, session: StrictJSON, tokenizerFiles: [String: [UInt8]] = [:],
                    base: HuggingFaceFolder.Loaded? = nil) {
            self.model = model
            self.trainer = trainer
            self.session = session
            self.tokenizerFiles = tokenizerFiles
            self.base = base
        }
    }

    static let formatName = "loralab-run"

    public static func save(_ contents: Contents, to folder: URL) throws(CheckpointError) {
        let model = contents.model
        if model.adaptedLinears.contains(where: { $0.update!.isMerged }) {
            throw .adapterRefused("the adapters are merged into the weights: `lora unmerge` first (or `lora detach` to keep the merge in the base)")
        }
        try CheckpointFiles.makeFolder(folder)
        try HuggingFaceFolder.save(model: model, to: folder.appendingPathComponent("base"), tokenizerFiles: contents.tokenizerFiles)
        if !model.adaptedLinears.isEmpty {
            try PEFTAdapterFolder.save(model: model, to: folder.appendingPathComponent("adapter"), baseModelPath: "../base")
        }
        var optimizer: StrictJSON = .null
        if let trainer = contents.trainer {
            var moments: [String: StoredTensor] = [:]
            for parameter in model.allParameters {
                guard let (first, second) = trainer.optimizer.moments(of: parameter) else { continue }
                let shape = ModelTensors.shape(of: parameter)
                moments[parameter.name + ".exp_avg"] = StoredTensor(shape: shape, values: first)
                moments[parameter.name + ".exp_avg_sq"] = StoredTensor(shape: shape, values: second)
            }
            try CheckpointFiles.writeSafeTensors(moments, to: folder.appendingPathComponent("optimizer.safetensors"), as: .f32)
            let c = trainer.config, o = trainer.optimizer
            optimizer = .object([
                ("step_count", .int(o.stepCount)),
                ("learning_rate", .float(c.learningRate)), ("weight_decay", .float(c.weightDecay)),
                ("gradient_clip", .float(c.gradientClip)), ("warmup_steps", .int(c.warmupSteps)),
                ("total_steps", .int(c.totalSteps)),
                ("beta1", .float(o.beta1)), ("beta2", .float(o.beta2)), ("epsilon", .float(o.epsilon)),
            ])
        }
        let tuned = model.fullyTunedLinears
        if !tuned.isEmpty {
            var references: [String: StoredTensor] = [:]
            for linear in tuned {
                let w0 = linear.referenceWeight!
                references[linear.weight.name] = StoredTensor(shape: [w0.rows, w0.cols], values: w0.values)
            }
            try CheckpointFiles.writeSafeTensors(references, to: folder.appendingPathComponent("reference.safetensors"), as: .f32)
        }
        let record: StrictJSON = .object([
            ("format", .string(formatName)),
            ("version", .int(1)),
            ("trainable", .array(model.allParameters.filter(\.requiresGrad).map { .string($0.name) })),
            ("optimizer", optimizer),
            ("session", contents.session),
        ])
        try CheckpointFiles.write(record.prettyText, to: folder.appendingPathComponent("run.json"))
    }

    /// Reads a run into a new model and trainer; the caller's state is not touched.
    public static func load(from folder: URL) throws(CheckpointError) -> Contents {
        guard CheckpointFiles.isFolder(folder) else { throw .notAFolder(folder.path) }
        let recordURL = folder.appendingPathComponent("run.json")
        guard CheckpointFiles.exists(recordURL) else { throw .missingFile(folder: folder.path, expected: "run.json (a folder written by `run save … to`)") }
        let record = try CheckpointFiles.readJSON(recordURL)
        guard record["format"]?.stringValue == formatName else {
            throw .invalidConfig(file: "run.json", key: "format", reason: "not '\(formatName)'")
        }
        guard record["version"]?.intValue == 1 else { throw .invalidConfig(file: "run.json", key: "version", reason: "only version 1 is known") }
        let base = try HuggingFaceFolder.load(from: folder.appendingPathComponent("base"))
        let model = base.model
        let adapterFolder = folder.appendingPathComponent("adapter")
        if CheckpointFiles.isFolder(adapterFolder) {
            try PEFTAdapterFolder.attach(try PEFTAdapterFolder.read(from: adapterFolder), to: model)
        }
        let referenceURL = folder.appendingPathComponent("reference.safetensors")
        if CheckpointFiles.exists(referenceURL) {
            for (name, tensor) in try CheckpointFiles.readSafeTensors(referenceURL).tensors {
                guard let linear = model.linears.first(where: { $0.weight.name == name }) else {
                    throw .unexpectedTensor(file: "reference.safetensors", name: name, reason: "names no linear layer of this model")
                }
                guard tensor.shape == [linear.outFeatures, linear.inFeatures] else {
                    throw .shapeMismatch(file: "reference.safetensors", name: name, expected: [linear.outFeatures, linear.inFeatures], found: tensor.shape)
                }
                linear.referenceWeight = Matrix(rows: linear.outFeatures, cols: linear.inFeatures, values: tensor.values)
            }
        }
        let byName = Dictionary(model.allParameters.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        guard let trainable = record["trainable"]?.arrayValue else {
            throw .invalidConfig(file: "run.json", key: "trainable", reason: "missing or not a list")
        }
        var trainableNames: Set<String> = []
        for item in trainable {
            guard let name = item.stringValue, byName[name] != nil else {
                throw .invalidConfig(file: "run.json", key: "trainable", reason: "\(item.compactText) names no tensor of the saved model")
            }
            trainableNames.insert(name)
        }
        for parameter in model.allParameters { parameter.requiresGrad = trainableNames.contains(parameter.name) }

        var trainer: Trainer?
        if let settings = record["optimizer"], !settings.isNull {
            func number(_ key: String) throws(CheckpointError) -> Double {
                guard let value = settings[key]?.doubleValue else { throw .invalidConfig(file: "run.json", key: "optimizer.\(key)", reason: "missing or not a number") }
                return value
            }
            let config = TrainingConfig(learningRate: Float(try number("learning_rate")), weightDecay: Float(try number("weight_decay")),
                                        gradientClip: Float(try number("gradient_clip")), warmupSteps: Int(try number("warmup_steps")),
                                        totalSteps: Int(try number("total_steps")))
            let made = Trainer(model: model, config: config)
            made.optimizer.beta1 = Float(try number("beta1"))
            made.optimizer.beta2 = Float(try number("beta2"))
            made.optimizer.epsilon = Float(try number("epsilon"))
            let moments = try CheckpointFiles.readSafeTensors(folder.appendingPathComponent("optimizer.safetensors")).tensors
            var restored: [(parameter: Parameter, first: [Float], second: [Float])] = []
            for name in moments.keys.sorted() where name.hasSuffix(".exp_avg") {
                let tensorName = String(name.dropLast(".exp_avg".count))
                guard let parameter = byName[tensorName], parameter.requiresGrad else {
                    throw .unexpectedTensor(file: "optimizer.safetensors", name: name, reason: "names no trainable tensor of the saved model")
                }
                guard let second = moments[tensorName + ".exp_avg_sq"] else {
                    throw .missingTensor(file: "optimizer.safetensors", name: tensorName + ".exp_avg_sq")
                }
                let first = moments[name]!
                guard first.elementCount == parameter.count, second.elementCount == parameter.count else {
                    throw .shapeMismatch(file: "optimizer.safetensors", name: name, expected: ModelTensors.shape(of: parameter), found: first.shape)
                }
                restored.append((parameter, first.values, second.values))
            }
            made.optimizer.restore(stepCount: Int(try number("step_count")), moments: restored)
            trainer = made
        }
        return Contents(model: model, trainer: trainer, session: record["session"] ?? .null, base: base)
    }
}

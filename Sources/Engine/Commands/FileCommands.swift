import Checkpoint
import Corpus
import Foundation
import MiniMind

/// save model | adapter | logits, model load, lora load, and the folder forms
/// of run save / run load. The work is in Checkpoint; this file only binds
/// words to it and keeps a failed load from changing the session.
enum FileCommands {
    /// Where `.pth` and `pytorch_model.bin` files are read: torch.save's zip,
    /// through the restricted unpickler (a pickle is code; loading runs none).
    static let pyTorchReader: PyTorchStateDictReader? = { path in try TorchCheckpoint.read(path: path).tensors }

    /// The tokenizer files `save model` writes beside the weights (file name →
    /// contents): the session's byte tokenizer as a tokenizer.json that the
    /// `tokenizers` library encodes exactly as we do, and a tokenizer_config.json
    /// carrying the ChatML template, so AutoTokenizer loads the folder.
    static let tokenizerFiles: @Sendable (SessionState) -> [String: [UInt8]] = { _ in
        ["tokenizer.json": [UInt8](ByteTokenizerExport.tokenizerJSON()),
         "tokenizer_config.json": [UInt8](TokenizerConfig(chatTemplate: nil).json())]
    }

    static let specs: [CommandSpec] = [
        CommandSpec("model", "load", area: .model, summary: "load a base model from a Hugging Face folder (Llama, Qwen3, MiniMind)",
                    positionals: [PositionalSpec("folder", .text, "a quoted folder path with config.json")],
                    details: """
                    Reads config.json (model_type llama, qwen3 or minimind; rope_theta or
                    rope_parameters) and model.safetensors (or its shards). F16 and BF16
                    weights become F32. A config the model cannot represent (biases, an
                    untied head, another activation, rope scaling, use_moe) is refused
                    naming its key. Replaces the session's model like `model` does; a
                    failed load changes nothing. A folder with provenance.json (the
                    shipped base, docs/base.md) also prints what made it.
                    """,
                    examples: ["model load \"exports/tiny\""],
                    handler: loadModel),
        CommandSpec("save", "model", area: .model, summary: "write the base model as a Hugging Face folder",
                    positionals: [PositionalSpec("folder", .text, "a quoted folder path (created if missing)")],
                    parameters: [ParameterSpec("dtype", .choice(["f32", "bf16"]), default: .word("f32"), "storage type of model.safetensors")],
                    details: """
                    Writes config.json (LlamaForCausalLM, or Qwen3ForCausalLM with q/k
                    norm; head_dim and tie_word_embeddings always written),
                    model.safetensors and generation_config.json, each file atomically.
                    transformers' AutoModelForCausalLM loads the folder. Adapters that
                    are not merged are left out (save them with `save adapter`); merged
                    ones are in the weights. A fully fine-tuned model saves as a base.
                    """,
                    examples: ["save model \"exports/tiny\"", "save model \"exports/tiny-bf16\" dtype=bf16"],
                    handler: saveModel),
        CommandSpec("save", "adapter", area: .lora, summary: "write the attached adapters as a PEFT folder",
                    positionals: [PositionalSpec("folder", .text, "a quoted folder path (created if missing)")],
                    parameters: [ParameterSpec("base", .text, "base_model_name_or_path to record (default: the folder the model was loaded from)")],
                    details: """
                    Writes adapter_config.json (peft_type LORA, r, lora_alpha,
                    target_modules, layers_to_transform, rank_pattern/alpha_pattern when
                    they differ) and adapter_model.safetensors with PEFT's key names.
                    PeftModel.from_pretrained loads it over the base from `save model`.
                    """,
                    examples: ["save adapter \"exports/tiny-qv\" base=\"exports/tiny\""],
                    handler: saveAdapter),
        CommandSpec("lora", "load", area: .lora, summary: "attach adapters from a PEFT folder or a MiniMind adapter file",
                    positionals: [PositionalSpec("source", .text, "a quoted folder (adapter_config.json + adapter_model.safetensors) or file")],
                    details: """
                    Reads PEFT's layout (…q_proj.lora_A.weight, scale from r and
                    lora_alpha, rank_pattern, alpha_pattern, use_rslora) and MiniMind's
                    (…q_proj.lora.A.weight, scale 1). Every shape is checked against the
                    model first; the first tensor that does not fit is named and nothing
                    is attached. The base is frozen and the adapters train.
                    """,
                    examples: ["lora load \"exports/tiny-qv\""],
                    handler: loadAdapter),
        CommandSpec("save", "logits", area: .model, summary: "write the model's logits for some tokens as safetensors (to compare implementations)",
                    positionals: [PositionalSpec("file", .text, "a quoted .safetensors path")],
                    parameters: [ParameterSpec("text", .text, default: .word("Once upon a time"), "the text whose byte tokens are run")],
                    details: "Writes `logits` [tokens, vocab] and `tokens` (as F32) of one forward pass with the adapters as they are.",
                    examples: ["save logits \"logits.safetensors\" text=\"Hello\""],
                    handler: saveLogits),
    ]

    // MARK: Handlers

    private static func url(_ invocation: Invocation, _ name: String) -> URL {
        URL(fileURLWithPath: ((invocation.text(name) ?? "") as NSString).expandingTildeInPath)
    }

    private static func failure(_ error: CheckpointError, _ invocation: Invocation, _ name: String) -> CommandFailure {
        CommandFailure(.command, error.description, at: invocation.location(of: name))
    }

    private static func loadModel(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let folder = url(invocation, "folder")
        let loaded: HuggingFaceFolder.Loaded
        do { loaded = try HuggingFaceFolder.load(from: folder, pyTorchReader: pyTorchReader) } catch {
            throw failure(error, invocation, "folder")
        }
        let config = loaded.model.config
        if config.parameterCount > 300_000_000 {
            throw CommandFailure(.command, "this model is too large for LoRA Lab (\(config.parameterCount.grouped) parameters; limit 300,000,000)",
                                 at: invocation.location(of: "folder"))
        }
        state.lab = ModelLab(model: loaded.model, origin: "load \"\(invocation.text("folder") ?? "")\"")
        var notes: [String] = []
        if let provenance = loaded.provenance { notes.append(provenance.description) }
        if let capped = loaded.cappedContext { notes.append("context capped at \(config.maxSeq) (max_position_embeddings was \(capped))") }
        if loaded.tokenizerJSON != nil { notes.append("tokenizer.json present; the session keeps its byte tokenizer") }
        if config.vocabSize < ByteTokenizer.vocabularySize {
            notes.append("vocabulary of \(config.vocabSize) is smaller than the byte tokenizer's \(ByteTokenizer.vocabularySize)")
        }
        return MimeBundle(plain: "loaded \(loaded.architecture.rawValue) model from \(folder.path) (\(loaded.weightsFile)): \(config.description)\n"
                          + "\(loaded.model.parameterCount.grouped) parameters" + notes.map { "; " + $0 }.joined())
    }

    private static func saveModel(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let lab = try state.requireLab()
        let folder = url(invocation, "folder")
        let storage: SafeTensorsWriter.StorageType = invocation.text("dtype") == "bf16" ? .bf16 : .f32
        do {
            try HuggingFaceFolder.save(model: lab.model, to: folder, storage: storage, tokenizerFiles: tokenizerFiles(state),
                                       bosTokenID: Int(ByteTokenizer.endOfText), eosTokenID: Int(ByteTokenizer.imEnd))
        } catch { throw failure(error, invocation, "folder") }
        let adapted = lab.model.adaptedLinears
        let note = adapted.isEmpty ? ""
            : adapted.contains { $0.adapter!.isMerged } ? "; the merged adapters are in the weights"
            : "; the \(adapted.count) unmerged adapters are not included (`save adapter` writes them)"
        return MimeBundle(plain: "saved \(HuggingFaceConfig.architecture(for: lab.model.config) == .qwen3 ? "Qwen3ForCausalLM" : "LlamaForCausalLM") "
                          + "(\(lab.model.parameterCount.grouped) parameters, \(storage.rawValue)) to \(folder.path)" + note)
    }

    private static func saveAdapter(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let lab = try state.requireLab()
        let folder = url(invocation, "folder")
        let base = invocation.text("base") ?? loadedFolder(lab.origin) ?? ""
        do { try PEFTAdapterFolder.save(model: lab.model, to: folder, baseModelPath: base) } catch {
            throw failure(error, invocation, "folder")
        }
        let count = lab.model.adaptedLinears.count
        return MimeBundle(plain: "saved \(count) adapters (PEFT LoRA) to \(folder.path)"
                          + (base.isEmpty ? "; no base recorded (pass base=\"<folder of save model>\")" : "; base \(base)"))
    }

    private static func loadAdapter(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        var lab = try state.requireLab()
        let source = url(invocation, "source")
        let adapters: [StoredAdapter]
        do {
            adapters = try PEFTAdapterFolder.read(from: source, pyTorchReader: pyTorchReader)
            try PEFTAdapterFolder.attach(adapters, to: lab.model)
        } catch { throw failure(error, invocation, "source") }
        let ranks = Set(adapters.map(\.rank)).sorted().map(String.init).joined(separator: ",")
        lab.adaptation = [lab.adaptation, "loaded \(source.lastPathComponent) rank=\(ranks)"].compactMap { $0 }.joined(separator: " + ")
        lab.forgetOptimizer()
        state.lab = lab
        let parameters = adapters.reduce(0) { $0 + $1.a.elementCount + $1.b.elementCount }
        return MimeBundle(plain: "attached \(adapters.count) adapters from \(source.path), rank \(ranks), scale "
                          + Set(adapters.map { Double($0.scale).formatted }).sorted().joined(separator: ",")
                          + ": \(parameters.grouped) trainable parameters")
    }

    private static func saveLogits(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let lab = try state.requireLab()
        let tokens = Array(ByteTokenizer.encode(invocation.text("text") ?? "").prefix(lab.model.config.maxSeq))
        guard !tokens.isEmpty else { throw CommandFailure(.argument, "text= is empty", at: invocation.location(of: "text")) }
        guard tokens.allSatisfy({ Int($0) < lab.model.config.vocabSize }) else {
            throw CommandFailure(.argument, "the text has tokens outside the model's vocabulary of \(lab.model.config.vocabSize)", at: invocation.location(of: "text"))
        }
        let logits = lab.model.logits(tokens: tokens)
        let file = url(invocation, "file")
        try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        do {
            try SafeTensorsWriter.write(["logits": StoredTensor(shape: [logits.rows, logits.cols], values: logits.values),
                                         "tokens": StoredTensor(shape: [tokens.count], values: tokens.map(Float.init))], to: file)
        } catch { throw CommandFailure(.command, "\(file.path): \(error.description)", at: invocation.location(of: "file")) }
        return MimeBundle(plain: "saved logits [\(logits.rows), \(logits.cols)] to \(file.path)")
    }

    /// The folder of a model that came from `model load "folder"`.
    private static func loadedFolder(_ origin: String) -> String? {
        guard origin.hasPrefix("load \""), origin.hasSuffix("\"") else { return nil }
        return String(origin.dropFirst("load \"".count).dropLast())
    }

    // MARK: run save … to / run load … from

    /// `run save NAME to "dir"` and `run load NAME from "dir"`: the run forms
    /// gain an optional folder; without one they behave exactly as before.
    static func withFolderForms(_ specs: [CommandSpec]) -> [CommandSpec] {
        specs.map { spec in
            guard spec.verb == "run", spec.subverb == "save" || spec.subverb == "load" else { return spec }
            let saving = spec.subverb == "save"
            let preposition = saving ? "to" : "from"
            var extended = spec
            extended.positionals += [
                PositionalSpec(preposition, .choice([preposition]), required: false, "writes or reads a run folder"),
                PositionalSpec("folder", .text, required: false, "a quoted folder path"),
            ]
            extended.details += (extended.details.isEmpty ? "" : "\n") + (saving
                ? "With `to \"folder\"` the session is also written to disk: base/ (Hugging Face), adapter/ (PEFT),\noptimizer state, step counts and losses (run.json); `run load NAME from \"folder\"` resumes it."
                : "With `from \"folder\"` the run is read from a folder written by `run save NAME to`, saved\nunder NAME and loaded; `step` continues with the saved optimizer state.")
            extended.examples += [saving ? "run save r8 to \"runs/r8\"" : "run load r8 from \"runs/r8\""]
            let original = spec.handler
            extended.handler = { invocation, state, context in
                guard invocation.isWritten(preposition) || invocation.isWritten("folder") else {
                    return try original(invocation, &state, context)
                }
                guard invocation.isWritten(preposition), invocation.isWritten("folder") else {
                    throw CommandFailure(.argument, "write `\(spec.name) NAME \(preposition) \"folder\"`", at: invocation.verbLocation)
                }
                return saving ? try saveRun(invocation, &state, context, original) : try loadRun(invocation, &state)
            }
            return extended
        }
    }

    private static func saveRun(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext,
                                _ original: CommandHandler) throws -> MimeBundle? {
        let lab = try state.requireLab()
        let folder = url(invocation, "folder")
        let name = invocation.text("name") ?? ""
        let record: StrictJSON = .object([
            ("name", .string(name)),
            ("origin", .string(lab.origin)),
            ("adaptation", lab.adaptation.map { .string($0) } ?? .null),
            ("seed", .string(String(state.seed))),
            ("finetune_data", state.finetuneData.map { .string($0.source) } ?? .null),
            ("losses", .array(lab.lossHistory.map { point in
                .array([.string(point.phase.rawValue), .int(point.step), .float(point.loss)])
            })),
        ])
        do {
            try RunFolder.save(RunFolder.Contents(model: lab.model, trainer: lab.stepper, session: record), to: folder)
        } catch { throw failure(error, invocation, "folder") }
        let saved = try original(invocation, &state, context)
        return MimeBundle(plain: (saved?.data["text/plain"] ?? "") + "; written to \(folder.path)"
                          + (lab.stepper == nil ? "" : " with the optimizer after \(lab.stepper!.stepCount) steps"))
    }

    private static func loadRun(_ invocation: Invocation, _ state: inout SessionState) throws -> MimeBundle? {
        let folder = url(invocation, "folder")
        let name = invocation.text("name") ?? ""
        let contents: RunFolder.Contents
        do { contents = try RunFolder.load(from: folder) } catch { throw failure(error, invocation, "folder") }
        let session = contents.session
        var lab = ModelLab(model: contents.model, origin: session["origin"]?.stringValue ?? "run \"\(folder.path)\"")
        lab.adaptation = session["adaptation"]?.stringValue
        for item in session["losses"]?.arrayValue ?? [] {
            guard let fields = item.arrayValue, fields.count == 3, let phase = fields[0].stringValue.flatMap(LossPoint.Phase.init(rawValue:)),
                  let step = fields[1].intValue, let loss = fields[2].doubleValue else {
                throw CommandFailure(.command, "\(folder.path)/run.json: session.losses has an entry that is not [phase, step, loss]",
                                     at: invocation.location(of: "folder"))
            }
            lab.lossHistory.append(LossPoint(phase: phase, step: step, loss: Float(loss)))
        }
        lab.stepper = contents.trainer
        let seed = session["seed"]?.stringValue.flatMap(UInt64.init) ?? state.seed
        state.runs.removeAll { $0.name == name }
        state.runs.append(SavedRun(name: name, lab: lab.snapshot(), finetuneSource: session["finetune_data"]?.stringValue, seed: seed))
        state.lab = lab
        return MimeBundle(plain: "loaded run '\(name)' from \(folder.path): \(RunCommands.describe(lab))"
                          + (lab.stepper.map { "; optimizer restored after \($0.stepCount) steps" } ?? ""))
    }
}

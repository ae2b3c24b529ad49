import Checkpoint
import Corpus
import Foundation
import MiniMind

/// save model | adapter | logits, model load, lora load, and the folder forms
/// of run save / run load: bind → Lab (Lab+Files.swift, over Checkpoint) → ModelReports.
enum FileCommands {
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
                    they differ, use_dora for DoRA) and adapter_model.safetensors with
                    PEFT's key names (lora_A, lora_B, and DoRA's lora_magnitude_vector).
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
                    parameters: [ParameterSpec("text", .text, default: .string("Once upon a time"), "the text whose byte tokens are run")],
                    details: "Writes `logits` [tokens, vocab] and `tokens` (as F32) of one forward pass with the adapters as they are.",
                    examples: ["save logits \"logits.safetensors\" text=\"Hello\""],
                    handler: saveLogits),
    ]

    // MARK: Handlers

    private static func path(_ invocation: Invocation, _ name: String) throws(CommandFailure) -> PathOption {
        PathOption(written: try invocation.requiredText(name), location: invocation.location(of: name))
    }

    private static func loadModel(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let folder = try path(invocation, "folder")
        var lab = Lab(state: state, cancellation: context.cancellation)
        let loaded = try lab.loadModel(from: folder)
        state = lab.state
        return ModelReports.loaded(loaded)
    }

    private static func saveModel(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let dtype = try invocation.requiredText("dtype")
        guard let storage = SafeTensorsWriter.StorageType(rawValue: dtype.uppercased()) else {
            throw CommandFailure(.command, "internal error: dtype '\(dtype)' is not a storage type", at: invocation.location(of: "dtype"))
        }
        let options = SaveModelOptions(folder: try path(invocation, "folder"), storage: storage)
        return ModelReports.saved(try Lab(state: state, cancellation: context.cancellation).saveModel(options))
    }

    private static func saveAdapter(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let options = SaveAdapterOptions(folder: try path(invocation, "folder"), base: invocation.text("base"))
        return ModelReports.savedAdapters(try Lab(state: state, cancellation: context.cancellation).saveAdapters(options))
    }

    private static func loadAdapter(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let source = try path(invocation, "source")
        var lab = Lab(state: state, cancellation: context.cancellation)
        let loaded = try lab.loadAdapters(from: source)
        state = lab.state
        return ModelReports.loadedAdapters(loaded)
    }

    private static func saveLogits(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let options = SaveLogitsOptions(file: try path(invocation, "file"), text: try invocation.requiredText("text"),
                                        textLocation: invocation.location(of: "text"))
        return ModelReports.savedLogits(try Lab(state: state, cancellation: context.cancellation).saveLogits(options))
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
                ? "With `to \"folder\"` the session is also written to disk: base/ (Hugging Face), adapter/ (PEFT),\noptimizer state, step counts, losses and `step`'s data order (run.json); `run load NAME from \"folder\"`\nresumes it (the data order too, when the same fine-tuning data is chosen)."
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
                return saving ? try saveRun(invocation, &state, context, original) : try loadRun(invocation, &state, context)
            }
            return extended
        }
    }

    private static func saveRun(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext,
                                _ original: CommandHandler) throws -> MimeBundle? {
        let folder = try path(invocation, "folder")
        var lab = Lab(state: state, cancellation: context.cancellation)
        let steps = try lab.writeRunFolder(named: try invocation.requiredText("name"), to: folder)
        state = lab.state
        let saved = try original(invocation, &state, context)
        return MimeBundle(plain: (saved?.data["text/plain"] ?? "") + "; written to \(folder.url.path)"
                          + (steps.map { " with the optimizer after \($0) steps" } ?? ""))
    }

    private static func loadRun(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let folder = try path(invocation, "folder")
        let name = try invocation.requiredText("name")
        var lab = Lab(state: state, cancellation: context.cancellation)
        let loaded = try lab.loadRunFolder(named: name, from: folder)
        state = lab.state
        return MimeBundle(plain: "loaded run '\(name)' from \(folder.url.path): \(RunReports.describe(loaded))"
                          + (loaded.stepper.map { "; optimizer restored after \($0.stepCount) steps" } ?? "")
                          + (loaded.stepSampler != nil ? "; step's data order continues where it was" : ""))
    }
}

import Corpus
import Foundation
import MiniMind

/// pretrain, finetune, step, train, eval, generate.
enum TrainingCommands {
    /// The one exception to "a failing command changes nothing" (docs/design.md, "Transactions").
    private static let keptSteps = "\nStopped between steps (an interrupt, a refused step, no batch with targets, any later failure),\nit keeps the steps it completed, with their losses, optimizer state and data order; a failure\nbefore its first step changes nothing."

    private static let seqParameter = ParameterSpec("seq", .integer(minimum: 2), "tokens per sequence (default: min(128, the model's context))")

    static let specs: [CommandSpec] = [
        CommandSpec("pretrain", area: .training, summary: "train every base parameter on the pre-training data",
                    parameters: [
                        ParameterSpec("steps", .integer(minimum: 1), default: .integer(300), "optimizer steps"),
                        ParameterSpec("lr", .number(minimum: 0, maximum: nil), default: .number(3e-3), "peak learning rate (MiniMind's cosine schedule)"),
                        ParameterSpec("batch", .integer(minimum: 1), default: .integer(16), "sequences per step"),
                        seqParameter,
                    ],
                    details: """
                    Needs `model` and `data pretrain`, and no adapters. AdamW, gradient
                    clipping at 1, lr·(0.1 + 0.45·(1 + cos(π·t/T))). Shows progress; an
                    interrupt stops it cleanly after the current step (the steps taken stay).
                    """ + keptSteps,
                    examples: ["pretrain steps=300 lr=3e-3 batch=16"],
                    handler: pretrain),
        CommandSpec("finetune", area: .training, summary: "full fine-tuning of the selected matrices (to compare with LoRA)",
                    parameters: [
                        ParameterSpec("targets", .targets, default: .word("all-linear"), "which matrices train (same selectors as lora)"),
                        ParameterSpec("layers", .layers, "only these blocks (default: all)"),
                    ],
                    details: """
                    Marks the selected base matrices trainable (everything else frozen) and
                    records their current weights W0, so that `svd` and `spectrum` show the
                    true update ΔW = W − W0. Then use `step` or `train`.
                    """,
                    examples: ["finetune targets=ffn", "finetune targets=q,v layers=0-1"],
                    handler: fullFineTune),
        CommandSpec("step", area: .training, summary: "optimizer steps on the fine-tune data; prints the loss",
                    positionals: [PositionalSpec("count", .integer(minimum: 1), required: false, "how many steps (default 1)")],
                    parameters: [
                        ParameterSpec("lr", .number(minimum: 0, maximum: nil), default: .number(1e-3), "learning rate (constant)"),
                        ParameterSpec("batch", .integer(minimum: 1), default: .integer(8), "sequences per step"),
                        seqParameter,
                    ],
                    details: "Trains what is trainable (adapters, or `finetune` matrices); the optimizer state carries over between `step`s." + keptSteps,
                    examples: ["step", "step 10", "step lr=3e-4"],
                    handler: step),
        CommandSpec("train", area: .training, summary: "many fine-tuning steps with progress; an interrupt stops cleanly",
                    parameters: [
                        ParameterSpec("steps", .integer(minimum: 1), default: .integer(200), "optimizer steps"),
                        ParameterSpec("lr", .number(minimum: 0, maximum: nil), default: .number(1e-3), "peak learning rate (cosine schedule over these steps)"),
                        ParameterSpec("batch", .integer(minimum: 1), default: .integer(8), "sequences per step"),
                        seqParameter,
                    ],
                    details: """
                    Trains what is trainable: the LoRA adapters, or the matrices chosen by
                    `finetune`, on the fine-tuning data. A live progress bar and loss chart
                    while it runs; an interrupt (Ctrl-C, Jupyter's stop button) stops after
                    the current step and keeps the steps taken.
                    """ + keptSteps,
                    examples: ["train steps=200 lr=1e-3 batch=8"],
                    handler: train),
        CommandSpec("eval", area: .training, summary: "loss on the held-out pre-training and fine-tuning data",
                    parameters: [
                        ParameterSpec("batches", .integer(minimum: 1), default: .integer(4), "batches per data set at most"),
                        ParameterSpec("batch", .integer(minimum: 1), default: .integer(8), "sequences per batch"),
                        seqParameter,
                    ],
                    details: "Mean cross-entropy per target token (nats) and perplexity, on the held-out part of each data set chosen.",
                    handler: evaluate),
        CommandSpec("generate", area: .training, summary: "continue a prompt with the model",
                    positionals: [PositionalSpec("prompt", .text, "the prompt, quoted; \\n is a newline")],
                    parameters: [
                        ParameterSpec("max", .integer(minimum: 1), default: .integer(40), "new tokens at most"),
                        ParameterSpec("temperature", .number(minimum: 0, maximum: nil), default: .number(0.8), "0 = greedy"),
                        ParameterSpec("top_k", .integer(minimum: 0), default: .integer(20), "sample among the k likeliest (0 = all)"),
                        ParameterSpec("seed", .integer(minimum: 0), "sampling seed (default: the session seed)"),
                    ],
                    details: "Stops at <|im_end|> when the prompt uses the chat template, else at <|endoftext|>.",
                    examples: ["generate \"<|im_start|>user\\nWho are you?<|im_end|>\\n\" max=40", "generate \"Once upon a time\" temperature=0"],
                    handler: generate),
    ]

    // MARK: pretrain

    private static func pretrain(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        var lab = try state.requireLab()
        guard let data = state.pretrainData else {
            throw CommandFailure(.command, "no pre-training data: choose it with `data pretrain builtin:tinystories`")
        }
        let model = lab.model
        guard model.updatedLinears.isEmpty else {
            throw CommandFailure(.command, "pretrain trains the whole base model; remove adapters with `lora detach` or start from a fresh `model`")
        }
        let steps = try invocation.requiredInteger("steps")
        let batch = try invocation.requiredInteger("batch")
        let seqLen = try TrainingRun.sequenceLength(invocation, model: model)
        let offset = lab.steps(in: .pretrain)
        let sampler = try TrainingRun.sampler(for: data, batch: batch, seqLen: seqLen, seed: state.seed &+ UInt64(offset))
        model.setBaseTrainable(true)
        defer { model.setBaseTrainable(false) }
        let trainer = Trainer(model: model, config: TrainingConfig(learningRate: Float(try invocation.requiredNumber("lr")), totalSteps: steps))
        var run = TrainingRun(trainer: trainer, sampler: sampler, steps: steps, label: "pretrain")
        let progress = ProgressDisplay(context: context, label: "pretrain", total: steps)
        let outcome = try run.run(progress: progress, cancellation: context.cancellation) { record in
            lab.lossHistory.append(LossPoint(phase: .pretrain, step: offset + record.step, loss: record.loss))
        }
        lab.forgetOptimizer()
        state.lab = lab
        return try summarize(outcome, what: "pretrain", steps: steps, lab: lab, phase: .pretrain)
    }

    // MARK: finetune (full)

    private static func fullFineTune(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        var lab = try state.requireLab()
        let model = lab.model
        guard model.adaptedLinears.isEmpty else {
            throw CommandFailure(.command, "adapters are attached; full fine-tuning compares against LoRA on a model without them (`lora detach`, or `run load` a base)")
        }
        let selector = try SelectorParsing.selector(try invocation.requiredTexts("targets"), layers: invocation.range("layers"),
                                                    model: model, at: invocation.location(of: "targets"))
        let selected: [Linear]
        do {
            selected = try model.beginFullFineTuning(selector)
        } catch {
            throw CommandFailure(.command, error.description, at: invocation.location(of: "targets"))
        }
        lab.forgetOptimizer()
        lab.adaptation = "full fine-tuning targets=\(selector.description)"
        state.lab = lab
        let parameters = selected.reduce(0) { $0 + $1.weight.count }
        return MimeBundle(plain: "full fine-tuning of \(selected.count) matrices (\(UpdateDescriptions.kindsSummary(selected))): "
                          + "\(parameters.grouped) trainable parameters = \(UpdateDescriptions.percent(parameters, of: model.parameterCount)) of the model; "
                          + "W0 recorded, so svd/spectrum show ΔW = W − W0")
    }

    // MARK: step and train

    /// What fine-tuning needs: a model with something trainable and fine-tuning data.
    private static func fineTuningInputs(_ state: SessionState) throws(CommandFailure) -> (ModelLab, DataChoice) {
        let lab = try state.requireLab()
        guard let data = state.finetuneData else {
            throw CommandFailure(.command, "no fine-tuning data: choose it with `data finetune builtin:identity` (see `data list`)")
        }
        guard lab.model.trainableParameterCount > 0 else {
            throw CommandFailure(.command, "nothing is trainable: attach adapters with `lora targets=square rank=8` or choose matrices with `finetune targets=ffn`")
        }
        if lab.model.hasMergedAdapters {
            throw CommandFailure(.command, "the adapters are merged into the weights; `lora unmerge` before training them")
        }
        return (lab, data)
    }

    private static func step(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        var (lab, data) = try fineTuningInputs(state)
        let count = invocation.integer("count") ?? 1
        let batch = try invocation.requiredInteger("batch")
        let seqLen = try TrainingRun.sequenceLength(invocation, model: lab.model)
        let rate = Float(try invocation.requiredNumber("lr"))
        let trainer = lab.stepper ?? Trainer(model: lab.model, config: TrainingConfig(learningRate: rate))
        trainer.config.learningRate = rate
        trainer.config.totalSteps = 0
        let sampler: BatchSampler
        if let existing = lab.stepSampler, existing.batchSize == batch, existing.seqLen == seqLen {
            sampler = existing
        } else {
            sampler = try TrainingRun.sampler(for: data, batch: batch, seqLen: seqLen, seed: state.seed &+ UInt64(lab.steps(in: .finetune)))
        }
        var lines: [String] = []
        var run = TrainingRun(trainer: trainer, sampler: sampler, steps: count, label: "step", stepOffset: lab.steps(in: .finetune))
        let outcome = try run.run(progress: nil, cancellation: context.cancellation) { record in
            let number = lab.steps(in: .finetune) + 1
            lab.lossHistory.append(LossPoint(phase: .finetune, step: number, loss: record.loss))
            lines.append("step \(number): loss \(String(format: "%.4f", record.loss))  (lr \(Double(record.learningRate).formatted), grad norm \(String(format: "%.3f", record.gradientNorm)))")
        }
        // The optimizer and data order carry over, also after a refused step (it changed neither).
        lab.stepper = trainer
        lab.stepSampler = run.sampler
        state.lab = lab
        if let divergence = outcome.divergence {
            throw CommandFailure(.diverged, divergence)
        }
        if let stopped = outcome.stopped {
            throw CommandFailure(.stopped, "\(stopped) (\(lines.count) of \(count) steps taken and kept)")
        }
        if outcome.interrupted {
            throw CommandFailure(.interrupted, "interrupted after \(lines.count) of \(count) steps; the model keeps the steps taken")
        }
        return MimeBundle(plain: lines.joined(separator: "\n"))
    }

    private static func train(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        var (lab, data) = try fineTuningInputs(state)
        let steps = try invocation.requiredInteger("steps")
        let batch = try invocation.requiredInteger("batch")
        let seqLen = try TrainingRun.sequenceLength(invocation, model: lab.model)
        let offset = lab.steps(in: .finetune)
        let trainer = Trainer(model: lab.model, config: TrainingConfig(learningRate: Float(try invocation.requiredNumber("lr")), totalSteps: steps))
        var run = TrainingRun(trainer: trainer,
                              sampler: try TrainingRun.sampler(for: data, batch: batch, seqLen: seqLen, seed: state.seed &+ UInt64(offset)),
                              steps: steps, label: "train")
        let progress = ProgressDisplay(context: context, label: "train", total: steps)
        let outcome = try run.run(progress: progress, cancellation: context.cancellation) { record in
            lab.lossHistory.append(LossPoint(phase: .finetune, step: offset + record.step, loss: record.loss))
        }
        // `step` continues with this optimizer and data order, at a constant rate.
        trainer.config.totalSteps = 0
        lab.stepper = trainer
        lab.stepSampler = run.sampler
        state.lab = lab
        return try summarize(outcome, what: "train", steps: steps, lab: lab, phase: .finetune)
    }

    private static func summarize(_ outcome: TrainingRun.Outcome, what: String, steps: Int, lab: ModelLab,
                                  phase: LossPoint.Phase) throws(CommandFailure) -> MimeBundle {
        let losses = outcome.records.map(\.loss)
        if let divergence = outcome.divergence {
            throw CommandFailure(.diverged, "\(what): " + divergence + " (\(losses.count) good steps kept)")
        }
        if let stopped = outcome.stopped {
            throw CommandFailure(.stopped, "\(what): \(stopped) (\(losses.count) of \(steps) steps taken and kept)")
        }
        if outcome.interrupted {
            throw CommandFailure(.interrupted, "\(what) interrupted after \(losses.count) of \(steps) steps; the model keeps the steps taken"
                                 + (losses.last.map { " (last loss \(String(format: "%.4f", $0)))" } ?? ""))
        }
        let first = losses.first.map { String(format: "%.4f", $0) } ?? "—"
        let last = losses.last.map { String(format: "%.4f", $0) } ?? "—"
        let text = "\(what): \(losses.count) steps in \(String(format: "%.1f", outcome.seconds)) s, loss \(first) → \(last)"
        let curve = lab.lossHistory.filter { $0.phase == phase }.map(\.loss)
        guard let chart = Figures.lossChart(title: "\(phase.rawValue) loss (whole session)", curves: [(phase.rawValue, curve)]) else {
            return MimeBundle(plain: text)
        }
        return MimeBundle(plain: text, html: "<p>\(HTML.escape(text))</p>\n" + chart.svg, svg: chart.svg)
    }

    // MARK: eval

    private static func evaluate(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let lab = try state.requireLab()
        let sets = [("pre-training", state.pretrainData), ("fine-tuning", state.finetuneData)].compactMap { name, data in data.map { (name, $0) } }
        guard !sets.isEmpty else {
            throw CommandFailure(.command, "no data to evaluate on: choose it with `data pretrain builtin:tinystories` or `data finetune builtin:identity`")
        }
        let seqLen = try TrainingRun.sequenceLength(invocation, model: lab.model)
        var table = ResultTable(["data", "source", "split", "loss", "perplexity", "tokens"], numericColumns: [3, 4, 5])
        for (name, data) in sets {
            guard let result = try Evaluation.loss(of: lab.model, on: data, batch: try invocation.requiredInteger("batch"), seqLen: seqLen,
                                                   maxBatches: try invocation.requiredInteger("batches")) else {
                table.append([name, data.source, "—", "—", "—", "0"])
                continue
            }
            table.append([name, data.source, result.split.description, String(format: "%.4f", result.loss),
                          String(format: "%.2f", exp(result.loss)), result.tokens.grouped])
        }
        return table.bundle
    }

    // MARK: generate

    private static func generate(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let lab = try state.requireLab()
        let prompt = try invocation.requiredText("prompt")
        let tokens = ByteTokenizer.encode(prompt)
        guard !tokens.isEmpty else {
            throw CommandFailure(.argument, "the prompt is empty", at: invocation.location(of: "prompt"))
        }
        let sampling = SamplingConfig(temperature: Float(try invocation.requiredNumber("temperature")),
                                      topK: try invocation.requiredInteger("top_k"),
                                      seed: invocation.integer("seed").map(UInt64.init) ?? state.seed)
        let stop = prompt.contains("<|im_start|>") ? ByteTokenizer.imEnd : ByteTokenizer.endOfText
        let produced = lab.model.generate(prompt: tokens, maxNewTokens: try invocation.requiredInteger("max"), sampling: sampling, stopToken: stop)
        let text = ByteTokenizer.decode(produced)
        return MimeBundle(plain: text, html: "<pre class=\"loralab-generation\"><span style=\"color:#888\">\(HTML.escape(prompt))</span><b>\(HTML.escape(text))</b></pre>")
    }
}

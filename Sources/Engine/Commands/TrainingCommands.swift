import Corpus
import Foundation
import MiniMind

/// pretrain, finetune, step, train, eval, generate: each handler binds its
/// options, calls the Lab, and presents what it returns (docs/design.md).
enum TrainingCommands {
    /// The one exception to "a failing command changes nothing" (docs/design.md, "Transactions").
    private static let keptSteps = "\nStopped between steps (an interrupt, a refused step, no batch with targets, any later failure),\nit keeps the steps it completed, with their losses, optimizer state and data order; a failure\nbefore its first step changes nothing."

    static let specs: [CommandSpec] = [
        CommandSpec("pretrain", area: .training, summary: "train every base parameter on the pre-training data",
                    parameters: [
                        ParameterSpec("steps", .integer(minimum: 1), default: .integer(300), "optimizer steps"),
                        ParameterSpec("lr", .number(minimum: 0, maximum: nil), default: .number(3e-3), "peak learning rate (MiniMind's cosine schedule)"),
                        ParameterSpec("batch", .integer(minimum: 1), default: .integer(16), "sequences per step"),
                        SharedParameters.seq,
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
                    positionals: [PositionalSpec("count", .integer(minimum: 1), default: .integer(1), "how many steps")],
                    parameters: [
                        ParameterSpec("lr", .number(minimum: 0, maximum: nil), default: .number(1e-3), "learning rate (constant)"),
                        ParameterSpec("batch", .integer(minimum: 1), default: .integer(8), "sequences per step"),
                        SharedParameters.seq,
                    ],
                    details: "Trains what is trainable (adapters, or `finetune` matrices); the optimizer state carries over between `step`s." + keptSteps,
                    examples: ["step", "step 10", "step lr=3e-4"],
                    handler: step),
        CommandSpec("train", area: .training, summary: "many fine-tuning steps with progress; an interrupt stops cleanly",
                    parameters: [
                        ParameterSpec("steps", .integer(minimum: 1), default: .integer(200), "optimizer steps"),
                        ParameterSpec("lr", .number(minimum: 0, maximum: nil), default: .number(1e-3), "peak learning rate (cosine schedule over these steps)"),
                        ParameterSpec("batch", .integer(minimum: 1), default: .integer(8), "sequences per step"),
                        SharedParameters.seq,
                    ],
                    details: """
                    Trains what is trainable: the LoRA adapters, or the matrices chosen by
                    `finetune`, on the fine-tuning data. A live progress bar and loss chart
                    while it runs; an interrupt (Ctrl-C, Jupyter's stop button) stops after
                    the current step and keeps the steps taken. With a run cache (`set
                    cache=`), the first `train` of a fresh `lora` or `finetune` on a base
                    is an independent run: read from the cache when it holds it (the
                    same weights, losses and data order), stored when it does not.
                    """ + keptSteps,
                    examples: ["train steps=200 lr=1e-3 batch=8"],
                    handler: train),
        CommandSpec("eval", area: .training, summary: "loss on the held-out pre-training and fine-tuning data, with its standard error",
                    parameters: [
                        ParameterSpec("tokens", .integer(minimum: 1), "target tokens per data set at most, in whole batches (default: the whole held-out split)"),
                        ParameterSpec("batches", .integer(minimum: 1), "batches per data set at most (default: all; tokens= says it in tokens)"),
                        ParameterSpec("batch", .integer(minimum: 1), default: .integer(8), "sequences per batch"),
                        SharedParameters.seq,
                        SharedParameters.match,
                    ],
                    details: """
                    Mean cross-entropy per target token (nats), its standard error and the
                    perplexity, on the held-out part of each data set chosen — all of it
                    unless tokens= or batches= stop earlier. The standard error takes each
                    sequence (one row of seq tokens) as one draw, since the tokens within a
                    text are correlated: SE = √(Σ(sᵢ − L·cᵢ)² / (n(n−1))) / c̄ over the n
                    sequences' loss sums sᵢ and target counts cᵢ (a ratio estimate).
                    match=true adds the exact match on the fine-tuning data's questions,
                    trained (seen phrasings) and held out (unseen): the fraction whose
                    whole answer — the assistant's text and its <|im_end|> — greedy
                    decoding reproduces from the prompt, ± √(p(1−p)/n), over every
                    question of the split (tokens= and batches= limit only the losses).
                    """,
                    examples: ["eval", "eval tokens=4096", "eval batch=16 seq=64", "eval match=true"],
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

    // MARK: Handlers

    private static func pretrain(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let options = try training(invocation, steps: "steps")
        var lab = Lab(state: state, cancellation: context.cancellation)
        let result = try lab.pretrain(options, observer: ProgressDisplay(context: context))
        state = lab.state
        try TrainingReports.requireCompleted(result, what: "pretrain")
        return TrainingReports.summary(result, what: "pretrain")
    }

    private static func fullFineTune(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let options = FullFineTuningOptions(targets: try invocation.requiredTexts("targets"), layers: invocation.range("layers"),
                                            targetsLocation: invocation.location(of: "targets"))
        var lab = Lab(state: state, cancellation: context.cancellation)
        let result = try lab.beginFullFineTuning(options)
        state = lab.state
        return TrainingReports.fullFineTuning(result)
    }

    private static func step(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let options = try training(invocation, steps: "count")
        var lab = Lab(state: state, cancellation: context.cancellation)
        let result = try lab.step(options)
        state = lab.state
        return try TrainingReports.steps(result)
    }

    private static func train(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let options = try training(invocation, steps: "steps")
        var lab = Lab(state: state, cancellation: context.cancellation)
        let result = try lab.train(options, observer: ProgressDisplay(context: context))
        state = lab.state
        for warning in result.cacheWarnings { context.warn(warning) }
        try TrainingReports.requireCompleted(result, what: "train")
        return TrainingReports.summary(result, what: "train")
    }

    private static func evaluate(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let options = EvaluationOptions(budget: Evaluation.Budget(tokens: invocation.integer("tokens"), batches: invocation.integer("batches")),
                                        shape: try BatchShape(invocation),
                                        measuresExactMatch: try invocation.requiredBoolean("match"), matchLocation: invocation.location(of: "match"))
        let report = try Lab(state: state, cancellation: context.cancellation).evaluate(options)
        return TrainingReports.evaluation(report)
    }

    private static func generate(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let options = GenerationOptions(prompt: try invocation.requiredText("prompt"), promptLocation: invocation.location(of: "prompt"),
                                        maxTokens: try invocation.requiredInteger("max"),
                                        temperature: try invocation.requiredNumber("temperature"),
                                        topK: try invocation.requiredInteger("top_k"),
                                        seed: invocation.integer("seed").map(UInt64.init))
        let result = try Lab(state: state, cancellation: context.cancellation).generate(options)
        return TrainingReports.generation(result)
    }

    // MARK: Binding

    /// steps (or step's count), lr, batch and seq.
    static func training(_ invocation: Invocation, steps: String) throws(CommandFailure) -> TrainingOptions {
        TrainingOptions(steps: try invocation.requiredInteger(steps), learningRate: try invocation.requiredNumber("lr"),
                        shape: try BatchShape(invocation))
    }
}

import Corpus
import MiniMind

/// `eval`: how much of each held-out split, in batches of which shape.
struct EvaluationOptions {
    var budget: Evaluation.Budget
    var shape: BatchShape
    /// `match=true`: also the exact match on the fine-tuning data's training and held-out questions.
    var measuresExactMatch: Bool
    var matchLocation: SourceLocation
}

/// The loss on each chosen data set (nil when it has no target token within reach).
struct EvaluationReport {
    struct Entry {
        var role: DataRole
        var source: String
        var result: Evaluation.Result?
    }
    var entries: [Entry]

    /// The exact match on the fine-tuning data, when asked for.
    struct ExactMatchEntry {
        var source: String
        /// The training split: phrasings the model was trained on.
        var seen: Evaluation.ExactMatch?
        /// The held-out split: phrasings it never saw.
        var unseen: Evaluation.ExactMatch?
    }
    var exactMatch: ExactMatchEntry?
}

/// `generate`: the prompt and how to sample.
struct GenerationOptions {
    var prompt: String
    var promptLocation: SourceLocation
    var maxTokens: Int
    var temperature: Double
    var topK: Int
    /// nil: the session seed.
    var seed: UInt64?
}

struct GenerationResult {
    var prompt: String
    var continuation: String
}

extension Lab {
    func evaluate(_ options: EvaluationOptions) throws(CommandFailure) -> EvaluationReport {
        let lab = try requireModel()
        let sets = DataRole.allCases.compactMap { role in state.data(for: role).map { (role, $0) } }
        guard !sets.isEmpty else {
            throw CommandFailure(.command, "no data to evaluate on: choose it with `data pretrain builtin:tinystories` or `data finetune builtin:identity`")
        }
        let seqLen = try options.shape.sequenceLength(for: lab.model)
        try checkForwardMemory(lab.model, batch: options.shape.batch, seqLen: seqLen, at: options.shape.batchLocation)
        let answered = options.measuresExactMatch
            ? try requireAnsweredData(for: lab.model, batch: options.shape.batch, option: "match=true", at: options.matchLocation) : nil
        var entries: [EvaluationReport.Entry] = []
        for (role, data) in sets {
            let result = try Evaluation.loss(of: lab.model, on: data, batch: options.shape.batch, seqLen: seqLen, budget: options.budget)
            entries.append(EvaluationReport.Entry(role: role, source: data.source, result: result))
        }
        var report = EvaluationReport(entries: entries)
        if let answered {
            report.exactMatch = EvaluationReport.ExactMatchEntry(
                source: answered.source,
                seen: Evaluation.exactMatch(of: lab.model, on: answered, split: .train, batch: options.shape.batch),
                unseen: Evaluation.exactMatch(of: lab.model, on: answered, split: .heldOut, batch: options.shape.batch))
        }
        return report
    }

    func generate(_ options: GenerationOptions) throws(CommandFailure) -> GenerationResult {
        let lab = try requireModel()
        let tokenizer = lab.tokenizer.tokenizer
        let tokens = tokenizer.encode(options.prompt)
        guard !tokens.isEmpty else {
            throw CommandFailure(.argument, "the prompt is empty", at: options.promptLocation)
        }
        let sampling = SamplingConfig(temperature: Float(options.temperature), topK: options.topK, seed: options.seed ?? state.seed)
        let stop = options.prompt.contains("<|im_start|>") ? tokenizer.imEnd : tokenizer.endOfText
        let produced = lab.model.generate(prompt: tokens, maxNewTokens: options.maxTokens, sampling: sampling, stopToken: stop)
        return GenerationResult(prompt: options.prompt, continuation: tokenizer.decode(produced))
    }
}

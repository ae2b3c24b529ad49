import Foundation
import MiniMind

/// `compare`: the strategies, how each trains, how often, at which rates.
struct ComparisonOptions {
    enum Budget: String {
        /// Ranks chosen for the same trainable-parameter count as the first strategy's.
        case equal
        /// The same rank for all.
        case rank
    }

    /// One selector's words per strategy (`[["q"], ["q", "v"]]`).
    var strategies: [[String]]
    var targetsLocation: SourceLocation
    var budget: Budget
    /// LoRA, or full fine-tuning of each selector's matrices (`method=full`),
    /// which has no rank and so no budget to equal.
    var method: FineTuningMethod = .lora
    /// The first strategy's rank (the budget reference).
    var rank: Int
    /// Steps, the learning rate (when `learningRates` is nil) and the batch shape.
    var training: TrainingOptions
    /// How much of each held-out split to evaluate on (all unless limited).
    var evaluation: Evaluation.Budget
    /// Each seed is one run per strategy: its own adapter init and batch order
    /// on the same base. nil: one run with the session seed.
    var seeds: [UInt64]?
    /// Candidate rates: each strategy's is the one with the lowest mean loss on
    /// the fine-tuning data's validation split after training. nil: `training.learningRate`.
    var learningRates: [Double]?
    /// Where lrs= was written, for its errors.
    var learningRatesLocation: SourceLocation
    /// Where a strategy the model refuses is reported.
    var verbLocation: SourceLocation
    /// `match=true`: each run's exact match on the trained and held-out questions.
    var measuresExactMatch: Bool
    var matchLocation: SourceLocation
}

/// One seed's run of one strategy at its chosen rate.
struct SeedRun {
    var seed: UInt64
    var losses: [Float]
    /// Mean of the last 10% of the training losses.
    var finalLoss: Float
    var fineTuningEvaluation: Evaluation.Result?
    /// The base corpus's held-out loss after fine-tuning: what was forgotten.
    var pretrainingEvaluation: Evaluation.Result?
    /// Exact match on the trained and held-out questions (`match=true`).
    var exactMatchSeen: Evaluation.ExactMatch? = nil
    var exactMatchUnseen: Evaluation.ExactMatch? = nil
}

/// One candidate rate of one strategy, judged on the validation split.
struct LearningRateTrial {
    var learningRate: Double
    /// Mean over seeds of the validation loss after training; nil when a seed diverged.
    var validationLoss: Double?
}

/// One strategy: its runs at the rate it used.
struct StrategyResult {
    /// The selector as written (`q,v`).
    var targets: String
    /// 0 for full fine-tuning.
    var rank: Int
    var method: FineTuningMethod = .lora
    var matrices: Int
    var parameters: Int
    var learningRate: Double
    var runs: [SeedRun]
    /// Every candidate rate when `lrs=` was given, else empty.
    var trials: [LearningRateTrial]

    /// `q,v r=4` or `ffn full`: the strategy's name on charts and in messages.
    var label: String { method == .full ? "\(targets) full" : "\(targets) r=\(rank)" }
}

struct ComparisonResult {
    var strategies: [StrategyResult]
    var modelParameters: Int
    var steps: Int
    var batch: Int
    var seqLen: Int
    var seeds: [UInt64]
    var budget: ComparisonOptions.Budget
    var method: FineTuningMethod = .lora
    /// The candidates of `lrs=`, nil when one rate was given.
    var learningRates: [Double]?
    /// The base's held-out loss on the pre-training data before any fine-tuning.
    var pretrainingBefore: Evaluation.Result?
    /// How many runs came from the run cache; nil without one.
    var cache: CacheUse?
    /// Whether the runs measured exact match (the table's extra columns).
    var measuresExactMatch: Bool
}

extension Lab {
    /// Trains LoRA (or fully fine-tunes) each selector from copies of the same
    /// base — per seed, per candidate rate — then evaluates each. Leaves the
    /// session untouched.
    func compare(_ options: ComparisonOptions, observer: TrainingObserver?) throws(CommandFailure) -> ComparisonResult {
        let base = try requireModel().model
        guard let data = state.finetuneData else {
            throw CommandFailure(.command, "no fine-tuning data: choose it with `data finetune builtin:identity`")
        }
        guard base.updatedLinears.isEmpty else {
            throw CommandFailure(.command, "compare starts from the base model; this one has adapters or fully tuned matrices (`lora detach` or `run load` a base)")
        }
        let contenders = try contenders(options, base)
        let training = options.training
        let batch = training.shape.batch
        let seqLen = try training.shape.sequenceLength(for: base)
        let seeds = options.seeds ?? [state.seed]
        // The copy each run trains beside the base (dropped once evaluated); a full run may train every weight.
        try checkTrainingMemory(base, batch: batch, seqLen: seqLen, trainingBase: options.method == .full, copies: 1,
                                at: training.shape.batchLocation)
        if options.measuresExactMatch {
            _ = try requireAnsweredData(for: base, batch: batch, option: "match=true", at: options.matchLocation)
        }
        let rates = options.learningRates ?? [training.learningRate]
        let choosing = options.learningRates != nil
        if choosing, data.dataset.validation.isEmpty {
            throw CommandFailure(.argument, "\(data.source) has no validation split to choose a learning rate on (it needs three documents or more)",
                                 at: options.learningRatesLocation)
        }
        var pretrainingBefore: Evaluation.Result?
        if let pretraining = state.pretrainData {
            pretrainingBefore = try Evaluation.loss(of: base, on: pretraining, batch: batch, seqLen: seqLen, budget: options.evaluation)
        }
        // Every (strategy, rate, seed) is independent of the others: one list, performed at once.
        var runs: [IndependentRun] = []
        for contender in contenders {
            for rate in rates {
                for seed in seeds {
                    let name = contender.label + (options.method == .full ? " full" : " r=\(contender.rank)")
                        + (choosing ? " lr=\(rate.formatted)" : "") + (seeds.count > 1 ? " seed=\(seed)" : "")
                    runs.append(IndependentRun(targets: contender.label, selector: contender.selector,
                                               lora: LoRAConfig(rank: max(1, contender.rank)), method: options.method,
                                               learningRate: rate, steps: training.steps, batch: batch, seqLen: seqLen, seed: seed,
                                               evaluation: options.evaluation, measuresValidation: choosing,
                                               measuresExactMatch: options.measuresExactMatch, mayDiverge: choosing, name: name))
                }
            }
        }
        let performed = try perform(runs, on: base, data: data, verb: "compare", verbLocation: options.verbLocation, observer: observer)
        let outcomes = performed.results
        var results: [StrategyResult] = []
        for (strategyIndex, contender) in contenders.enumerated() {
            var trials: [LearningRateTrial] = []
            var best: (rate: Double, validation: Double, runs: ArraySlice<IndependentRunResult>)?
            for (rateIndex, rate) in rates.enumerated() {
                let first = (strategyIndex * rates.count + rateIndex) * seeds.count
                let runsAtRate = outcomes[first..<first + seeds.count]
                // A candidate rate with a diverged seed is out of the running.
                let diverged = runsAtRate.contains { $0.divergence != nil }
                var validation: Double?
                if choosing, !diverged {
                    let losses = runsAtRate.compactMap { $0.validation?.loss }
                    validation = losses.isEmpty ? nil : losses.reduce(0, +) / Double(losses.count)
                }
                trials.append(LearningRateTrial(learningRate: rate, validationLoss: validation))
                let score = choosing ? validation : 0
                if let score, best == nil || score < best!.validation {
                    best = (rate, score, runsAtRate)
                }
            }
            guard let chosen = best else {
                let label = contender.label + (options.method == .full ? " full" : " r=\(contender.rank)")
                throw CommandFailure(.command, "\(label): every learning rate of lrs= diverged; the session is unchanged",
                                     at: options.learningRatesLocation)
            }
            results.append(StrategyResult(targets: contender.label, rank: contender.rank, method: options.method, matrices: chosen.runs.first?.matrices ?? 0,
                                          parameters: chosen.runs.first?.parameters ?? 0, learningRate: chosen.rate,
                                          runs: zip(seeds, chosen.runs).map { $1.seedRun(seed: $0) }, trials: choosing ? trials : []))
        }
        return ComparisonResult(strategies: results, modelParameters: base.parameterCount, steps: training.steps,
                                batch: batch, seqLen: seqLen, seeds: seeds, budget: options.budget, method: options.method,
                                learningRates: options.learningRates, pretrainingBefore: pretrainingBefore, cache: performed.cache,
                                measuresExactMatch: options.measuresExactMatch)
    }

    private struct Contender {
        var label: String
        var selector: TargetSelector
        var rank: Int
        var parametersPerRank: Int
    }

    /// The selectors with their ranks; for an equal budget each rank is the one
    /// whose parameter count comes closest to the first selector's.
    private func contenders(_ options: ComparisonOptions, _ model: Model) throws(CommandFailure) -> [Contender] {
        let location = options.targetsLocation
        var offset = 0
        var result: [Contender] = []
        for words in options.strategies {
            let text = words.joined(separator: ",")
            let here = SourceLocation(line: location.line, column: location.column + offset, offset: location.offset + offset)
            let selector = try SelectorParsing.selector(words, layers: nil, model: model, at: here)
            let selected = model.selectedLinears(selector)
            guard !selected.isEmpty else {
                throw CommandFailure(.command, "targets '\(text)' selects no matrix of this model", at: here)
            }
            let perRank = selected.reduce(0) { $0 + $1.inFeatures + $1.outFeatures }
            result.append(Contender(label: text, selector: selector, rank: 0, parametersPerRank: perRank))
            offset += text.unicodeScalars.count + 1
        }
        // Full fine-tuning trains every weight of its matrices: no rank, nothing to equal.
        if options.method == .full { return result }
        let budget = options.rank * (result.first?.parametersPerRank ?? 0)
        for index in result.indices {
            result[index].rank = options.budget == .equal && index > 0
                ? max(1, Int((Double(budget) / Double(result[index].parametersPerRank)).rounded()))
                : options.rank
        }
        return result
    }
}

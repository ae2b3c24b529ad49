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
    var rank: Int
    var matrices: Int
    var parameters: Int
    var learningRate: Double
    var runs: [SeedRun]
    /// Every candidate rate when `lrs=` was given, else empty.
    var trials: [LearningRateTrial]

    /// `q,v r=4`: the strategy's name on charts and in messages.
    var label: String { "\(targets) r=\(rank)" }
}

struct ComparisonResult {
    var strategies: [StrategyResult]
    var modelParameters: Int
    var steps: Int
    var batch: Int
    var seqLen: Int
    var seeds: [UInt64]
    var budget: ComparisonOptions.Budget
    /// The candidates of `lrs=`, nil when one rate was given.
    var learningRates: [Double]?
    /// The base's held-out loss on the pre-training data before any fine-tuning.
    var pretrainingBefore: Evaluation.Result?
}

extension Lab {
    /// Trains LoRA with each selector from copies of the same base — per seed,
    /// per candidate rate — then evaluates each. Leaves the session untouched.
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
        // A copy of the base per seed is kept until its strategy's rate is chosen, plus the one training.
        try checkTrainingMemory(base, batch: batch, seqLen: seqLen, copies: seeds.count + 1, at: training.shape.batchLocation)
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
        let runCount = contenders.count * rates.count * seeds.count
        var finished: [LossCurve] = []
        var results: [StrategyResult] = []
        for contender in contenders {
            let label = "\(contender.label) r=\(contender.rank)"
            var trials: [LearningRateTrial] = []
            var best: (rate: Double, validation: Double, runs: [(seed: UInt64, model: Model, losses: [Float], matrices: Int, parameters: Int)])?
            for rate in rates {
                var runs: [(seed: UInt64, model: Model, losses: [Float], matrices: Int, parameters: Int)] = []
                var diverged = false
                for seed in seeds {
                    let candidate = base.copy()
                    let attached: [Linear]
                    do {
                        attached = try candidate.attachLoRA(contender.selector, config: LoRAConfig(rank: contender.rank), seed: seed)
                    } catch {
                        throw CommandFailure(.command, error.description, at: options.verbLocation)
                    }
                    let trainer = Trainer(model: candidate, config: TrainingConfig(learningRate: Float(rate), totalSteps: training.steps))
                    var run = TrainingRun(trainer: trainer, sampler: try TrainingRun.sampler(for: data, batch: batch, seqLen: seqLen, seed: seed),
                                          steps: training.steps)
                    let name = label + (choosing ? " lr=\(rate.formatted)" : "") + (seeds.count > 1 ? " seed=\(seed)" : "")
                    observer?.began(ObservedRun(name: name, steps: training.steps, part: (finished.count + 1, runCount), earlier: finished))
                    let outcome = try run.run(observer: observer, cancellation: cancellation)
                    if outcome.interrupted {
                        throw CommandFailure(.interrupted, "compare interrupted during \(name); the session is unchanged")
                    }
                    if let stopped = outcome.stopped {
                        throw CommandFailure(.command, "\(name): \(stopped); the session is unchanged")
                    }
                    finished.append((name, outcome.records.map(\.loss)))
                    if let divergence = outcome.divergence {
                        // A candidate rate that diverges is out of the running; a single rate is an error.
                        guard choosing else { throw CommandFailure(.command, "\(label): \(divergence); the session is unchanged") }
                        diverged = true
                        break
                    }
                    runs.append((seed, candidate, outcome.records.map(\.loss), attached.count,
                                 attached.reduce(0) { $0 + ($1.update?.parameterCount ?? 0) }))
                }
                var validation: Double?
                if choosing, !diverged {
                    var losses: [Double] = []
                    for run in runs {
                        if let result = try Evaluation.loss(of: run.model, on: data, split: .validation, batch: batch, seqLen: seqLen) {
                            losses.append(result.loss)
                        }
                    }
                    validation = losses.isEmpty ? nil : losses.reduce(0, +) / Double(losses.count)
                }
                trials.append(LearningRateTrial(learningRate: rate, validationLoss: validation))
                let score = choosing ? validation : 0
                if let score, best == nil || score < best!.validation {
                    best = (rate, score, runs)
                }
            }
            guard let chosen = best else {
                throw CommandFailure(.command, "\(label): every learning rate of lrs= diverged; the session is unchanged", at: options.learningRatesLocation)
            }
            var seedRuns: [SeedRun] = []
            for run in chosen.runs {
                let tail = run.losses.suffix(max(1, run.losses.count / 10))
                var pretrainingEvaluation: Evaluation.Result?
                if let pretraining = state.pretrainData {
                    pretrainingEvaluation = try Evaluation.loss(of: run.model, on: pretraining, batch: batch, seqLen: seqLen, budget: options.evaluation)
                }
                seedRuns.append(SeedRun(seed: run.seed, losses: run.losses, finalLoss: tail.reduce(0, +) / Float(max(1, tail.count)),
                                        fineTuningEvaluation: try Evaluation.loss(of: run.model, on: data, batch: batch, seqLen: seqLen,
                                                                                  budget: options.evaluation),
                                        pretrainingEvaluation: pretrainingEvaluation))
            }
            results.append(StrategyResult(targets: contender.label, rank: contender.rank, matrices: chosen.runs.first?.matrices ?? 0,
                                          parameters: chosen.runs.first?.parameters ?? 0, learningRate: chosen.rate,
                                          runs: seedRuns, trials: choosing ? trials : []))
        }
        return ComparisonResult(strategies: results, modelParameters: base.parameterCount, steps: training.steps,
                                batch: batch, seqLen: seqLen, seeds: seeds, budget: options.budget,
                                learningRates: options.learningRates, pretrainingBefore: pretrainingBefore)
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
        let budget = options.rank * (result.first?.parametersPerRank ?? 0)
        for index in result.indices {
            result[index].rank = options.budget == .equal && index > 0
                ? max(1, Int((Double(budget) / Double(result[index].parametersPerRank)).rounded()))
                : options.rank
        }
        return result
    }
}

import Foundation
import MiniMind

/// `compare`: the strategies and how each trains.
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
    var training: TrainingOptions
    /// How much of each held-out split to evaluate on (all unless limited).
    var evaluation: Evaluation.Budget
    /// Where a strategy the model refuses is reported.
    var verbLocation: SourceLocation
}

/// One strategy's run.
struct StrategyResult {
    /// The selector as written (`q,v`).
    var targets: String
    var rank: Int
    var matrices: Int
    var parameters: Int
    var losses: [Float]
    /// Mean of the last 10% of the training losses.
    var finalLoss: Float
    var fineTuningEvaluation: Evaluation.Result?
    var pretrainingEvaluation: Evaluation.Result?

    /// `q,v r=4`: the strategy's name on charts and in messages.
    var label: String { "\(targets) r=\(rank)" }
}

struct ComparisonResult {
    var strategies: [StrategyResult]
    var modelParameters: Int
    var steps: Int
    var learningRate: Double
    var batch: Int
    var seqLen: Int
    var seed: UInt64
    var budget: ComparisonOptions.Budget
}

extension Lab {
    /// Trains LoRA with each selector from copies of the same base, with the
    /// same seed and batches, then evaluates each. Leaves the session untouched.
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
        let rate = Float(training.learningRate)

        var results: [StrategyResult] = []
        for (index, contender) in contenders.enumerated() {
            let candidate = base.copy()
            let attached: [Linear]
            do {
                attached = try candidate.attachLoRA(contender.selector, config: LoRAConfig(rank: contender.rank), seed: state.seed)
            } catch {
                throw CommandFailure(.command, error.description, at: options.verbLocation)
            }
            let trainer = Trainer(model: candidate, config: TrainingConfig(learningRate: rate, totalSteps: training.steps))
            let label = "\(contender.label) r=\(contender.rank)"
            var run = TrainingRun(trainer: trainer,
                                  sampler: try TrainingRun.sampler(for: data, batch: batch, seqLen: seqLen, seed: state.seed),
                                  steps: training.steps)
            observer?.began(ObservedRun(name: label, steps: training.steps, part: (index + 1, contenders.count),
                                        earlier: results.map { ($0.label, $0.losses) }))
            let outcome = try run.run(observer: observer, cancellation: cancellation)
            if let divergence = outcome.divergence {
                throw CommandFailure(.command, "\(label): " + divergence.description + "; the session is unchanged")
            }
            if outcome.interrupted {
                throw CommandFailure(.interrupted, "compare interrupted during \(label); the session is unchanged")
            }
            let losses = outcome.records.map(\.loss)
            let tail = losses.suffix(max(1, losses.count / 10))
            var pretrainingEvaluation: Evaluation.Result?
            if let pretraining = state.pretrainData {
                pretrainingEvaluation = try Evaluation.loss(of: candidate, on: pretraining, batch: batch, seqLen: seqLen, budget: options.evaluation)
            }
            results.append(StrategyResult(
                targets: contender.label, rank: contender.rank, matrices: attached.count,
                parameters: attached.reduce(0) { $0 + ($1.update?.parameterCount ?? 0) },
                losses: losses, finalLoss: tail.reduce(0, +) / Float(tail.count),
                fineTuningEvaluation: try Evaluation.loss(of: candidate, on: data, batch: batch, seqLen: seqLen, budget: options.evaluation),
                pretrainingEvaluation: pretrainingEvaluation))
        }
        return ComparisonResult(strategies: results, modelParameters: base.parameterCount, steps: training.steps,
                                learningRate: training.learningRate, batch: batch, seqLen: seqLen, seed: state.seed,
                                budget: options.budget)
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

import Foundation
import MiniMind

/// `sweep`: one LoRA strategy at several values of one parameter, with seeds.
struct SweepOptions {
    /// The parameters a sweep can vary.
    enum Parameter: String {
        case rank, lr, alpha, steps
    }

    var targets: [String]
    var targetsLocation: SourceLocation
    /// The swept parameter; its values are the list of that name below.
    var parameter: Parameter
    var ranks: [Int]
    var learningRates: [Double]
    /// nil: the adapter's default (2·rank).
    var alphas: [Double]?
    var steps: [Int]
    var shape: BatchShape
    /// nil: one run with the session seed.
    var seeds: [UInt64]?
    var evaluation: Evaluation.Budget
    var verbLocation: SourceLocation

    /// The swept values, as numbers (for the chart's x axis).
    var values: [Double] {
        switch parameter {
        case .rank: ranks.map(Double.init)
        case .lr: learningRates
        case .alpha: alphas ?? []
        case .steps: steps.map(Double.init)
        }
    }
}

/// One value of the swept parameter and its runs.
struct SweepPoint {
    var value: Double
    var rank: Int
    var parameters: Int
    var runs: [SeedRun]
}

struct SweepResult {
    var parameter: SweepOptions.Parameter
    var targets: String
    var points: [SweepPoint]
    var modelParameters: Int
    var batch: Int
    var seqLen: Int
    var seeds: [UInt64]
    /// The fixed values of the parameters not swept, for the footer.
    var fixed: (rank: Int, learningRate: Double, alpha: Double?, steps: Int)
    var pretrainingBefore: Evaluation.Result?
}

extension Lab {
    /// Trains the strategy once per value and seed from copies of the base; leaves the session untouched.
    func sweep(_ options: SweepOptions, observer: TrainingObserver?) throws(CommandFailure) -> SweepResult {
        let base = try requireModel().model
        guard let data = state.finetuneData else {
            throw CommandFailure(.command, "no fine-tuning data: choose it with `data finetune builtin:identity`")
        }
        guard base.updatedLinears.isEmpty else {
            throw CommandFailure(.command, "sweep starts from the base model; this one has adapters or fully tuned matrices (`lora detach` or `run load` a base)")
        }
        let selector = try SelectorParsing.selector(options.targets, layers: nil, model: base, at: options.targetsLocation)
        guard !base.selectedLinears(selector).isEmpty else {
            throw CommandFailure(.command, "targets '\(options.targets.joined(separator: ","))' selects no matrix of this model", at: options.targetsLocation)
        }
        let seqLen = try options.shape.sequenceLength(for: base)
        let batch = options.shape.batch
        let seeds = options.seeds ?? [state.seed]
        try checkTrainingMemory(base, batch: batch, seqLen: seqLen, copies: seeds.count + 1, at: options.shape.batchLocation)
        var pretrainingBefore: Evaluation.Result?
        if let pretraining = state.pretrainData {
            pretrainingBefore = try Evaluation.loss(of: base, on: pretraining, batch: batch, seqLen: seqLen, budget: options.evaluation)
        }
        let values = options.values
        var finished: [LossCurve] = []
        var points: [SweepPoint] = []
        for (index, value) in values.enumerated() {
            // Every parameter but the swept one has a single value.
            let rank = options.parameter == .rank ? options.ranks[index] : options.ranks[0]
            let rate = options.parameter == .lr ? options.learningRates[index] : options.learningRates[0]
            let alpha = options.parameter == .alpha ? options.alphas?[index] : options.alphas?.first
            let steps = options.parameter == .steps ? options.steps[index] : options.steps[0]
            var runs: [SeedRun] = []
            var parameters = 0
            for seed in seeds {
                let candidate = base.copy()
                let attached: [Linear]
                do {
                    attached = try candidate.attachLoRA(selector, config: LoRAConfig(rank: rank, alpha: alpha.map(Float.init)), seed: seed)
                } catch {
                    throw CommandFailure(.command, error.description, at: options.verbLocation)
                }
                parameters = attached.reduce(0) { $0 + ($1.update?.parameterCount ?? 0) }
                let trainer = Trainer(model: candidate, config: TrainingConfig(learningRate: Float(rate), totalSteps: steps))
                var run = TrainingRun(trainer: trainer, sampler: try TrainingRun.sampler(for: data, batch: batch, seqLen: seqLen, seed: seed), steps: steps)
                let name = "\(options.parameter.rawValue)=\(value.formatted)" + (seeds.count > 1 ? " seed=\(seed)" : "")
                observer?.began(ObservedRun(name: name, steps: steps, part: (finished.count + 1, values.count * seeds.count), earlier: finished))
                let outcome = try run.run(observer: observer, cancellation: cancellation)
                if outcome.interrupted {
                    throw CommandFailure(.interrupted, "sweep interrupted during \(name); the session is unchanged")
                }
                if let divergence = outcome.divergence {
                    throw CommandFailure(.command, "\(name): \(divergence); the session is unchanged")
                }
                if let stopped = outcome.stopped {
                    throw CommandFailure(.command, "\(name): \(stopped); the session is unchanged")
                }
                let losses = outcome.records.map(\.loss)
                finished.append((name, losses))
                let tail = losses.suffix(max(1, losses.count / 10))
                var pretrainingEvaluation: Evaluation.Result?
                if let pretraining = state.pretrainData {
                    pretrainingEvaluation = try Evaluation.loss(of: candidate, on: pretraining, batch: batch, seqLen: seqLen, budget: options.evaluation)
                }
                runs.append(SeedRun(seed: seed, losses: losses, finalLoss: tail.reduce(0, +) / Float(max(1, tail.count)),
                                    fineTuningEvaluation: try Evaluation.loss(of: candidate, on: data, batch: batch, seqLen: seqLen, budget: options.evaluation),
                                    pretrainingEvaluation: pretrainingEvaluation))
            }
            points.append(SweepPoint(value: value, rank: rank, parameters: parameters, runs: runs))
        }
        return SweepResult(parameter: options.parameter, targets: options.targets.joined(separator: ","), points: points,
                           modelParameters: base.parameterCount, batch: batch, seqLen: seqLen, seeds: seeds,
                           fixed: (options.ranks[0], options.learningRates[0], options.alphas?.first, options.steps[0]),
                           pretrainingBefore: pretrainingBefore)
    }
}

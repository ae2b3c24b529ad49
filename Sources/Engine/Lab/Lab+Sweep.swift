import Foundation
import MiniMind

/// `sweep`: one LoRA (or full fine-tuning) strategy at several values of one parameter, with seeds.
struct SweepOptions {
    /// The parameters a sweep can vary.
    enum Parameter: String {
        case rank, lr, alpha, steps
    }

    var targets: [String]
    var targetsLocation: SourceLocation
    /// `method=full`: full fine-tuning of the selected matrices (only lr or steps can vary).
    var method: FineTuningMethod = .lora
    /// The swept parameter; its values are the list of that name below.
    var parameter: Parameter
    var ranks: [Int]
    var learningRates: [Double]
    /// nil: the adapter's default (2·rank).
    var alphas: [Double]?
    var steps: [Int]
    /// Every run scales by alpha/√r instead of alpha/r.
    var rsLoRA: Bool = false
    var shape: BatchShape
    /// nil: one run with the session seed.
    var seeds: [UInt64]?
    var evaluation: Evaluation.Budget
    var verbLocation: SourceLocation
    /// `match=true`: each run's exact match on the trained and held-out questions.
    var measuresExactMatch: Bool
    var matchLocation: SourceLocation

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
    var method: FineTuningMethod = .lora
    var points: [SweepPoint]
    var modelParameters: Int
    var batch: Int
    var seqLen: Int
    var seeds: [UInt64]
    /// The fixed values of the parameters not swept, for the footer.
    var fixed: (rank: Int, learningRate: Double, alpha: Double?, steps: Int)
    var rsLoRA: Bool = false
    var pretrainingBefore: Evaluation.Result?
    /// How many runs came from the run cache; nil without one.
    var cache: CacheUse?
    /// Whether the runs measured exact match (the table's extra columns).
    var measuresExactMatch: Bool
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
        // The copy each run trains beside the base (dropped once evaluated); a full run may train every weight.
        try checkTrainingMemory(base, batch: batch, seqLen: seqLen, trainingBase: options.method == .full, copies: 1,
                                at: options.shape.batchLocation)
        if options.measuresExactMatch {
            _ = try requireAnsweredData(for: base, batch: batch, option: "match=true", at: options.matchLocation)
        }
        var pretrainingBefore: Evaluation.Result?
        if let pretraining = state.pretrainData {
            pretrainingBefore = try Evaluation.loss(of: base, on: pretraining, batch: batch, seqLen: seqLen, budget: options.evaluation)
        }
        let values = options.values
        var runs: [IndependentRun] = []
        for (index, value) in values.enumerated() {
            // Every parameter but the swept one has a single value.
            let rank = options.parameter == .rank ? options.ranks[index] : options.ranks[0]
            let rate = options.parameter == .lr ? options.learningRates[index] : options.learningRates[0]
            let alpha = options.parameter == .alpha ? options.alphas?[index] : options.alphas?.first
            let steps = options.parameter == .steps ? options.steps[index] : options.steps[0]
            for seed in seeds {
                let name = "\(options.parameter.rawValue)=\(value.formatted)" + (seeds.count > 1 ? " seed=\(seed)" : "")
                runs.append(IndependentRun(targets: options.targets.joined(separator: ","), selector: selector,
                                           lora: LoRAConfig(rank: rank, alpha: alpha.map(Float.init), rsLoRA: options.rsLoRA),
                                           method: options.method, learningRate: rate, steps: steps,
                                           batch: batch, seqLen: seqLen, seed: seed, evaluation: options.evaluation,
                                           measuresValidation: false, measuresExactMatch: options.measuresExactMatch,
                                           mayDiverge: false, name: name))
            }
        }
        let performed = try perform(runs, on: base, data: data, verb: "sweep", verbLocation: options.verbLocation, observer: observer)
        let outcomes = performed.results
        var points: [SweepPoint] = []
        for (index, value) in values.enumerated() {
            let results = outcomes[index * seeds.count..<(index + 1) * seeds.count]
            points.append(SweepPoint(value: value, rank: options.method == .full ? 0 : runs[index * seeds.count].lora.rank, parameters: results.first?.parameters ?? 0,
                                     runs: zip(seeds, results).map { $1.seedRun(seed: $0) }))
        }
        return SweepResult(parameter: options.parameter, targets: options.targets.joined(separator: ","), method: options.method, points: points,
                           modelParameters: base.parameterCount, batch: batch, seqLen: seqLen, seeds: seeds,
                           fixed: (options.ranks[0], options.learningRates[0], options.alphas?.first, options.steps[0]),
                           rsLoRA: options.rsLoRA, pretrainingBefore: pretrainingBefore, cache: performed.cache,
                           measuresExactMatch: options.measuresExactMatch)
    }
}

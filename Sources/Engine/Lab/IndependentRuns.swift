import Foundation
import MiniMind

/// One training of a fresh adapter on a copy of the session's base, and
/// everything that decides its result: `compare` and `sweep` are lists of
/// these. Two runs with equal specifications on the same base and data give
/// the same numbers, which is what lets them run side by side or come from
/// a cache.
struct IndependentRun {
    /// The selector as written (`q,v`), for names and the record.
    var targets: String
    var selector: TargetSelector
    var lora: LoRAConfig
    var learningRate: Double
    var steps: Int
    var batch: Int
    var seqLen: Int
    /// The adapter's init and the batch order.
    var seed: UInt64
    /// How much of each held-out split the run is evaluated on.
    var evaluation: Evaluation.Budget
    /// Whether the loss on the fine-tuning data's validation split is wanted (to choose a rate).
    var measuresValidation: Bool
    /// Whether the exact match on the fine-tuning data's trained and held-out questions is wanted (`match=true`).
    var measuresExactMatch: Bool = false
    /// A diverging run is a result (marked diverged) rather than an error: candidates of `lrs=`.
    var mayDiverge: Bool
    /// How progress names the run (`q,v r=4 seed=2`).
    var name: String
}

/// What one independent run measured. The trained model itself is not kept:
/// its evaluations are taken before it is dropped. Codable: the run cache
/// stores it (an optional field added later is absent from older entries).
struct IndependentRunResult: Codable {
    var losses: [Float]
    /// Adapted matrices and trainable parameters.
    var matrices: Int
    var parameters: Int
    /// Set when the run diverged (only for `mayDiverge` runs); nothing after it was measured.
    var divergence: String?
    var validation: Evaluation.Result?
    var fineTuningEvaluation: Evaluation.Result?
    /// The base corpus's held-out loss after fine-tuning: what was forgotten.
    var pretrainingEvaluation: Evaluation.Result?
    /// Exact match on the training and held-out questions, when measured.
    var exactMatchSeen: Evaluation.ExactMatch?
    var exactMatchUnseen: Evaluation.ExactMatch?

    /// Mean of the last 10% of the training losses.
    var finalLoss: Float {
        let tail = losses.suffix(max(1, losses.count / 10))
        return tail.reduce(0, +) / Float(max(1, tail.count))
    }

    func seedRun(seed: UInt64) -> SeedRun {
        SeedRun(seed: seed, losses: losses, finalLoss: finalLoss, fineTuningEvaluation: fineTuningEvaluation,
                pretrainingEvaluation: pretrainingEvaluation, exactMatchSeen: exactMatchSeen, exactMatchUnseen: exactMatchUnseen)
    }
}

/// The results of `perform`, in the order of its runs, and how the cache served them.
struct PerformedRuns {
    var results: [IndependentRunResult]
    /// nil when no cache is set.
    var cache: CacheUse?
}

extension Lab {
    /// Performs the runs from copies of `base` and returns their results in
    /// the same order; the session is untouched. `verb` names the command in
    /// the errors of an interrupted or failed run. With a run cache (`set
    /// cache=`) every run is looked up first; only the missing ones are
    /// trained (in their relative order) and then stored.
    func perform(_ runs: [IndependentRun], on base: Model, data: DataChoice, verb: String,
                 verbLocation: SourceLocation, observer: TrainingObserver?) throws(CommandFailure) -> PerformedRuns {
        guard let cache = state.cache else {
            return PerformedRuns(results: try execute(runs, on: base, data: data, verb: verb, verbLocation: verbLocation, observer: observer),
                                 cache: nil)
        }
        let fingerprint = BaseFingerprint(base)
        let dataPrint = DataFingerprint(data)
        let pretraining = state.pretrainData.map(DataFingerprint.init)
        let specifications = runs.map { RunSpecification($0, base: fingerprint, data: dataPrint, pretraining: pretraining) }
        var results: [IndependentRunResult?] = []
        var warnings: [String] = []
        for specification in specifications {
            let found = cache.lookup(specification)
            results.append(found.result)
            if let warning = found.warning { warnings.append(warning) }
        }
        let missing = results.indices.filter { results[$0] == nil }
        let trained = try execute(missing.map { runs[$0] }, on: base, data: data, verb: verb, verbLocation: verbLocation, observer: observer)
        for (index, result) in zip(missing, trained) {
            results[index] = result
            try cache.store(RunCacheEntry(specification: specifications[index], result: result))
        }
        return PerformedRuns(results: results.map { $0! },
                             cache: CacheUse(written: cache.written, fromCache: runs.count - missing.count, trained: missing.count,
                                             warnings: warnings))
    }

    /// Trains and evaluates every run, one after another.
    func execute(_ runs: [IndependentRun], on base: Model, data: DataChoice, verb: String,
                 verbLocation: SourceLocation, observer: TrainingObserver?) throws(CommandFailure) -> [IndependentRunResult] {
        var finished: [LossCurve] = []
        var results: [IndependentRunResult] = []
        for spec in runs {
            observer?.began(ObservedRun(name: spec.name, steps: spec.steps, part: (finished.count + 1, runs.count), earlier: finished))
            let result = try train(spec, on: base, data: data, verb: verb, verbLocation: verbLocation, observer: observer)
            finished.append((spec.name, result.losses))
            results.append(result)
        }
        return results
    }

    /// One run: attach, train, evaluate, drop the copy.
    func train(_ spec: IndependentRun, on base: Model, data: DataChoice, verb: String, verbLocation: SourceLocation,
               observer: TrainingObserver?) throws(CommandFailure) -> IndependentRunResult {
        let candidate = base.copy()
        let attached: [Linear]
        do {
            attached = try candidate.attachLoRA(spec.selector, config: spec.lora, seed: spec.seed)
        } catch {
            throw CommandFailure(.command, error.description, at: verbLocation)
        }
        let trainer = Trainer(model: candidate, config: TrainingConfig(learningRate: Float(spec.learningRate), totalSteps: spec.steps))
        var run = TrainingRun(trainer: trainer,
                              sampler: try TrainingRun.sampler(for: data, batch: spec.batch, seqLen: spec.seqLen, seed: spec.seed),
                              steps: spec.steps)
        let outcome = try run.run(observer: observer, cancellation: cancellation)
        if outcome.interrupted {
            throw CommandFailure(.interrupted, "\(verb) interrupted during \(spec.name); the session is unchanged")
        }
        if let stopped = outcome.stopped {
            throw CommandFailure(.command, "\(spec.name): \(stopped); the session is unchanged")
        }
        var result = IndependentRunResult(losses: outcome.records.map(\.loss), matrices: attached.count,
                                          parameters: attached.reduce(0) { $0 + ($1.update?.parameterCount ?? 0) })
        if let divergence = outcome.divergence {
            guard spec.mayDiverge else { throw CommandFailure(.command, "\(spec.name): \(divergence); the session is unchanged") }
            result.divergence = divergence.description
            return result
        }
        if spec.measuresValidation {
            result.validation = try Evaluation.loss(of: candidate, on: data, split: .validation, batch: spec.batch, seqLen: spec.seqLen)
        }
        result.fineTuningEvaluation = try Evaluation.loss(of: candidate, on: data, batch: spec.batch, seqLen: spec.seqLen,
                                                          budget: spec.evaluation)
        if let pretraining = state.pretrainData {
            result.pretrainingEvaluation = try Evaluation.loss(of: candidate, on: pretraining, batch: spec.batch, seqLen: spec.seqLen,
                                                               budget: spec.evaluation)
        }
        if spec.measuresExactMatch {
            result.exactMatchSeen = Evaluation.exactMatch(of: candidate, on: data, split: .train, batch: spec.batch)
            result.exactMatchUnseen = Evaluation.exactMatch(of: candidate, on: data, split: .heldOut, batch: spec.batch)
        }
        return result
    }
}

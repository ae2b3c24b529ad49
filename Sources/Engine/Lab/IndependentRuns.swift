import Foundation
import LinearAlgebra
import MiniMind
import Synchronization

/// One training on a copy of the session's base — a fresh adapter, or full
/// fine-tuning of the selected matrices — and everything that decides its
/// result: `compare` and `sweep` are lists of these. Two runs with equal specifications on the same base and data give
/// the same numbers, which is what lets them run side by side or come from
/// a cache.
struct IndependentRun {
    /// The selector as written (`q,v`), for names and the record.
    var targets: String
    var selector: TargetSelector
    /// The adapter's configuration; unused by full fine-tuning.
    var lora: LoRAConfig
    /// LoRA on the selected matrices, or every weight of them (`method=full`).
    var method: FineTuningMethod = .lora
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

/// How an independent run trains the selected matrices (`method=` of compare and sweep).
enum FineTuningMethod: String, Codable {
    /// An adapter on each; only A and B (and DoRA's magnitude) train.
    case lora
    /// The matrices themselves, as `finetune targets=…` then `train`.
    case full
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
    /// Each step's gradient norm and learning rate, kept by a `train`'s entry
    /// (whose steps the session shows as if trained).
    var gradientNorms: [Float]?
    var learningRates: [Float]?

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
    /// trained (in their relative order), each stored as soon as it finishes,
    /// so that an interrupted or failed command keeps the runs it completed.
    func perform(_ runs: [IndependentRun], on base: Model, data: DataChoice, verb: String,
                 verbLocation: SourceLocation, observer: TrainingObserver?, lanes: Int? = nil) throws(CommandFailure) -> PerformedRuns {
        guard let cache = state.cache else {
            return PerformedRuns(results: try execute(runs, on: base, data: data, verb: verb, verbLocation: verbLocation, observer: observer,
                                                      lanes: lanes),
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
        let writeFailure = FirstFailure()
        let missingSpecifications = missing.map { specifications[$0] }
        let trained = try execute(missing.map { runs[$0] }, on: base, data: data, verb: verb, verbLocation: verbLocation, observer: observer,
                                  lanes: lanes, finished: { position, result in
            do throws(CommandFailure) {
                try cache.store(RunCacheEntry(specification: missingSpecifications[position], result: result))
            } catch {
                writeFailure.record(error)
            }
        })
        if let failure = writeFailure.failure { throw failure }
        for (index, result) in zip(missing, trained) { results[index] = result }
        return PerformedRuns(results: results.map { $0! },
                             cache: CacheUse(written: cache.written, fromCache: runs.count - missing.count, trained: missing.count,
                                             warnings: warnings))
    }

    /// Trains and evaluates every run, in `lanes` side by side (see
    /// `laneCount`; the default decides). Results come back in spec order and
    /// are bit-identical whichever way they were scheduled: a run's splits
    /// are the same chunks either way (`Parallel.runsChunksInOrder`).
    /// With several lanes an error stops the runs after it in spec order (the
    /// ones before it finish, as they would have one at a time), and the first
    /// error in spec order is the one reported. `finished` is told of every
    /// run that completes (its index in `runs`), as it completes, from the
    /// lane that trained it.
    func execute(_ runs: [IndependentRun], on base: Model, data: DataChoice, verb: String,
                 verbLocation: SourceLocation, observer: TrainingObserver?,
                 lanes: Int? = nil,
                 finished: (@Sendable (Int, IndependentRunResult) -> Void)? = nil) throws(CommandFailure) -> [IndependentRunResult] {
        let lanes = min(lanes ?? laneCount(runs, on: base), runs.count)
        if lanes <= 1 {
            var curves: [LossCurve] = []
            var results: [IndependentRunResult] = []
            for spec in runs {
                observer?.began(ObservedRun(name: spec.name, steps: spec.steps, part: (curves.count + 1, runs.count), earlier: curves))
                let result = try train(spec, on: base, data: data, verb: verb, verbLocation: verbLocation, observer: observer)
                curves.append((spec.name, result.losses))
                finished?(results.count, result)
                results.append(result)
            }
            return results
        }
        let board = LaneBoard(count: runs.count)
        let cancellation = cancellation
        // Sendable: each lane reads the base, the data and the session (none
        // of which changes while the command runs) and owns the copy it trains.
        let shared = UncheckedLaneShare(lab: self, base: base, data: data, runs: runs)
        @Sendable func lane(_ observer: TrainingObserver?) {
            Parallel.inOrderOnThisThread {
                while let index = board.take(stoppingWhen: cancellation.isRaised) {
                    let spec = shared.runs[index]
                    observer?.began(ObservedRun(name: spec.name, steps: spec.steps, part: (index + 1, shared.runs.count),
                                                earlier: board.finishedCurves(names: shared.runs.map(\.name))))
                    let outcome: Result<IndependentRunResult, CommandFailure>
                    do throws(CommandFailure) {
                        outcome = .success(try shared.lab.train(spec, on: shared.base, data: shared.data, verb: verb, verbLocation: verbLocation,
                                                                observer: observer,
                                                                stopsWhen: { cancellation.isRaised || board.failedBefore(index) }))
                    } catch {
                        outcome = .failure(error)
                    }
                    if case .success(let result) = outcome { finished?(index, result) }
                    board.record(outcome, at: index)
                }
            }
        }
        // Lanes 2… on threads of their own; lane 1 here, the only one that reports progress
        // (the observer is not thread-safe), so its runs show live and the others' curves join as they finish.
        let done = DispatchSemaphore(value: 0)
        for _ in 1..<lanes {
            let thread = Thread { lane(nil); done.signal() }
            thread.stackSize = 8 << 20
            thread.start()
        }
        lane(observer)
        for _ in 1..<lanes { done.wait() }
        return try board.results(of: runs, verb: verb)
    }

    /// How many runs to train side by side: one per core when there are
    /// several runs and the model is small enough that one run cannot keep
    /// two cores busy (measured in docs/benchmarks.md, "Independent runs"),
    /// and when that many copies and their activations fit in memory;
    /// otherwise 1. `LORALAB_LANES` overrides (1 = one after another).
    func laneCount(_ runs: [IndependentRun], on base: Model) -> Int {
        guard runs.count >= 2 else { return 1 }
        if let text = ProcessInfo.processInfo.environment["LORALAB_LANES"], let n = Int(text), n >= 1 { return min(n, runs.count) }
        guard base.parameterCount <= Self.laneParameterLimit else { return 1 }
        let lanes = min(Parallel.workerCount, runs.count)
        let widest = runs.max { $0.batch * $0.seqLen < $1.batch * $1.seqLen }!
        return fitsInMemory(lanes: lanes, of: base, batch: widest.batch, seqLen: widest.seqLen) ? lanes : 1
    }

    /// Models up to this many parameters train side by side. `tiny` (0.8 M)
    /// measured faster so (docs/benchmarks.md, "Independent runs");
    /// `minimind2-small` (26 M) is left to its split products, unmeasured.
    static let laneParameterLimit = 8_000_000

    /// One run: attach (or begin full fine-tuning), train, evaluate, drop the
    /// copy. `stopsWhen` is the interrupt (by default this command's cancellation).
    /// A full run is the session's `finetune targets=… | train …` on a fresh
    /// base with the session seed `spec.seed`: the same trainer, the same batches.
    func train(_ spec: IndependentRun, on base: Model, data: DataChoice, verb: String, verbLocation: SourceLocation,
               observer: TrainingObserver?, stopsWhen: (@Sendable () -> Bool)? = nil) throws(CommandFailure) -> IndependentRunResult {
        let fitted = try fit(spec, on: base, data: data, verb: verb, verbLocation: verbLocation, observer: observer, stopsWhen: stopsWhen)
        let candidate = fitted.model, attached = fitted.attached, outcome = fitted.outcome
        let parameters = attached.reduce(0) { total, linear in
            total + (spec.method == .full ? linear.weight.count : (linear.update?.parameterCount ?? 0))
        }
        var result = IndependentRunResult(losses: outcome.records.map(\.loss), matrices: attached.count, parameters: parameters)
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

extension Lab {
    /// The training of one run on a copy of `base`, kept: what `train` above
    /// evaluates, and what a `train` read from the run cache trains again
    /// (to check it, or for its optimizer state). `keepsInitialValues` keeps
    /// the trainable tensors as they were before the first step.
    func fit(_ spec: IndependentRun, on base: Model, data: DataChoice, verb: String, verbLocation: SourceLocation,
             observer: TrainingObserver?, stopsWhen: (@Sendable () -> Bool)? = nil,
             keepsInitialValues: Bool = false) throws(CommandFailure) -> FittedRun {
        let candidate = base.copy()
        let attached: [Linear]
        do {
            switch spec.method {
            case .lora: attached = try candidate.attachLoRA(spec.selector, config: spec.lora, seed: spec.seed)
            case .full: attached = try candidate.beginFullFineTuning(spec.selector)
            }
        } catch {
            throw CommandFailure(.command, error.description, at: verbLocation)
        }
        let initialValues = keepsInitialValues
            ? Dictionary(uniqueKeysWithValues: candidate.trainableParameters.map { ($0.name, $0.value.array) }) : [:]
        let trainer = Trainer(model: candidate, config: TrainingConfig(learningRate: Float(spec.learningRate), totalSteps: spec.steps))
        var run = TrainingRun(trainer: trainer,
                              sampler: try TrainingRun.sampler(for: data, batch: spec.batch, seqLen: spec.seqLen, seed: spec.seed),
                              steps: spec.steps)
        let cancellation = cancellation
        let outcome = try run.run(observer: observer, stopsWhen: stopsWhen ?? { cancellation.isRaised })
        if outcome.interrupted {
            throw CommandFailure(.interrupted, "\(verb) interrupted during \(spec.name); the session is unchanged")
        }
        if let stopped = outcome.stopped {
            throw CommandFailure(.command, "\(spec.name): \(stopped); the session is unchanged")
        }
        return FittedRun(model: candidate, attached: attached, trainer: trainer, sampler: run.sampler, outcome: outcome,
                         initialValues: initialValues)
    }
}

/// What the lanes of one `execute` share: which run is next, the results so
/// far, and the first failure (in spec order) that stops the runs after it.
private final class LaneBoard: Sendable {
    private struct State {
        var next = 0
        var results: [Result<IndependentRunResult, CommandFailure>?]
        var firstFailure = Int.max
    }
    private let state: Mutex<State>
    private let firstFailure = Atomic<Int>(Int.max)

    init(count: Int) { state = Mutex(State(results: Array(repeating: nil, count: count))) }

    /// The next run to start, or nil when all have started, the command was
    /// interrupted, or a run before the next one failed.
    func take(stoppingWhen interrupted: Bool) -> Int? {
        state.withLock { state in
            guard !interrupted, state.next < state.results.count, state.next < state.firstFailure else { return nil }
            defer { state.next += 1 }
            return state.next
        }
    }

    /// Whether a run earlier than `index` failed: `index` then need not finish.
    func failedBefore(_ index: Int) -> Bool { firstFailure.load(ordering: .relaxed) < index }

    func record(_ outcome: Result<IndependentRunResult, CommandFailure>, at index: Int) {
        state.withLock { state in
            state.results[index] = outcome
            if case .failure = outcome, index < state.firstFailure {
                state.firstFailure = index
                firstFailure.store(index, ordering: .relaxed)
            }
        }
    }

    /// The loss curves of the runs finished so far, in spec order (for progress).
    func finishedCurves(names: [String]) -> [LossCurve] {
        state.withLock { state in
            state.results.indices.compactMap { index in
                guard case .success(let result)? = state.results[index] else { return nil }
                return (names[index], result.losses)
            }
        }
    }

    /// Every result in spec order, or the first failure in spec order. A run
    /// that never started (the interrupt came between runs) fails as it would
    /// have one after another: interrupted at its first step.
    func results(of runs: [IndependentRun], verb: String) throws(CommandFailure) -> [IndependentRunResult] {
        let results = state.withLock { $0.results }
        var finished: [IndependentRunResult] = []
        for (index, result) in results.enumerated() {
            switch result {
            case .success(let value): finished.append(value)
            case .failure(let error): throw error
            case nil: throw CommandFailure(.interrupted, "\(verb) interrupted during \(runs[index].name); the session is unchanged")
            }
        }
        return finished
    }
}

/// The first error reported from any lane (a cache entry that could not be written).
private final class FirstFailure: Sendable {
    private let first = Mutex<CommandFailure?>(nil)

    func record(_ failure: CommandFailure) { first.withLock { $0 = $0 ?? failure } }

    var failure: CommandFailure? { first.withLock { $0 } }
}

/// The read-only inputs of the lanes, carried to their threads.
private struct UncheckedLaneShare: @unchecked Sendable {
    // Sendable: while the lanes run nothing writes the session, the base or the
    // data (`Model.copy` only reads the base); each lane writes only its own copy.
    let lab: Lab
    let base: Model
    let data: DataChoice
    let runs: [IndependentRun]
}

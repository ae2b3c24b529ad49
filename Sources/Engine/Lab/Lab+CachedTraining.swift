import Checkpoint
import Corpus
import Crypto
import Foundation
import MiniMind

/// How one `lora` or `finetune` adapted a model that had no update: with
/// the `train` after it, what an independent run of `compare` is made of.
struct AdaptationRecipe {
    /// The selector's words as written (`q`, `v`).
    var targets: [String]
    var selector: TargetSelector
    var method: FineTuningMethod
    /// The adapter's configuration; unused by full fine-tuning.
    var lora: LoRAConfig
    /// The session seed the adapters were initialised with.
    var seed: UInt64
}

/// A `train` the run cache answered: enough to train it again when AdamW's
/// moments are wanted (`step` continues them; `run save … to` writes them).
struct CachedTrainingRun {
    var run: IndependentRun
    /// The data it trained on (the session's may have changed since).
    var data: DataChoice
}

/// A `train` that is an independent run, and the entry it has or would have.
struct CachedTraining {
    var run: IndependentRun
    var specification: RunSpecification
    var cache: RunCache
}

/// An independent run trained and kept: the model, the optimizer and data
/// order it ended with, and (when asked for) its trainable tensors' values
/// before the first step.
struct FittedRun {
    var model: Model
    var attached: [Linear]
    var trainer: Trainer
    var sampler: BatchSampler
    var outcome: TrainingRun.Outcome
    var initialValues: [String: [Float]]
}

extension Lab {
    /// The independent run this `train` is, when the run cache is on and the
    /// session's model is a base with one fresh adaptation (its `recipe`),
    /// nothing fine-tuned yet in this model's history and the adapters seeded
    /// with the seed the batches will be drawn with: then `train` is `compare`'s
    /// run of the same specification, bit for bit, and its result may come from
    /// the cache. The recipe is checked, not trusted: the model is compared
    /// value by value with the base adapted afresh by the recipe. Dropout
    /// (whose random stream training advances) and PiSSA (which rewrites the
    /// base) are left to train.
    func cachedTraining(of lab: ModelLab, _ options: TrainingOptions, seqLen: Int, data: DataChoice) -> CachedTraining? {
        guard let cache = state.cache, let recipe = lab.recipe, lab.steps(in: .finetune) == 0 else { return nil }
        if recipe.method == .lora {
            guard recipe.seed == state.seed, recipe.lora.dropout == 0, recipe.lora.initialization != .pissa else { return nil }
        }
        guard let base = Self.baseBeforeAdaptation(lab.model), Self.isFreshAdaptation(lab.model, of: base, by: recipe) else { return nil }
        let run = IndependentRun(targets: recipe.targets.joined(separator: ","), selector: recipe.selector, lora: recipe.lora,
                                 method: recipe.method, learningRate: options.learningRate, steps: options.steps,
                                 batch: options.shape.batch, seqLen: seqLen, seed: state.seed, evaluation: .wholeSplit,
                                 measuresValidation: false, mayDiverge: false, name: "train")
        var specification = RunSpecification(run, base: BaseFingerprint(base), data: DataFingerprint(data), pretraining: nil)
        specification.keepsWeights = true
        return CachedTraining(run: run, specification: specification, cache: cache)
    }

    /// A copy of `model` as it was before its adaptation: adapters removed, or
    /// fully tuned weights put back to W₀; nil when both kinds are present.
    static func baseBeforeAdaptation(_ model: Model) -> Model? {
        guard model.adaptedLinears.isEmpty || model.fullyTunedLinears.isEmpty else { return nil }
        let base = model.copy()
        for linear in base.fullyTunedLinears {
            linear.weight.overwrite(with: linear.referenceWeight!.values)
        }
        base.endFullFineTuning()
        if !base.adaptedLinears.isEmpty { try? base.detachAdapters() }
        return base.updatedLinears.isEmpty ? base : nil
    }

    /// Whether `model` is `base` adapted by `recipe` and not changed since:
    /// the same tensors, values, trainable flags and updates.
    private static func isFreshAdaptation(_ model: Model, of base: Model, by recipe: AdaptationRecipe) -> Bool {
        let probe = base.copy()
        do {
            switch recipe.method {
            case .lora: try probe.attachLoRA(recipe.selector, config: recipe.lora, seed: recipe.seed)
            case .full: try probe.beginFullFineTuning(recipe.selector)
            }
        } catch { return false }
        let expected = probe.allParameters, actual = model.allParameters
        guard expected.count == actual.count else { return false }
        for (e, a) in zip(expected, actual) {
            guard e.name == a.name, e.rows == a.rows, e.cols == a.cols, e.requiresGrad == a.requiresGrad,
                  memcmp(e.value.pointer, a.value.pointer, e.count * MemoryLayout<Float>.size) == 0 else { return false }
        }
        for (e, a) in zip(probe.linears, model.linears) {
            guard e.update?.kind == a.update?.kind, e.update?.isMerged == a.update?.isMerged else { return false }
            if let e = e.update as? any LowRankFactors, let a = a.update as? any LowRankFactors {
                guard e.rank == a.rank, e.scale == a.scale else { return false }
            }
            if let reference = a.referenceWeight, reference.values != e.weight.value.array { return false }
        }
        return true
    }

    /// The cached result of `training`, put into the session's model: its
    /// trained tensors, losses and data order; AdamW's moments are rebuilt
    /// when wanted (`rebuildOptimizer`). Nil (and a warning when the entry is
    /// unusable) when the cache cannot answer; the model is then untouched.
    func readCachedTraining(_ training: CachedTraining, into lab: inout ModelLab, data: DataChoice)
        throws(CommandFailure) -> (outcome: TrainingRun.Outcome?, warning: String?) {
        let found = training.cache.lookupTraining(training.specification)
        guard let (result, tensors) = found.entry else { return (nil, found.warning) }
        let trainable = lab.model.trainableParameters
        guard Set(tensors.keys) == Set(trainable.map(\.name)),
              trainable.allSatisfy({ tensors[$0.name]!.elementCount == $0.count }),
              result.losses.count == training.run.steps else {
            return (nil, "run cache: \(training.specification.key.prefix(12)) does not hold this model's trained tensors; training it again")
        }
        // The batches the training drew, drawn again (no model is involved), so that `step` continues after them.
        var sampler = try TrainingRun.sampler(for: data, batch: training.run.batch, seqLen: training.run.seqLen, seed: training.run.seed)
        for _ in 0..<training.run.steps { _ = try TrainingRun.batchWithTargets(&sampler) }
        for parameter in trainable { parameter.overwrite(with: tensors[parameter.name]!.values) }
        let records = result.losses.indices.map { index in
            StepRecord(step: index + 1, loss: result.losses[index], gradientNorm: result.gradientNorms?[index] ?? .nan,
                       learningRate: result.learningRates?[index] ?? .nan)
        }
        lab.stepSampler = sampler
        lab.stepper = nil
        lab.optimizerToRebuild = CachedTrainingRun(run: training.run, data: data)
        return (TrainingRun.Outcome(records: records, interrupted: false, seconds: 0), nil)
    }

    /// Stores a completed `train` (its trained tensors beside its losses);
    /// a message for the summary when the entry could not be written.
    func storeCachedTraining(_ training: CachedTraining, model: Model, outcome: TrainingRun.Outcome) -> String? {
        guard !outcome.interrupted, outcome.divergence == nil, outcome.stopped == nil, outcome.records.count == training.run.steps else {
            return nil
        }
        do throws(CommandFailure) {
            try training.cache.storeTraining(training.specification, result: Self.trainingResult(model, outcome),
                                             tensors: Self.trainedTensors(model))
            return nil
        } catch {
            return error.message
        }
    }

    /// What a `train`'s entry records of a training: every step's loss, gradient norm and rate.
    static func trainingResult(_ model: Model, _ outcome: TrainingRun.Outcome) -> IndependentRunResult {
        var result = IndependentRunResult(losses: outcome.records.map(\.loss), matrices: model.updatedLinears.count,
                                          parameters: model.trainableParameterCount)
        result.gradientNorms = outcome.records.map(\.gradientNorm)
        result.learningRates = outcome.records.map(\.learningRate)
        result.divergence = outcome.divergence?.description
        return result
    }

    /// A `train`'s trained tensors by name, as its entry keeps them.
    static func trainedTensors(_ model: Model) -> [String: StoredTensor] {
        Dictionary(uniqueKeysWithValues: model.trainableParameters.map { ($0.name, StoredTensor(shape: [$0.rows, $0.cols], values: $0.value.array)) })
    }

    /// Gives the session's model the AdamW state of a `train` read from the
    /// cache, by training that run again on a copy: the moments belong to the
    /// trajectory that reached the cached weights (on the processor that made
    /// the entry, these very weights). Returns the retraining's seconds, nil
    /// when nothing was to rebuild.
    func rebuildOptimizer(of lab: inout ModelLab) throws(CommandFailure) -> Double? {
        guard let pending = lab.optimizerToRebuild, lab.stepper == nil else { return nil }
        guard let base = Self.baseBeforeAdaptation(lab.model) else {
            throw CommandFailure(.command, "the optimizer state of the cached `train` cannot be rebuilt: the model now carries adapters and fully tuned weights")
        }
        let fitted = try fit(pending.run, on: base, data: pending.data, verb: "rebuilding the cached train's optimizer",
                             verbLocation: SourceLocation(line: 1, column: 1, offset: 0), observer: nil)
        if let divergence = fitted.outcome.divergence {
            throw CommandFailure(.command, "rebuilding the cached train's optimizer: \(divergence)")
        }
        let retrained = Dictionary(fitted.model.trainableParameters.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var moments: [(parameter: Parameter, first: [Float], second: [Float])] = []
        for parameter in lab.model.trainableParameters {
            guard let twin = retrained[parameter.name], let (first, second) = fitted.trainer.optimizer.moments(of: twin) else {
                throw CommandFailure(.command, "the optimizer state of the cached `train` cannot be rebuilt: \(parameter.name) is not trained by it")
            }
            moments.append((parameter, first, second))
        }
        let trainer = Trainer(model: lab.model, config: fitted.trainer.config)
        trainer.config.totalSteps = 0
        trainer.optimizer.restore(stepCount: fitted.trainer.optimizer.stepCount, moments: moments)
        trainer.restore(history: fitted.trainer.history)
        lab.stepper = trainer
        lab.optimizerToRebuild = nil
        return fitted.outcome.seconds
    }
}

extension RunCache {
    /// Where a `train`'s entry keeps its trained tensors.
    func weightsFile(for key: String) -> URL { folder.appendingPathComponent(key + ".safetensors") }

    /// A `train`'s entry: its result and trained tensors, checked against the
    /// hash the entry records; nil and a warning when unusable.
    func lookupTraining(_ specification: RunSpecification)
        -> (entry: (result: IndependentRunResult, tensors: [String: StoredTensor])?, warning: String?) {
        let found = entry(for: specification)
        guard let entry = found.entry else { return (nil, found.warning) }
        switch readWeights(of: entry) {
        case .success(let tensors): return ((entry.result, tensors), nil)
        case .failure(let problem): return (nil, "run cache: \(problem.reason); training it again")
        }
    }

    struct WeightsProblem: Error { var reason: String }

    /// The tensors of a `train`'s entry (or of its witness), when the file is there and is the one the entry names.
    func readWeights(of entry: RunCacheEntry, asWitness: Bool = false) -> Result<[String: StoredTensor], WeightsProblem> {
        let file = weightsFile(of: entry, asWitness: asWitness)
        let name = file.lastPathComponent
        guard let bytes = FileManager.default.contents(atPath: file.path) else {
            return .failure(WeightsProblem(reason: "\(name), the \(asWitness ? "witness's" : "entry's") trained tensors, is missing"))
        }
        guard Self.hash(bytes) == entry.weights else {
            return .failure(WeightsProblem(reason: "\(name) is not the file its entry was written with (another SHA-256)"))
        }
        do {
            return .success(try bytes.withUnsafeBytes { buffer throws(SafeTensorsError) in try SafeTensorsReader.read(buffer) }.tensors)
        } catch {
            return .failure(WeightsProblem(reason: "\(name): \(error)"))
        }
    }

    /// Writes the tensors, then the entry that names their hash: an entry is
    /// only ever beside the file it describes.
    func storeTraining(_ specification: RunSpecification, result: IndependentRunResult, tensors: [String: StoredTensor]) throws(CommandFailure) {
        let bytes = Self.encode(tensors)
        do {
            try bytes.write(to: weightsFile(for: specification.key), options: .atomic)
        } catch {
            throw CommandFailure(.command, "run cache \(written): cannot write the trained tensors: \(error.localizedDescription)")
        }
        var entry = RunCacheEntry(specification: specification, result: result)
        entry.weights = Self.hash(bytes)
        try store(entry)
    }

    static func hash(_ bytes: Data) -> String { SHA256.hash(data: bytes).hex }

    /// A `train`'s trained tensors as the cache keeps them.
    static func encode(_ tensors: [String: StoredTensor]) -> Data {
        Data(SafeTensorsWriter.encode(tensors, as: .f32, metadata: ["loralab": "run cache: trained tensors"]))
    }
}

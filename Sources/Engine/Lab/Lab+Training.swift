import Corpus
import Foundation
import MiniMind

/// `pretrain`, `train` and `step`: how long, how fast, what shape.
struct TrainingOptions {
    /// Optimizer steps (`step`'s count).
    var steps: Int
    /// Peak learning rate (`step`: the constant rate).
    var learningRate: Double
    var shape: BatchShape
}

/// What a training operation did, for the handler to present.
struct TrainingResult {
    var phase: LossPoint.Phase
    var requestedSteps: Int
    /// The session's number of the first step of this run.
    var firstStepNumber: Int
    var outcome: TrainingRun.Outcome
    /// The phase's losses over the whole session, this run included.
    var sessionCurve: [Float]
    /// How a `train` used the run cache (`read from the cache runs/03`), and why not when it could not.
    var cacheNote: String? = nil
    var readFromCache = false
    /// An entry the cache could not use, or could not write (the run trained all the same).
    var cacheWarnings: [String] = []
}

/// `finetune`: which matrices train in full.
struct FullFineTuningOptions {
    var targets: [String]
    var layers: ClosedRange<Int>?
    var targetsLocation: SourceLocation
}

struct FullFineTuningResult {
    var selected: [Linear]
    var parameters: Int
    var modelParameters: Int
}

extension Lab {
    /// Trains every base parameter on the pre-training data (cosine schedule).
    mutating func pretrain(_ options: TrainingOptions, observer: TrainingObserver?) throws(CommandFailure) -> TrainingResult {
        var lab = try requireModel()
        guard let data = state.pretrainData else {
            throw CommandFailure(.command, "no pre-training data: choose it with `data pretrain builtin:tinystories`")
        }
        let model = lab.model
        guard model.updatedLinears.isEmpty else {
            throw CommandFailure(.command, "pretrain trains the whole base model; remove adapters with `lora detach` or start from a fresh `model`")
        }
        let seqLen = try options.shape.sequenceLength(for: model)
        try checkTrainingMemory(model, batch: options.shape.batch, seqLen: seqLen, trainingBase: true, at: options.shape.batchLocation)
        let offset = lab.steps(in: .pretrain)
        let sampler = try TrainingRun.sampler(for: data, batch: options.shape.batch, seqLen: seqLen, seed: state.seed &+ UInt64(offset))
        model.setBaseTrainable(true)
        defer { model.setBaseTrainable(false) }
        let trainer = Trainer(model: model, config: TrainingConfig(learningRate: Float(options.learningRate), totalSteps: options.steps))
        var run = TrainingRun(trainer: trainer, sampler: sampler, steps: options.steps)
        observer?.began(ObservedRun(name: "pretrain", steps: options.steps))
        let outcome = try run.run(observer: observer, cancellation: cancellation) { record in
            lab.lossHistory.append(LossPoint(phase: .pretrain, step: offset + record.step, loss: record.loss))
        }
        lab.forgetOptimizer()
        state.lab = lab
        return TrainingResult(phase: .pretrain, requestedSteps: options.steps, firstStepNumber: offset + 1, outcome: outcome,
                              sessionCurve: lab.curve(of: .pretrain))
    }

    /// Trains what is trainable on the fine-tuning data (cosine schedule over
    /// these steps); `step` continues with its optimizer and data order.
    mutating func train(_ options: TrainingOptions, observer: TrainingObserver?) throws(CommandFailure) -> TrainingResult {
        var (lab, data) = try fineTuningInputs()
        let seqLen = try options.shape.sequenceLength(for: lab.model)
        let offset = lab.steps(in: .finetune)
        // A fresh adaptation trained once is an independent run: the run cache may hold it.
        let cached = cachedTraining(of: lab, options, seqLen: seqLen, data: data)
        var cacheWarning: String?
        if let cached {
            let read = try readCachedTraining(cached, into: &lab, data: data)
            if let outcome = read.outcome {
                for record in outcome.records {
                    lab.lossHistory.append(LossPoint(phase: .finetune, step: offset + record.step, loss: record.loss))
                }
                state.lab = lab
                return TrainingResult(phase: .finetune, requestedSteps: options.steps, firstStepNumber: offset + 1, outcome: outcome,
                                      sessionCurve: lab.curve(of: .finetune),
                                      cacheNote: "read from the cache \(cached.cache.written) (entry \(cached.specification.key.prefix(12)))",
                                      readFromCache: true)
            }
            cacheWarning = read.warning
        }
        try checkTrainingMemory(lab.model, batch: options.shape.batch, seqLen: seqLen, at: options.shape.batchLocation)
        let trainer = Trainer(model: lab.model, config: TrainingConfig(learningRate: Float(options.learningRate), totalSteps: options.steps))
        var run = TrainingRun(trainer: trainer,
                              sampler: try TrainingRun.sampler(for: data, batch: options.shape.batch, seqLen: seqLen, seed: state.seed &+ UInt64(offset)),
                              steps: options.steps)
        observer?.began(ObservedRun(name: "train", steps: options.steps))
        let outcome = try run.run(observer: observer, cancellation: cancellation) { record in
            lab.lossHistory.append(LossPoint(phase: .finetune, step: offset + record.step, loss: record.loss))
        }
        // `step` continues with this optimizer and data order, at a constant rate.
        trainer.config.totalSteps = 0
        lab.stepper = trainer
        lab.stepSampler = run.sampler
        lab.optimizerToRebuild = nil
        state.lab = lab
        var cacheNote: String?
        var warnings = cacheWarning.map { [$0] } ?? []
        if let cached {
            if let failure = storeCachedTraining(cached, model: lab.model, outcome: outcome) {
                warnings.append(failure)
            } else if outcome.records.count == options.steps && outcome.divergence == nil {
                cacheNote = "stored in the cache \(cached.cache.written)"
            }
        }
        return TrainingResult(phase: .finetune, requestedSteps: options.steps, firstStepNumber: offset + 1, outcome: outcome,
                              sessionCurve: lab.curve(of: .finetune), cacheNote: cacheNote, cacheWarnings: warnings)
    }

    /// Steps at a constant rate; the optimizer and data order carry over between calls.
    mutating func step(_ options: TrainingOptions) throws(CommandFailure) -> TrainingResult {
        var (lab, data) = try fineTuningInputs()
        let seqLen = try options.shape.sequenceLength(for: lab.model)
        let rebuilt = try rebuildOptimizer(of: &lab)
        try checkTrainingMemory(lab.model, batch: options.shape.batch, seqLen: seqLen, optimizerKept: lab.stepper != nil,
                                at: options.shape.batchLocation)
        let rate = Float(options.learningRate)
        let trainer = lab.stepper ?? Trainer(model: lab.model, config: TrainingConfig(learningRate: rate))
        trainer.config.learningRate = rate
        trainer.config.totalSteps = 0
        let offset = lab.steps(in: .finetune)
        let sampler: BatchSampler
        if let existing = lab.stepSampler, existing.batchSize == options.shape.batch, existing.seqLen == seqLen {
            sampler = existing
        } else {
            sampler = try TrainingRun.sampler(for: data, batch: options.shape.batch, seqLen: seqLen, seed: state.seed &+ UInt64(offset))
        }
        var run = TrainingRun(trainer: trainer, sampler: sampler, steps: options.steps, stepOffset: offset)
        let outcome = try run.run(observer: nil, cancellation: cancellation) { _ in }
        for (index, record) in outcome.records.enumerated() {
            lab.lossHistory.append(LossPoint(phase: .finetune, step: offset + index + 1, loss: record.loss))
        }
        // The optimizer and data order carry over, also after a refused step (it changed neither).
        lab.stepper = trainer
        lab.stepSampler = run.sampler
        state.lab = lab
        return TrainingResult(phase: .finetune, requestedSteps: options.steps, firstStepNumber: offset + 1, outcome: outcome,
                              sessionCurve: lab.curve(of: .finetune),
                              cacheNote: rebuilt.map { "the cached train's optimizer state was rebuilt by training it again (\(String(format: "%.1f", $0)) s)" })
    }

    /// Marks the selected base matrices trainable and records W0.
    mutating func beginFullFineTuning(_ options: FullFineTuningOptions) throws(CommandFailure) -> FullFineTuningResult {
        var lab = try requireModel()
        let model = lab.model
        guard model.adaptedLinears.isEmpty else {
            throw CommandFailure(.command, "adapters are attached; full fine-tuning compares against LoRA on a model without them (`lora detach`, or `run load` a base)")
        }
        let selector = try SelectorParsing.selector(options.targets, layers: options.layers, model: model, at: options.targetsLocation)
        let wasUnadapted = model.updatedLinears.isEmpty
        let selected: [Linear]
        do {
            selected = try model.beginFullFineTuning(selector)
        } catch {
            throw CommandFailure(.command, error.description, at: options.targetsLocation)
        }
        lab.forgetOptimizer()
        lab.adaptation = "full fine-tuning targets=\(selector.description)"
        lab.recipe = wasUnadapted && options.layers == nil
            ? AdaptationRecipe(targets: options.targets, selector: selector, method: .full, lora: LoRAConfig(rank: 1), seed: state.seed) : nil
        state.lab = lab
        return FullFineTuningResult(selected: selected, parameters: selected.reduce(0) { $0 + $1.weight.count },
                                    modelParameters: model.parameterCount)
    }

    /// What fine-tuning needs: a model with something trainable and fine-tuning data.
    private func fineTuningInputs() throws(CommandFailure) -> (ModelLab, DataChoice) {
        let lab = try requireModel()
        guard let data = state.finetuneData else {
            throw CommandFailure(.command, "no fine-tuning data: choose it with `data finetune builtin:identity` (see `data list`)")
        }
        guard lab.model.trainableParameterCount > 0 else {
            throw CommandFailure(.command, "nothing is trainable: attach adapters with `lora targets=square rank=8` or choose matrices with `finetune targets=ffn`")
        }
        if lab.model.hasMergedAdapters {
            throw CommandFailure(.command, "the adapters are merged into the weights; `lora unmerge` before training them")
        }
        return (lab, data)
    }
}

extension ModelLab {
    /// One phase's losses over the session, in order.
    func curve(of phase: LossPoint.Phase) -> [Float] { lossHistory.filter { $0.phase == phase }.map(\.loss) }
}

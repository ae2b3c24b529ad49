import Corpus
import MiniMind

/// One point of a loss curve.
struct LossPoint: Sendable {
    enum Phase: String, Sendable { case pretrain, finetune }
    var phase: Phase
    /// Counted over the whole session, per phase.
    var step: Int
    var loss: Float
}

/// The session's model and its training context: what it was built from, the
/// losses so far, and the optimizer and data order that `step` continues.
struct ModelLab {
    var model: Model
    /// `tiny`, or `tiny dim=64 ...` when overridden.
    var origin: String
    var lossHistory: [LossPoint] = []
    /// The optimizer `step` keeps between calls; dropped when the trainable set changes.
    var stepper: Trainer?
    /// The data order `step` continues; dropped when the data or batch shape changes.
    var stepSampler: BatchSampler?
    /// How the adapters were attached (`targets=q,v rank=4`), for tables.
    var adaptation: String?
    /// The tokenizer the model's ids belong to.
    var tokenizer: ModelTokenizer = .byte
    /// How the adaptation was made when one `lora` or `finetune` made it on an
    /// unadapted model: what lets `train` recognise an independent run that the
    /// run cache may hold (Lab+CachedTraining.swift). Only a hint; `train`
    /// checks the model against it before trusting it.
    var recipe: AdaptationRecipe?
    /// Set by a `train` read from the run cache, which restores the weights and
    /// the data order but not AdamW's moments: the run (with its data) that
    /// `step` or `run save … to` trains again to rebuild them.
    var optimizerToRebuild: CachedTrainingRun?

    init(model: Model, origin: String) {
        self.model = model
        self.origin = origin
    }

    func steps(in phase: LossPoint.Phase) -> Int { lossHistory.last { $0.phase == phase }?.step ?? 0 }

    /// The trainable set changed: the next `step` starts a fresh optimizer.
    mutating func forgetOptimizer() {
        stepper = nil
        stepSampler = nil
        optimizerToRebuild = nil
    }

    /// A copy sharing nothing with this one (for saved runs).
    func snapshot() -> ModelLab {
        var copy = self
        copy.model = model.copy()
        copy.forgetOptimizer()
        return copy
    }
}

/// A session snapshot made by `run save`.
struct SavedRun {
    var name: String
    var lab: ModelLab
    var finetuneSource: String?
    var seed: UInt64
}

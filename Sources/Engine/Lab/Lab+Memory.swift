import MiniMind

// Limits from real memory (docs/reliability.md, "Memory"): before a model is
// built or a step is taken, what it needs is compared with what this process
// may still allocate, and work that will not fit is refused with both in GiB.

extension Lab {
    /// Refuses training at this batch shape when it would not fit: gradients
    /// (all of them when `trainingBase`), AdamW's moments unless `optimizerKept`,
    /// the activations, and `copies` more copies of the model alive at once
    /// (compare and sweep train copies of the base) — per lane when `lanes`
    /// trainings run side by side, each with its own gradients, moments and activations.
    func checkTrainingMemory(_ model: Model, batch: Int, seqLen: Int, trainingBase: Bool = false,
                             optimizerKept: Bool = false, copies: Int = 0, lanes: Int = 1,
                             at location: SourceLocation) throws(CommandFailure) {
        try MemoryBudget.live.check(trainingEstimate(model, batch: batch, seqLen: seqLen, trainingBase: trainingBase,
                                                     optimizerKept: optimizerKept, copies: copies, lanes: lanes),
                                    for: trainingWork(batch: batch, seqLen: seqLen, lanes: lanes), at: location)
    }

    /// Whether `lanes` trainings of copies of `model` side by side fit (compare's lanes).
    func fitsInMemory(lanes: Int, of model: Model, batch: Int, seqLen: Int) -> Bool {
        MemoryBudget.live.refusal(trainingEstimate(model, batch: batch, seqLen: seqLen, copies: 1, lanes: lanes),
                                  for: trainingWork(batch: batch, seqLen: seqLen, lanes: lanes)) == nil
    }

    private func trainingEstimate(_ model: Model, batch: Int, seqLen: Int, trainingBase: Bool = false,
                                  optimizerKept: Bool = false, copies: Int, lanes: Int) -> MemoryEstimate {
        var estimate = model.trainingEstimate(batch: batch, seqLen: seqLen, trainingBase: trainingBase)
        if optimizerKept { estimate.optimizer = 0 }
        estimate.gradients *= lanes
        estimate.optimizer *= lanes
        estimate.activations *= lanes
        estimate.weights += lanes * copies * model.allParameters.reduce(0) { $0 + $1.count } * MemoryLayout<Float>.size
        return estimate
    }

    private func trainingWork(batch: Int, seqLen: Int, lanes: Int) -> String {
        "training at \(batch) × \(seqLen) tokens per step" + (lanes > 1 ? " in \(lanes) runs side by side" : "")
    }

    /// Refuses a forward pass at this batch shape (eval, logits) that would not fit.
    func checkForwardMemory(_ model: Model, batch: Int, seqLen: Int, at location: SourceLocation) throws(CommandFailure) {
        var estimate = model.trainingEstimate(batch: batch, seqLen: seqLen, trainingBase: false)
        estimate.gradients = 0
        estimate.optimizer = 0
        try MemoryBudget.live.check(estimate, for: "a forward pass at \(batch) × \(seqLen) tokens", at: location)
    }
}

import MiniMind

// Limits from real memory (docs/reliability.md, "Memory"): before a model is
// built or a step is taken, what it needs is compared with what this process
// may still allocate, and work that will not fit is refused with both in GiB.

extension Lab {
    /// Refuses training at this batch shape when it would not fit: gradients
    /// (all of them when `trainingBase`), AdamW's moments unless `optimizerKept`,
    /// the activations, and `copies` more copies of the model alive at once
    /// (compare and sweep train copies of the base).
    func checkTrainingMemory(_ model: Model, batch: Int, seqLen: Int, trainingBase: Bool = false,
                             optimizerKept: Bool = false, copies: Int = 0, at location: SourceLocation) throws(CommandFailure) {
        var estimate = model.trainingEstimate(batch: batch, seqLen: seqLen, trainingBase: trainingBase)
        if optimizerKept { estimate.optimizer = 0 }
        estimate.weights += copies * model.allParameters.reduce(0) { $0 + $1.count } * MemoryLayout<Float>.size
        try MemoryBudget.live.check(estimate, for: "training at \(batch) × \(seqLen) tokens per step", at: location)
    }

    /// Refuses a forward pass at this batch shape (eval, logits) that would not fit.
    func checkForwardMemory(_ model: Model, batch: Int, seqLen: Int, at location: SourceLocation) throws(CommandFailure) {
        var estimate = model.trainingEstimate(batch: batch, seqLen: seqLen, trainingBase: false)
        estimate.gradients = 0
        estimate.optimizer = 0
        try MemoryBudget.live.check(estimate, for: "a forward pass at \(batch) × \(seqLen) tokens", at: location)
    }
}

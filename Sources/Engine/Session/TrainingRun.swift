import Corpus
import Foundation
import MiniMind

/// The one loop of optimizer steps over one data set, reporting progress and
/// stopping at the next step boundary when cancelled or when the trainer
/// refuses a step. Used by `pretrain`, `train`, `step` and `compare`.
struct TrainingRun {
    let trainer: Trainer
    var sampler: BatchSampler
    let steps: Int
    let label: String
    /// Steps taken before this run, so that messages number steps as the session does.
    var stepOffset = 0

    struct Outcome {
        var records: [StepRecord]
        var interrupted: Bool
        var seconds: Double
        /// Set when the trainer refused a step (non-finite loss or gradient, or an update out of range).
        var divergence: String?
        /// Set when a later step could not run (no batch with targets): the steps before it stay.
        var stopped: String? = nil
    }

    /// Runs the steps; `afterStep` sees each record (to grow a loss curve).
    mutating func run(progress: ProgressDisplay?, cancellation: CancellationFlag,
                      afterStep: (StepRecord) -> Void = { _ in }) throws(CommandFailure) -> Outcome {
        let start = Date()
        var records: [StepRecord] = []
        for index in 0..<steps {
            if cancellation.isRaised {
                progress?.finish(step: index, total: steps, records: records, seconds: Date().timeIntervalSince(start), note: "interrupted")
                return Outcome(records: records, interrupted: true, seconds: Date().timeIntervalSince(start))
            }
            let batch: TrainingBatch
            do {
                batch = try Self.batchWithTargets(&sampler)
            } catch {
                // Before the first step nothing has changed and the command fails as a whole;
                // after it, stop between steps like an interrupt, keeping the steps taken.
                if records.isEmpty { throw error }
                progress?.finish(step: index, total: steps, records: records, seconds: Date().timeIntervalSince(start), note: "stopped")
                return Outcome(records: records, interrupted: false, seconds: Date().timeIntervalSince(start),
                               stopped: "stopped before step \(stepOffset + index + 1): \(error.message)")
            }
            let record = trainer.step(tokens: batch.tokens, targets: batch.targets, batch: batch.batchSize, seqLen: batch.seqLen)
            if let refusal = record.refusal {
                let note = "diverged at step \(stepOffset + index + 1)"
                progress?.finish(step: index, total: steps, records: records, seconds: Date().timeIntervalSince(start), note: note)
                return Outcome(records: records, interrupted: false, seconds: Date().timeIntervalSince(start),
                               divergence: Self.divergenceMessage(step: stepOffset + index + 1, refusal))
            }
            records.append(record)
            afterStep(record)
            progress?.update(step: index + 1, total: steps, records: records, seconds: Date().timeIntervalSince(start))
        }
        let seconds = Date().timeIntervalSince(start)
        progress?.finish(step: steps, total: steps, records: records, seconds: seconds, note: nil)
        return Outcome(records: records, interrupted: false, seconds: seconds, divergence: nil)
    }

    static func divergenceMessage(step: Int, _ refusal: StepRefusal) -> String {
        "training diverged at step \(step) (\(refusal)); that step was undone before it touched the weights, "
            + "which keep their values, and the optimizer keeps its state — try a smaller lr"
    }

    /// Tokens per step at most, so one batch's activations and logits stay within memory.
    static let maxTokensPerStep = 16_384

    static func checkBatchShape(batch: Int, seqLen: Int, _ invocation: Invocation) throws(CommandFailure) {
        guard batch * seqLen <= maxTokensPerStep else {
            throw CommandFailure(.argument, "batch × seq = \(batch) × \(seqLen) = \((batch * seqLen).grouped) tokens per step is more than \(maxTokensPerStep.grouped); use a smaller batch or seq",
                                 at: invocation.isWritten("batch") ? invocation.location(of: "batch") : invocation.verbLocation)
        }
    }

    /// A batch whose loss counts at least one token (a conversation cut before
    /// the assistant speaks has none; the trainer needs some).
    static func batchWithTargets(_ sampler: inout BatchSampler) throws(CommandFailure) -> TrainingBatch {
        for _ in 0..<64 {
            let batch = sampler.nextBatch()
            if batch.targetCount > 0 { return batch }
        }
        throw CommandFailure(.command, "the data has no trainable tokens within the first \(sampler.seqLen) tokens of its documents (try a larger seq=)")
    }

    /// The sequence length for training: `seq=` if given (at most the model's context), else min(128, context).
    static func sequenceLength(_ invocation: Invocation, model: Model) throws(CommandFailure) -> Int {
        let context = model.config.maxSeq
        let length: Int
        if let requested = invocation.integer("seq") {
            guard requested <= context else {
                throw CommandFailure(.argument, "seq=\(requested) is longer than the model's context (\(context))", at: invocation.location(of: "seq"))
            }
            length = requested
        } else {
            length = min(128, context)
        }
        try checkBatchShape(batch: try invocation.requiredInteger("batch"), seqLen: length, invocation)
        return length
    }

    static func sampler(for data: DataChoice, batch: Int, seqLen: Int, seed: UInt64) throws(CommandFailure) -> BatchSampler {
        do {
            return try BatchSampler(dataset: data.dataset, batchSize: batch, seqLen: seqLen, seed: seed)
        } catch {
            throw CommandFailure(.command, "\(data.source): \(error.description)")
        }
    }
}

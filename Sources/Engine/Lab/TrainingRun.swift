import Corpus
import Foundation
import MiniMind

/// The one loop of optimizer steps over one data set, telling an observer
/// how it goes and stopping at the next step boundary when cancelled or when
/// the trainer refuses a step. Used by `pretrain`, `train`, `step` and `compare`.
struct TrainingRun {
    let trainer: Trainer
    var sampler: BatchSampler
    let steps: Int
    /// Steps taken before this run, so that a divergence is numbered as the session counts.
    var stepOffset = 0

    /// How a run stopped.
    enum Ending: Equatable {
        case completed
        case interrupted
        /// The trainer refused the step with this session number.
        case diverged(step: Int)
        /// The step with this session number could not run (no batch with targets).
        case stopped(step: Int)
    }

    /// A refused step: which one (counted over the session) and why.
    struct Divergence {
        var step: Int
        var refusal: StepRefusal
    }

    struct Outcome {
        var records: [StepRecord]
        var interrupted: Bool
        var seconds: Double
        /// Set when the trainer refused a step (non-finite loss or gradient, or an update out of range).
        var divergence: Divergence?
        /// Set when a later step could not run (no batch with targets): the steps before it stay.
        var stopped: String? = nil
    }

    /// Runs the steps; `afterStep` sees each record (to grow a loss curve).
    mutating func run(observer: TrainingObserver?, cancellation: CancellationFlag,
                      afterStep: (StepRecord) -> Void = { _ in }) throws(CommandFailure) -> Outcome {
        try run(observer: observer, stopsWhen: { cancellation.isRaised }, afterStep: afterStep)
    }

    /// The same, stopping when `stopsWhen()` is true (an interrupt, or for a
    /// lane of `compare`, an earlier run's failure).
    mutating func run(observer: TrainingObserver?, stopsWhen: @escaping @Sendable () -> Bool,
                      afterStep: (StepRecord) -> Void = { _ in }) throws(CommandFailure) -> Outcome {
        let start = Date()
        var records: [StepRecord] = []
        for index in 0..<steps {
            if stopsWhen() {
                observer?.ended(step: index, total: steps, records: records, seconds: Date().timeIntervalSince(start), how: .interrupted)
                return Outcome(records: records, interrupted: true, seconds: Date().timeIntervalSince(start))
            }
            let samplerBefore = sampler
            let batch: TrainingBatch
            do {
                batch = try Self.batchWithTargets(&sampler)
            } catch {
                // Before the first step nothing has changed and the command fails as a whole;
                // after it, stop between steps like an interrupt, keeping the steps taken.
                if records.isEmpty { throw error }
                let number = stepOffset + index + 1
                observer?.ended(step: index, total: steps, records: records, seconds: Date().timeIntervalSince(start), how: .stopped(step: number))
                return Outcome(records: records, interrupted: false, seconds: Date().timeIntervalSince(start),
                               stopped: "stopped before step \(number): \(error.message)")
            }
            let record = trainer.step(tokens: batch.tokens, targets: batch.targets, batch: batch.batchSize, seqLen: batch.seqLen,
                                      shouldStop: stopsWhen)
            if record.stopped {
                // Interrupted between blocks: the step changed nothing, and its batch is drawn again next time.
                sampler = samplerBefore
                observer?.ended(step: index, total: steps, records: records, seconds: Date().timeIntervalSince(start), how: .interrupted)
                return Outcome(records: records, interrupted: true, seconds: Date().timeIntervalSince(start))
            }
            if let refusal = record.refusal {
                let number = stepOffset + index + 1
                observer?.ended(step: index, total: steps, records: records, seconds: Date().timeIntervalSince(start), how: .diverged(step: number))
                return Outcome(records: records, interrupted: false, seconds: Date().timeIntervalSince(start),
                               divergence: Divergence(step: number, refusal: refusal))
            }
            records.append(record)
            afterStep(record)
            observer?.progressed(step: index + 1, total: steps, records: records, seconds: Date().timeIntervalSince(start))
        }
        let seconds = Date().timeIntervalSince(start)
        observer?.ended(step: steps, total: steps, records: records, seconds: seconds, how: .completed)
        return Outcome(records: records, interrupted: false, seconds: seconds, divergence: nil)
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

    static func sampler(for data: DataChoice, batch: Int, seqLen: Int, seed: UInt64) throws(CommandFailure) -> BatchSampler {
        do {
            return try BatchSampler(dataset: data.dataset, batchSize: batch, seqLen: seqLen, seed: seed)
        } catch {
            throw CommandFailure(.command, "\(data.source): \(error.description)")
        }
    }
}

extension TrainingRun.Divergence: CustomStringConvertible {
    /// The error a refused step is reported with.
    var description: String {
        "training diverged at step \(step) (\(refusal)); that step was undone before it touched the weights, "
            + "which keep their values, and the optimizer keeps its state — try a smaller lr"
    }
}

import Corpus
import Foundation
import MiniMind

/// A loop of optimizer steps over one data set, reporting progress and
/// stopping at the next step boundary when cancelled. Used by `pretrain`,
/// `train`, `step` and `compare`.
struct TrainingRun {
    let trainer: Trainer
    var sampler: BatchSampler
    let steps: Int
    let label: String

    struct Outcome {
        var records: [StepRecord]
        var interrupted: Bool
        var seconds: Double
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
            let batch = try Self.batchWithTargets(&sampler)
            let record = trainer.step(tokens: batch.tokens, targets: batch.targets, batch: batch.batchSize, seqLen: batch.seqLen)
            records.append(record)
            afterStep(record)
            progress?.update(step: index + 1, total: steps, records: records, seconds: Date().timeIntervalSince(start))
        }
        let seconds = Date().timeIntervalSince(start)
        progress?.finish(step: steps, total: steps, records: records, seconds: seconds, note: nil)
        return Outcome(records: records, interrupted: false, seconds: seconds)
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
        guard let requested = invocation.integer("seq") else { return min(128, context) }
        guard requested <= context else {
            throw CommandFailure(.argument, "seq=\(requested) is longer than the model's context (\(context))", at: invocation.location(of: "seq"))
        }
        return requested
    }

    static func sampler(for data: DataChoice, batch: Int, seqLen: Int, seed: UInt64) throws(CommandFailure) -> BatchSampler {
        do {
            return try BatchSampler(dataset: data.dataset, batchSize: batch, seqLen: seqLen, seed: seed)
        } catch {
            throw CommandFailure(.command, "\(data.source): \(error.description)")
        }
    }
}

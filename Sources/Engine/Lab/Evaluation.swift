import Corpus
import MiniMind

/// The loss of a model on a data set: its held-out split, or its training
/// split when nothing is held out.
enum Evaluation {
    struct Result {
        var loss: Double
        var tokens: Int
        var split: DatasetSplit
    }

    static func loss(of model: Model, on data: DataChoice, batch: Int, seqLen: Int, maxBatches: Int) throws(CommandFailure) -> Result? {
        let split: DatasetSplit = data.dataset.heldOut.isEmpty ? .train : .heldOut
        let batches: [TrainingBatch]
        do {
            batches = try data.dataset.evaluationBatches(split: split, batchSize: batch, seqLen: seqLen)
        } catch {
            throw CommandFailure(.command, "\(data.source): \(error.description)")
        }
        var sum = 0.0
        var count = 0
        for batch in batches.prefix(maxBatches) where batch.targetCount > 0 {
            let part = model.lossSum(tokens: batch.tokens, targets: batch.targets, batch: batch.batchSize, seqLen: batch.seqLen)
            sum += part.sum
            count += part.count
        }
        guard count > 0 else { return nil }
        return Result(loss: sum / Double(count), tokens: count, split: split)
    }
}

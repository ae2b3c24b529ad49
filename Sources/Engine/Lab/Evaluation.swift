import Corpus
import Foundation
import MiniMind

/// The loss of a model on one split of a data set (held-out by default, the
/// training split when nothing is held out), with its standard error.
///
/// The sampling unit is the sequence (one row of an evaluation batch), not
/// the token: tokens of one text are correlated, so counting them as
/// independent draws would make the error look smaller than it is. The loss
/// is the ratio Σ loss / Σ targets over the rows read; its standard error is
/// the ratio estimator's, √(Σ(sᵢ − L·cᵢ)² / (n(n−1))) / c̄, for row sums sᵢ,
/// row target counts cᵢ and n rows.
enum Evaluation {
    /// Codable: the run cache stores it.
    struct Result: Codable {
        var loss: Double
        /// nil with fewer than two sequences.
        var standardError: Double?
        var tokens: Int
        var sequences: Int
        var split: DatasetSplit
    }

    /// How much of the split to read: all of it unless a limit is given.
    struct Budget {
        /// Stop after the batch that reaches this many target tokens.
        var tokens: Int?
        /// Read at most this many batches.
        var batches: Int?

        static let wholeSplit = Budget(tokens: nil, batches: nil)
    }

    static func loss(of model: Model, on data: DataChoice, split requested: DatasetSplit? = nil, batch: Int, seqLen: Int,
                     budget: Budget = .wholeSplit) throws(CommandFailure) -> Result? {
        let split: DatasetSplit = requested ?? (data.dataset.heldOut.isEmpty ? .train : .heldOut)
        let batches: [TrainingBatch]
        do {
            batches = try data.dataset.evaluationBatches(split: split, batchSize: batch, seqLen: seqLen)
        } catch {
            throw CommandFailure(.command, "\(data.source): \(error.description)")
        }
        var rows: [(sum: Double, count: Int)] = []
        var counted = 0
        for batch in batches.prefix(budget.batches ?? batches.count) where batch.targetCount > 0 {
            if let limit = budget.tokens, counted >= limit { break }
            let parts = model.lossSumsPerRow(tokens: batch.tokens, targets: batch.targets, batch: batch.batchSize, seqLen: batch.seqLen)
            for part in parts where part.count > 0 {
                rows.append(part)
                counted += part.count
            }
        }
        return summary(rows, split: split)
    }

    /// The ratio estimate and its standard error over rows of (loss sum, target count).
    static func summary(_ rows: [(sum: Double, count: Int)], split: DatasetSplit) -> Result? {
        let tokens = rows.reduce(0) { $0 + $1.count }
        guard tokens > 0 else { return nil }
        let loss = rows.reduce(0) { $0 + $1.sum } / Double(tokens)
        let n = Double(rows.count)
        var standardError: Double?
        if rows.count >= 2 {
            let meanCount = Double(tokens) / n
            let residuals = rows.reduce(0.0) { total, row in
                let residual = row.sum - loss * Double(row.count)
                return total + residual * residual
            }
            standardError = (residuals / (n * (n - 1))).squareRoot() / meanCount
        }
        return Result(loss: loss, standardError: standardError, tokens: tokens, sequences: rows.count, split: split)
    }
}

import Foundation
import LinearAlgebra

/// Softmax cross-entropy over a vocabulary, with an ignore mask: rows whose
/// target is negative (padding, prompt tokens in a dialogue) contribute
/// neither loss nor gradient. Rows are independent, so each core takes a
/// block of them and the partial sums are added at the end.
///
/// The sums are always taken in the same blocks of rows (`sum`), whether the
/// rows' losses were computed all at once or in chunks (`TiedHead`), so a
/// chunked pass gives the same bits as one over every row.
public enum CrossEntropy {
    /// The summed loss over counted rows and how many rows counted.
    public static func forward(logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
                               rows: Int, vocab: Int) -> (sum: Double, count: Int) {
        var losses = [Double](repeating: 0, count: rows)
        return losses.withUnsafeMutableBufferPointer { losses in
            rowLosses(logits: logits, targets: targets, rows: rows, vocab: vocab, into: losses.baseAddress!)
            return sum(losses.baseAddress!, targets: targets, rows: rows)
        }
    }

    /// Computes the loss like `forward` and overwrites the logits with
    /// `scale · (softmax − onehot)`, the gradient of `scale · Σ loss`
    /// (ignored rows get zeros). The caller passes `scale = 1 / count` for a mean.
    public static func lossAndGradientInPlace(logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>,
                                              rows: Int, vocab: Int, scale: Float) -> (sum: Double, count: Int) {
        var losses = [Double](repeating: 0, count: rows)
        return losses.withUnsafeMutableBufferPointer { losses in
            rowLossesAndGradientsInPlace(logits: logits, targets: targets, rows: rows, vocab: vocab, scale: scale,
                                         into: losses.baseAddress!)
            return sum(losses.baseAddress!, targets: targets, rows: rows)
        }
    }

    /// Each counted row's loss into `losses[r]` (ignored rows are left alone).
    static func rowLosses(logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows: Int, vocab: Int,
                          into losses: UnsafeMutablePointer<Double>) {
        Parallel.forEachChunk(of: rows, cost: rows * vocab) { range in
            for r in range {
                let target = Int(targets[r])
                guard target >= 0 else { continue }
                let z = logits + r * vocab
                let maxLogit = VectorMath.maximum(z, count: vocab)
                let total = VectorMath.sumOfExponentials(z, count: vocab, subtracting: maxLogit)
                losses[r] = log(Double(total)) - Double(z[target] - maxLogit)
            }
        }
    }

    /// Each counted row's loss into `losses[r]`, and its logits replaced by
    /// `scale · (softmax − onehot)` (an ignored row's by zeros).
    static func rowLossesAndGradientsInPlace(logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>,
                                             rows: Int, vocab: Int, scale: Float,
                                             into losses: UnsafeMutablePointer<Double>) {
        Parallel.forEachChunk(of: rows, cost: rows * vocab) { range in
            for r in range {
                let z = logits + r * vocab
                let target = Int(targets[r])
                guard target >= 0 else {
                    z.update(repeating: 0, count: vocab)
                    continue
                }
                let maxLogit = VectorMath.maximum(z, count: vocab)
                let total = VectorMath.exponentiateInPlace(z, count: vocab, subtracting: maxLogit)
                losses[r] = -log(Double(z[target] / total))
                VectorMath.scaleInPlace(z, count: vocab, by: scale / total)
                z[target] -= scale
            }
        }
    }

    /// The summed loss of the counted rows and their number: one partial sum
    /// per block of rows (`Parallel.arithmeticParts` of them, whatever the
    /// number of cores), the blocks then added in order.
    static func sum(_ losses: UnsafePointer<Double>, targets: UnsafePointer<Int32>, rows: Int) -> (sum: Double, count: Int) {
        let blocks = max(1, min(Parallel.arithmeticParts, rows))
        var total = 0.0, count = 0
        for block in 0..<blocks {
            var partial = 0.0, counted = 0
            for r in (rows * block / blocks)..<(rows * (block + 1) / blocks) where targets[r] >= 0 {
                partial += losses[r]
                counted += 1
            }
            total += partial
            count += counted
        }
        return (total, count)
    }
}

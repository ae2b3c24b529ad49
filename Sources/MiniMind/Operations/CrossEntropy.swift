import Foundation
import LinearAlgebra

/// Softmax cross-entropy over a vocabulary, with an ignore mask: rows whose
/// target is negative (padding, prompt tokens in a dialogue) contribute
/// neither loss nor gradient. Rows are independent, so each core takes a
/// block of them and the partial sums are added at the end.
public enum CrossEntropy {
    /// The summed loss over counted rows and how many rows counted.
    public static func forward(logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
                               rows: Int, vocab: Int) -> (sum: Double, count: Int) {
        overRows(rows, vocab: vocab) { r in
            let target = Int(targets[r])
            guard target >= 0 else { return nil }
            let z = logits + r * vocab
            let maxLogit = VectorMath.maximum(z, count: vocab)
            let total = VectorMath.sumOfExponentials(z, count: vocab, subtracting: maxLogit)
            return log(Double(total)) - Double(z[target] - maxLogit)
        }
    }

    /// Computes the loss like `forward` and overwrites the logits with
    /// `scale · (softmax − onehot)`, the gradient of `scale · Σ loss`
    /// (ignored rows get zeros). The caller passes `scale = 1 / count` for a mean.
    public static func lossAndGradientInPlace(logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>,
                                              rows: Int, vocab: Int, scale: Float) -> (sum: Double, count: Int) {
        overRows(rows, vocab: vocab) { r in
            let z = logits + r * vocab
            let target = Int(targets[r])
            guard target >= 0 else {
                z.update(repeating: 0, count: vocab)
                return nil
            }
            let maxLogit = VectorMath.maximum(z, count: vocab)
            let total = VectorMath.exponentiateInPlace(z, count: vocab, subtracting: maxLogit)
            let loss = -log(Double(z[target] / total))
            VectorMath.scaleInPlace(z, count: vocab, by: scale / total)
            z[target] -= scale
            return loss
        }
    }

    /// Sums `rowLoss(r)` over the rows where it is not nil, in parallel blocks.
    private static func overRows(_ rows: Int, vocab: Int, _ rowLoss: (Int) -> Double?) -> (sum: Double, count: Int) {
        let blocks = max(1, min(Parallel.workerCount, rows))
        var sums = [Double](repeating: 0, count: blocks), counts = [Int](repeating: 0, count: blocks)
        sums.withUnsafeMutableBufferPointer { sums in
            counts.withUnsafeMutableBufferPointer { counts in
                Parallel.forEachChunk(of: blocks, cost: rows * vocab) { chunk in
                    for block in chunk {
                        for r in (rows * block / blocks)..<(rows * (block + 1) / blocks) {
                            if let loss = rowLoss(r) {
                                sums[block] += loss
                                counts[block] += 1
                            }
                        }
                    }
                }
            }
        }
        return (sums.reduce(0, +), counts.reduce(0, +))
    }
}

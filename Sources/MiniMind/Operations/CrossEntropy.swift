import Foundation

/// Softmax cross-entropy over a vocabulary, with an ignore mask: rows whose
/// target is negative (padding, prompt tokens in a dialogue) contribute
/// neither loss nor gradient.
public enum CrossEntropy {
    /// The summed loss over counted rows and how many rows counted.
    public static func forward(logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
                               rows: Int, vocab: Int) -> (sum: Double, count: Int) {
        var sum = 0.0, count = 0
        for r in 0..<rows where targets[r] >= 0 {
            let z = logits + r * vocab
            var maxLogit = -Float.infinity
            for i in 0..<vocab { maxLogit = max(maxLogit, z[i]) }
            var total: Double = 0
            for i in 0..<vocab { total += Double(exp(z[i] - maxLogit)) }
            sum += log(total) - Double(z[Int(targets[r])] - maxLogit)
            count += 1
        }
        return (sum, count)
    }

    /// Computes the loss like `forward` and overwrites the logits with
    /// `scale · (softmax − onehot)`, the gradient of `scale · Σ loss`
    /// (ignored rows get zeros). The caller passes `scale = 1 / count` for a mean.
    public static func lossAndGradientInPlace(logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>,
                                              rows: Int, vocab: Int, scale: Float) -> (sum: Double, count: Int) {
        var sum = 0.0, count = 0
        for r in 0..<rows {
            let z = logits + r * vocab
            let target = Int(targets[r])
            if target < 0 {
                z.update(repeating: 0, count: vocab)
                continue
            }
            var maxLogit = -Float.infinity
            for i in 0..<vocab { maxLogit = max(maxLogit, z[i]) }
            var total: Float = 0
            for i in 0..<vocab {
                let e = exp(z[i] - maxLogit)
                z[i] = e
                total += e
            }
            sum += -log(Double(z[target] / total))
            count += 1
            let inverse = scale / total
            for i in 0..<vocab { z[i] *= inverse }
            z[target] -= scale
        }
        return (sum, count)
    }
}

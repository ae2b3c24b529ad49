import LinearAlgebra

/// RMSNorm: `y = x / sqrt(mean(x²) + eps) · w`, one row at a time.
///
/// The per-head q/k norm of Qwen3 and minimind-3 is the same operation over
/// rows of `headDim` (a `[tokens, heads·headDim]` buffer is `[tokens·heads, headDim]`).
public enum RMSNorm {
    /// Writes `output` and the per-row reciprocal RMS `rstd` (kept for backward).
    public static func forward(output: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                               input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               rows: Int, cols: Int, eps: Float) {
        Parallel.forEachChunk(of: rows, cost: rows * cols) { chunk in
            for r in chunk {
                let x = input + r * cols, y = output + r * cols
                var sumSquares: Float = 0
                for i in 0..<cols { sumSquares += x[i] * x[i] }
                let s = 1 / (sumSquares / Float(cols) + eps).squareRoot()
                rstd[r] = s
                for i in 0..<cols { y[i] = x[i] * s * weight[i] }
            }
        }
    }

    /// With `g = dy ⊙ w`: `dx = s·g − x·s³·(g·x)/n`, added into `inputGradient`;
    /// `dw += Σ_rows dy ⊙ x·s` when the weight is trainable.
    public static func backward(inputGradient: UnsafeMutablePointer<Float>,
                                weightGradient: UnsafeMutablePointer<Float>?,
                                outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>,
                                weight: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                rows: Int, cols: Int) {
        let n = Float(cols)
        // The weight gradient is a sum over rows: split the rows only when it is not wanted.
        let cost = weightGradient == nil ? rows * cols : 0
        Parallel.forEachChunk(of: rows, cost: cost) { chunk in
            for r in chunk {
                let x = input + r * cols, dy = outputGradient + r * cols, dx = inputGradient + r * cols
                let s = rstd[r]
                var dot: Float = 0
                for i in 0..<cols { dot += dy[i] * weight[i] * x[i] }
                let correction = s * s * s * dot / n
                for i in 0..<cols { dx[i] += s * dy[i] * weight[i] - x[i] * correction }
                if let dw = weightGradient {
                    for i in 0..<cols { dw[i] += dy[i] * x[i] * s }
                }
            }
        }
    }
}

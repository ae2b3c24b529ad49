/// Token embedding: row `t` of the output is row `tokens[t]` of the table.
public enum Embedding {
    public static func forward(output: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>,
                               table: UnsafePointer<Float>, rows: Int, dim: Int) {
        for t in 0..<rows {
            (output + t * dim).update(from: table + Int(tokens[t]) * dim, count: dim)
        }
    }

    /// Adds each output row's gradient into its token's row of the table gradient.
    public static func backward(tableGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
                                tokens: UnsafePointer<Int32>, rows: Int, dim: Int) {
        for t in 0..<rows {
            let dst = tableGradient + Int(tokens[t]) * dim
            let src = outputGradient + t * dim
            for i in 0..<dim { dst[i] += src[i] }
        }
    }
}

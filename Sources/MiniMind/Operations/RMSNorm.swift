import LinearAlgebra

/// RMSNorm: `y = x / sqrt(mean(x²) + eps) · w`, one row at a time.
///
/// The per-head q/k norm of Qwen3 and minimind-3 is the same operation over
/// rows of `headDim` (a `[tokens, heads·headDim]` buffer is `[tokens·heads, headDim]`).
///
/// Rows are reduced on eight lanes: a scalar floating-point sum cannot be
/// vectorised by the compiler (reordering it changes the rounding), and at
/// `dim = 768` the scalar loop was most of the norm's time.
public enum RMSNorm {
    typealias Vector = VectorMath.Vector

    /// Writes `output` and the per-row reciprocal RMS `rstd` (kept for backward).
    public static func forward(output: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                               input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               rows: Int, cols: Int, eps: Float) {
        Parallel.forEachChunk(of: rows, cost: rows * cols) { chunk in
            for r in chunk {
                let x = input + r * cols, y = output + r * cols
                let s = 1 / (sumOfProducts(x, x, count: cols) / Float(cols) + eps).squareRoot()
                rstd[r] = s
                let sv = Vector(repeating: s)
                var i = 0
                while i + 8 <= cols {
                    store(load(x + i) * sv * load(weight + i), to: y + i)
                    i += 8
                }
                while i < cols { y[i] = x[i] * s * weight[i]; i += 1 }
            }
        }
    }

    /// With `g = dy ⊙ w`: `dx = s·g − x·s³·(g·x)/n`, added into `inputGradient`;
    /// `dw += Σ_rows dy ⊙ x·s` when the weight is trainable.
    ///
    /// The weight gradient is a sum over rows: each of `Parallel.arithmeticParts`
    /// blocks of rows is summed into its own partial (the blocks shared among
    /// the workers), and the partials are added in order, so any number of
    /// cores gives the same bits.
    public static func backward(inputGradient: UnsafeMutablePointer<Float>,
                                weightGradient: UnsafeMutablePointer<Float>?,
                                outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>,
                                weight: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                rows: Int, cols: Int) {
        let n = Float(cols)
        let parts = weightGradient == nil ? 1 : max(1, min(Parallel.arithmeticParts, rows))
        let partials = UnsafeMutablePointer<Float>.allocate(capacity: weightGradient == nil ? 0 : parts * cols)
        defer { partials.deallocate() }
        if weightGradient != nil { partials.initialize(repeating: 0, count: parts * cols) }
        let work: (Range<Int>, UnsafeMutablePointer<Float>?) -> Void = { chunk, dw in
            for r in chunk {
                let x = input + r * cols, dy = outputGradient + r * cols, dx = inputGradient + r * cols
                let s = rstd[r]
                let dot = sumOfProducts(dy, weight, x, count: cols)
                let correction = s * s * s * dot / n
                let sv = Vector(repeating: s), cv = Vector(repeating: correction)
                var i = 0
                while i + 8 <= cols {
                    let xv = load(x + i), dyv = load(dy + i)
                    store(load(dx + i) + sv * dyv * load(weight + i) - xv * cv, to: dx + i)
                    if let dw { store(load(dw + i) + dyv * xv * sv, to: dw + i) }
                    i += 8
                }
                while i < cols {
                    dx[i] += s * dy[i] * weight[i] - x[i] * correction
                    if let dw { dw[i] += dy[i] * x[i] * s }
                    i += 1
                }
            }
        }
        if let weightGradient {
            Parallel.forEachChunk(of: parts, cost: rows * cols) { blocks in
                for part in blocks {
                    work((rows * part / parts)..<(rows * (part + 1) / parts), partials + part * cols)
                }
            }
            for part in 0..<parts {
                let partial = partials + part * cols
                for i in 0..<cols { weightGradient[i] += partial[i] }
            }
        } else {
            Parallel.forEachChunk(of: rows, cost: rows * cols) { chunk in work(chunk, nil) }
        }
    }

    /// `Σ a[i]·b[i]` on eight lanes.
    @inline(__always)
    static func sumOfProducts(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var sums = Vector(repeating: 0)
        var i = 0
        while i + 8 <= count { sums += load(a + i) * load(b + i); i += 8 }
        var total = sums.sum()
        while i < count { total += a[i] * b[i]; i += 1 }
        return total
    }

    /// `Σ a[i]·b[i]·c[i]` on eight lanes.
    @inline(__always)
    static func sumOfProducts(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
                              count: Int) -> Float {
        var sums = Vector(repeating: 0)
        var i = 0
        while i + 8 <= count { sums += load(a + i) * load(b + i) * load(c + i); i += 8 }
        var total = sums.sum()
        while i < count { total += a[i] * b[i] * c[i]; i += 1 }
        return total
    }

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always) static func load(_ p: UnsafeMutablePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always) static func store(_ v: Vector, to p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }
}

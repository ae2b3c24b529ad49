/// A dense row-major matrix of `Float`: element (r, c) lives at `values[r * cols + c]`.
///
/// Weights use Hugging Face's `[out, in]` layout, so a linear layer computes
/// `y = x Wᵀ` with `x` holding one token per row. The type is a value: copying
/// it (a saved run, the frozen W₀ kept for full fine-tuning) is copy-on-write.
public struct Matrix: Equatable, Sendable {
    public let rows: Int
    public let cols: Int
    public var values: [Float]

    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && cols >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.cols = cols
        self.values = [Float](repeating: value, count: rows * cols)
    }

    public init(rows: Int, cols: Int, values: [Float]) {
        precondition(values.count == rows * cols,
                     "a \(rows)×\(cols) matrix needs \(rows * cols) values, got \(values.count)")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    /// Builds a matrix from nested rows (handy in tests and small examples).
    public init(_ nestedRows: [[Float]]) {
        let cols = nestedRows.first?.count ?? 0
        precondition(nestedRows.allSatisfy { $0.count == cols }, "rows differ in length")
        self.init(rows: nestedRows.count, cols: cols, values: nestedRows.flatMap { $0 })
    }

    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, cols: n)
        for i in 0..<n { m.values[i * n + i] = 1 }
        return m
    }

    public var count: Int { rows * cols }
    public var isSquare: Bool { rows == cols }
    public var shapeDescription: String { "\(rows)×\(cols)" }

    public subscript(row: Int, col: Int) -> Float {
        get { values[row * cols + col] }
        set { values[row * cols + col] = newValue }
    }

    public func transposed() -> Matrix {
        var t = Matrix(rows: cols, cols: rows)
        values.withUnsafeBufferPointer { src in
            t.values.withUnsafeMutableBufferPointer { dst in
                for r in 0..<rows {
                    for c in 0..<cols { dst[c * rows + r] = src[r * cols + c] }
                }
            }
        }
        return t
    }

    /// Rows `range` as a new matrix.
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, cols: cols, values: Array(values[(range.lowerBound * cols)..<(range.upperBound * cols)]))
    }

    /// Columns `range` as a new matrix.
    public func columns(_ range: Range<Int>) -> Matrix {
        var out = Matrix(rows: rows, cols: range.count)
        for r in 0..<rows {
            for (j, c) in range.enumerated() { out.values[r * range.count + j] = values[r * cols + c] }
        }
        return out
    }

    /// ‖M‖_F, accumulated in Double so that large matrices do not lose digits.
    public var frobeniusNorm: Float {
        var sum = 0.0
        for v in values { sum += Double(v) * Double(v) }
        return Float(sum.squareRoot())
    }

    public static func + (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.cols == rhs.cols, "shape mismatch in +")
        var out = lhs
        for i in 0..<out.values.count { out.values[i] += rhs.values[i] }
        return out
    }

    public static func - (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.cols == rhs.cols, "shape mismatch in -")
        var out = lhs
        for i in 0..<out.values.count { out.values[i] -= rhs.values[i] }
        return out
    }

    public static func * (scale: Float, m: Matrix) -> Matrix {
        var out = m
        for i in 0..<out.values.count { out.values[i] *= scale }
        return out
    }

    /// The largest absolute element-wise difference; for tolerances in tests.
    public func maxAbsDifference(_ other: Matrix) -> Float {
        precondition(rows == other.rows && cols == other.cols, "shape mismatch")
        var worst: Float = 0
        for i in 0..<values.count { worst = max(worst, abs(values[i] - other.values[i])) }
        return worst
    }
}

import LinearAlgebra

/// A named trainable tensor and, when it is trainable, its gradient.
///
/// Values live in one stable allocation so that the forward and backward
/// kernels can work on raw pointers; `matrix` gives a value copy for analysis.
public final class Parameter: @unchecked Sendable {
    // Sendable: a model is used by one thread at a time (the engine's).
    /// Hugging Face name, e.g. `model.layers.0.self_attn.q_proj.weight`.
    public let name: String
    public let rows: Int
    public let cols: Int
    public let value: FloatBuffer
    /// Present exactly when `requiresGrad`; zeroed by the trainer each step.
    public private(set) var gradient: FloatBuffer?

    public var requiresGrad: Bool {
        didSet {
            if requiresGrad, gradient == nil { gradient = FloatBuffer(count: count) }
            if !requiresGrad { gradient = nil }
        }
    }

    public init(name: String, rows: Int, cols: Int, requiresGrad: Bool = false) {
        self.name = name
        self.rows = rows
        self.cols = cols
        value = FloatBuffer(count: rows * cols)
        self.requiresGrad = requiresGrad
        if requiresGrad { gradient = FloatBuffer(count: rows * cols) }
    }

    public convenience init(name: String, matrix: Matrix, requiresGrad: Bool = false) {
        self.init(name: name, rows: matrix.rows, cols: matrix.cols, requiresGrad: requiresGrad)
        self.matrix = matrix
    }

    public var count: Int { rows * cols }

    /// The values as a matrix (a copy); setting copies the values in.
    public var matrix: Matrix {
        get { Matrix(rows: rows, cols: cols, values: value.array) }
        set {
            precondition(newValue.rows == rows && newValue.cols == cols,
                         "\(name): expected \(rows)×\(cols), got \(newValue.rows)×\(newValue.cols)")
            newValue.values.withUnsafeBufferPointer { value.pointer.update(from: $0.baseAddress!, count: count) }
        }
    }

    public var gradientMatrix: Matrix? {
        gradient.map { Matrix(rows: rows, cols: cols, values: $0.array) }
    }

    /// A deep copy: same name and values, gradient state reset.
    public func copy() -> Parameter {
        let other = Parameter(name: name, rows: rows, cols: cols, requiresGrad: requiresGrad)
        other.value.pointer.update(from: value.pointer, count: count)
        return other
    }
}

import LinearAlgebra

/// A named trainable tensor and, when it is trainable, its gradient.
///
/// Values live in one stable allocation so that the forward and backward
/// kernels can work on raw pointers; `matrix` gives a value copy for analysis.
///
/// Outside this module the values can be read freely but written only
/// through the journaled path (`value[i] = x`, `matrix = m`, `overwrite`,
/// `modifyValues`): each records the old values in the open `ModelJournal`
/// the first time a command writes the tensor, so that a failing command can
/// put them back (docs/design.md, "Transactions"). The one unjournaled writer
/// is the optimizer step (`trainingStorage`), the documented exception.
public final class Parameter: @unchecked Sendable {
    // Sendable: a model is used by one thread at a time (the engine's).
    /// Hugging Face name, e.g. `model.layers.0.self_attn.q_proj.weight`.
    public let name: String
    public let rows: Int
    public let cols: Int
    /// The values, unjournaled: for kernels and initialisers of this module,
    /// and for AdamW's per-step writes (which a journal must not copy).
    let trainingStorage: FloatBuffer
    /// Present exactly when `requiresGrad`; zeroed by the trainer each step.
    public private(set) var gradient: FloatBuffer?

    /// The journal of the command now running, set by `ModelJournal.enroll`.
    var journal: ModelJournal?
    /// Whether `journal` already holds this tensor's values from before the command.
    var journalHasOldValues = false

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
        trainingStorage = FloatBuffer(count: rows * cols)
        self.requiresGrad = requiresGrad
        if requiresGrad { gradient = FloatBuffer(count: rows * cols) }
    }

    public convenience init(name: String, matrix: Matrix, requiresGrad: Bool = false) {
        self.init(name: name, rows: matrix.rows, cols: matrix.cols, requiresGrad: requiresGrad)
        self.matrix = matrix
    }

    public var count: Int { rows * cols }

    /// The values: read-only pointer for kernels, element writes journaled.
    public var value: TensorValues { TensorValues(parameter: self) }

    /// The one journaled way to change the values in place: the old values
    /// go to the open journal (once per command) before `body` may write.
    public func modifyValues<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        recordBeforeWrite()
        return try body(UnsafeMutableBufferPointer(start: trainingStorage.pointer, count: count))
    }

    /// Replaces every value (journaled).
    public func overwrite(with values: [Float]) {
        precondition(values.count == count, "\(name): expected \(count) values, got \(values.count)")
        modifyValues { target in _ = target.update(fromContentsOf: values) }
    }

    @inline(__always)
    func recordBeforeWrite() {
        if let journal, !journalHasOldValues { journal.saveValues(of: self) }
    }

    /// The values as a matrix (a copy); setting copies the values in (journaled).
    public var matrix: Matrix {
        get { Matrix(rows: rows, cols: cols, values: trainingStorage.array) }
        set {
            precondition(newValue.rows == rows && newValue.cols == cols,
                         "\(name): expected \(rows)×\(cols), got \(newValue.rows)×\(newValue.cols)")
            overwrite(with: newValue.values)
        }
    }

    public var gradientMatrix: Matrix? {
        gradient.map { Matrix(rows: rows, cols: cols, values: $0.array) }
    }

    /// A deep copy: same name and values, gradient state reset.
    public func copy() -> Parameter {
        let other = Parameter(name: name, rows: rows, cols: cols, requiresGrad: requiresGrad)
        other.trainingStorage.pointer.update(from: trainingStorage.pointer, count: count)
        return other
    }
}

/// A parameter's values as code outside the optimizer sees them: a read-only
/// pointer for kernels and copies, and element writes that go through the
/// parameter's journal (`parameter.value[i] = x`).
public struct TensorValues {
    let parameter: Parameter

    public var pointer: UnsafePointer<Float> { UnsafePointer(parameter.trainingStorage.pointer) }
    public var count: Int { parameter.count }
    public var array: [Float] { parameter.trainingStorage.array }

    public subscript(index: Int) -> Float {
        get { parameter.trainingStorage.pointer[index] }
        nonmutating set {
            parameter.recordBeforeWrite()
            parameter.trainingStorage.pointer[index] = newValue
        }
    }
}

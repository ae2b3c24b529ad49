/// Why an analysis could not be computed: the inputs do not fit together.
/// (Failures inside LAPACK surface as `DecompositionError` from LinearAlgebra.)
public enum AnalysisError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Matrices whose shapes must agree do not; the text says which and how.
    case shapeMismatch(String)
    /// An argument is outside its meaningful range; the text says which.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .shapeMismatch(detail): return "shape mismatch: \(detail)"
        case let .invalidArgument(detail): return "invalid argument: \(detail)"
        }
    }
}

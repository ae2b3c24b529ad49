/// Why a matrix decomposition could not be computed.
///
/// LAPACK reports problems through its `info` argument: negative means the
/// call itself was malformed (a bug on our side, reported rather than hidden),
/// positive means the iteration did not converge.
public enum DecompositionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input holds NaN or ±∞; LAPACK's behaviour on such input is undefined.
    case nonFiniteInput(operation: String, rows: Int, cols: Int)
    /// A dimension or workspace size does not fit LAPACK's 32-bit integers.
    case dimensionTooLarge(operation: String, rows: Int, cols: Int)
    /// LAPACK rejected argument number `position` (info = −position).
    case illegalArgument(routine: String, position: Int)
    /// LAPACK's iteration failed to converge (info > 0).
    case didNotConverge(routine: String, info: Int)

    public var description: String {
        switch self {
        case let .nonFiniteInput(operation, rows, cols):
            return "\(operation): the \(rows)×\(cols) matrix contains NaN or infinity"
        case let .dimensionTooLarge(operation, rows, cols):
            return "\(operation): a \(rows)×\(cols) matrix is too large for LAPACK's 32-bit sizes"
        case let .illegalArgument(routine, position):
            return "\(routine): LAPACK rejected argument \(position) (info = \(-position))"
        case let .didNotConverge(routine, info):
            return "\(routine): LAPACK did not converge (info = \(info))"
        }
    }
}

/// Checks a LAPACK `info` result, naming the routine in the error.
func checkLAPACK(_ info: Int32, routine: String) throws {
    if info < 0 { throw DecompositionError.illegalArgument(routine: routine, position: Int(-info)) }
    if info > 0 { throw DecompositionError.didNotConverge(routine: routine, info: Int(info)) }
}

/// The workspace length a LAPACK query (`lwork = -1`) asked for.
///
/// LAPACK returns the length in `work[0]` as a float. Above 2²⁴ a float cannot
/// hold every integer and older LAPACKs round the length *down*, so the next
/// representable float up is taken: it over-allocates by at most a few elements.
func workspaceLength(reportedBy query: Float, atLeast minimum: Int) -> Int {
    guard query.isFinite, query > 0 else { return max(1, minimum) }
    let rounded = query >= 16_777_216 ? query.nextUp : query
    return max(1, minimum, Int(rounded.rounded(.up)))
}

/// Converts a size to LAPACK's `int`, or throws if it does not fit.
func lapackInt(_ value: Int, operation: String, rows: Int, cols: Int) throws -> Int32 {
    guard let converted = Int32(exactly: value) else {
        throw DecompositionError.dimensionTooLarge(operation: operation, rows: rows, cols: cols)
    }
    return converted
}

/// True when every element of `matrix` is finite (no NaN, no ±∞).
func hasOnlyFiniteValues(_ matrix: Matrix) -> Bool {
    matrix.values.withUnsafeBufferPointer { buffer in buffer.allSatisfy { $0.isFinite } }
}

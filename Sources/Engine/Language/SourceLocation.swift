/// A place in a cell: 1-based line and column (counted in Unicode scalars, as
/// Jupyter counts cursor offsets) and the 0-based scalar offset from the start
/// of the cell, which completion and inspection need.
struct SourceLocation: Sendable, Equatable {
    var line: Int
    var column: Int
    var offset: Int
}

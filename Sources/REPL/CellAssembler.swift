import Engine

/// Gathers typed lines into one cell, asking the engine whether the cell is
/// complete (a trailing `\`, an open quote) before it runs. The engine decides
/// what "complete" means; this only keeps the lines.
public struct CellAssembler {
    private var pendingLines: [String] = []

    public init() {}

    /// True while earlier lines wait for their continuation.
    public var isContinuing: Bool { !pendingLines.isEmpty }

    /// The lines held so far, each followed by a newline: what comes before
    /// the line being typed, for completion.
    public var pendingText: String {
        pendingLines.map { $0 + "\n" }.joined()
    }

    /// Adds one line. Returns the cell to run when it is complete (or when the
    /// engine says it can never be, so that running it reports the error);
    /// nil while it continues.
    public mutating func add(_ line: String, completeness: (String) -> Completeness) -> String? {
        pendingLines.append(line)
        let cell = pendingLines.joined(separator: "\n")
        switch completeness(cell) {
        case .incomplete:
            return nil
        case .complete, .invalid:
            pendingLines.removeAll()
            return cell
        }
    }

    /// Whatever is held, for end of input: the engine reports what is wrong with it.
    public mutating func flush() -> String? {
        guard isContinuing else { return nil }
        defer { pendingLines.removeAll() }
        return pendingLines.joined(separator: "\n")
    }

    /// Drops the held lines (Ctrl-C at a continuation prompt).
    public mutating func discard() {
        pendingLines.removeAll()
    }
}

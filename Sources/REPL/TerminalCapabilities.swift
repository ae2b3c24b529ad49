import CEditLine
#if canImport(Glibc)
import Glibc
#endif

/// What the output side of a front end can do: rewrite a line in place,
/// colour errors, how wide it is. Decided once from the environment.
public struct TerminalCapabilities: Sendable, Equatable {
    /// Standard output is a terminal: live displays are redrawn in place and
    /// `clear` clears the screen.
    public var rewritesInPlace: Bool
    /// Errors are shown in red (standard error is a terminal, `NO_COLOR` unset,
    /// and the session is interactive or a script run).
    public var colouredErrors: Bool
    /// Width used to count how many rows a live display occupies.
    public var columns: Int

    public init(rewritesInPlace: Bool, colouredErrors: Bool, columns: Int = 80) {
        self.rewritesInPlace = rewritesInPlace
        self.colouredErrors = colouredErrors
        self.columns = max(columns, 1)
    }

    /// Plain text: what a pipe or a file gets.
    public static let plain = TerminalCapabilities(rewritesInPlace: false, colouredErrors: false)

    /// Reads the process's streams and environment. `allowColour` is false for
    /// piped sessions, which never colour.
    public static func detect(allowColour: Bool = true) -> TerminalCapabilities {
        let term = getenv("TERM").map { String(cString: $0) } ?? ""
        let dumb = term == "dumb"
        let stdoutIsTerminal = isatty(1) != 0 && !dumb
        let colourWanted = allowColour && getenv("NO_COLOR") == nil && !dumb
        let width = Int(loralab_terminal_columns(1))
        return TerminalCapabilities(
            rewritesInPlace: stdoutIsTerminal,
            colouredErrors: colourWanted && isatty(2) != 0,
            columns: width > 0 ? width : 80)
    }
}

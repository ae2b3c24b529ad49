/// Turns a `CommandFailure` into what a user reads:
/// `error: line 2, col 14: unknown parameter 'rnak' for 'lora' (did you mean 'rank'?)`,
/// the source line, and a caret under the column.
enum ErrorReport {
    static func executionError(_ failure: CommandFailure, at location: SourceLocation, source: String) -> ExecutionError {
        let message = "line \(location.line), col \(location.column): \(failure.message)"
        // Split the scalars, not the characters: "\r\n" is one Character, so a
        // character split would never end a CRLF line.
        let lines = source.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        var traceback = ["error: " + message]
        if lines.indices.contains(location.line - 1) {
            var sourceLine = String(lines[location.line - 1])
            if sourceLine.hasSuffix("\r") { sourceLine.removeLast() }
            traceback.append(sourceLine)
            traceback.append(caret(under: location.column, of: sourceLine))
        }
        return ExecutionError(name: failure.kind.rawValue, message: message, traceback: traceback,
                              line: location.line, column: location.column)
    }

    /// Spaces up to the column (tabs kept, so the caret lines up), then `^`.
    static func caret(under column: Int, of line: String) -> String {
        var prefix = ""
        for (index, scalar) in line.unicodeScalars.enumerated() where index < column - 1 {
            prefix.append(scalar == "\t" ? "\t" : " ")
        }
        let missing = max(0, column - 1 - line.unicodeScalars.count)
        return prefix + String(repeating: " ", count: missing) + "^"
    }
}

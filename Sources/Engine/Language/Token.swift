/// One piece of text on a command line as the user typed it.
struct Word: Sendable, Equatable {
    /// The text with quotes removed and escapes resolved.
    var text: String
    /// Whether it was written in double quotes (then it is never a number, list or range).
    var quoted: Bool
    var start: SourceLocation
    /// Just past the word (past the closing quote when quoted).
    var end: SourceLocation

    var endOffset: Int { end.offset }
}

/// A word on a command line, or a `key=value` pair.
struct Token: Sendable, Equatable {
    /// Set for `key=value`; `value` then holds what follows the `=`.
    var key: Word?
    var value: Word

    var start: SourceLocation { key?.start ?? value.start }
    var end: SourceLocation { value.end }
    var endOffset: Int { value.endOffset }
}

/// A problem the lexer found; reported when the line runs.
struct LexicalProblem: Sendable, Equatable {
    var message: String
    var location: SourceLocation
}

/// One command: a line of the cell, joined with its `\` continuation lines.
struct LogicalLine: Sendable, Equatable {
    var tokens: [Token]
    /// Where the line begins (its first physical line).
    var start: SourceLocation
    /// Scalar offset just past the last character of the line (before its newline).
    var endOffset: Int
    var problems: [LexicalProblem]
    /// The cell ended inside a double-quoted string.
    var endsInsideString: Bool
    /// The cell ended with a `\` asking for one more line.
    var endsWithContinuation: Bool
}

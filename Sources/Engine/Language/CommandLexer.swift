/// Splits a cell into command lines and their words, following the lexical
/// rules of the language: one command per line, `#` comments, a trailing `\`
/// joining the next line, blank lines ignored, double-quoted strings with
/// `\"`, `\\`, `\n` and `\t` escapes, and `key=value` pairs.
///
/// The lexer never fails: problems are recorded on the line they belong to and
/// reported only when that line runs, so earlier lines of a cell still run.
struct CommandLexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1

    private var tokens: [Token] = []
    private var problems: [LexicalProblem] = []
    private var lineStart: SourceLocation
    private var insideString = false
    private var continuationAtEnd = false
    private var result: [LogicalLine] = []

    static func lines(of source: String) -> [LogicalLine] {
        var lexer = CommandLexer(source: source)
        lexer.run()
        return lexer.result
    }

    private init(source: String) {
        scalars = Array(source.unicodeScalars)
        lineStart = SourceLocation(line: 1, column: 1, offset: 0)
    }

    private var location: SourceLocation { SourceLocation(line: line, column: column, offset: index) }
    private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private mutating func advance() {
        if scalars[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    private static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\r"
    }

    /// A `\` with nothing but blanks after it on its line continues the command.
    private func isContinuation(at position: Int) -> Bool {
        guard position < scalars.count, scalars[position] == "\\" else { return false }
        var next = position + 1
        while next < scalars.count, Self.isBlank(scalars[next]) { next += 1 }
        return next == scalars.count || scalars[next] == "\n"
    }

    private mutating func run() {
        while let scalar = current {
            if scalar == "\n" {
                finishLine()
                advance()
                lineStart = location
            } else if Self.isBlank(scalar) {
                advance()
            } else if scalar == "#" {
                while let next = current, next != "\n" { advance() }
            } else if isContinuation(at: index) {
                while let next = current, next != "\n" { advance() }
                if current == nil {
                    continuationAtEnd = true
                } else {
                    advance()
                }
            } else {
                readToken()
            }
        }
        finishLine()
    }

    private mutating func finishLine() {
        if !tokens.isEmpty || !problems.isEmpty || insideString || continuationAtEnd {
            result.append(LogicalLine(tokens: tokens, start: lineStart, endOffset: index,
                                      problems: problems, endsInsideString: insideString,
                                      endsWithContinuation: continuationAtEnd))
        }
        tokens = []
        problems = []
        insideString = false
        continuationAtEnd = false
    }

    private mutating func readToken() {
        let start = location
        if current == "\"" {
            let value = readString()
            tokens.append(Token(key: nil, value: value))
            expectSeparator()
            return
        }
        var text = ""
        while let scalar = current, !Self.isBlank(scalar), scalar != "\n", scalar != "#", scalar != "\"",
              !isContinuation(at: index) {
            text.unicodeScalars.append(scalar)
            advance()
        }
        guard let equals = text.firstIndex(of: "=") else {
            tokens.append(Token(key: nil, value: Word(text: text, quoted: false, start: start, end: location)))
            if current == "\"" {
                problems.append(LexicalProblem(message: "unexpected '\"' inside '\(text)' (put a space before a quoted string)", location: location))
                _ = readString()
            }
            return
        }
        let keyText = String(text[..<equals])
        let valueText = String(text[text.index(after: equals)...])
        let keyLength = keyText.unicodeScalars.count
        let keyEnd = SourceLocation(line: start.line, column: start.column + keyLength, offset: start.offset + keyLength)
        let keyWord = Word(text: keyText, quoted: false, start: start, end: keyEnd)
        let valueStart = SourceLocation(line: start.line, column: keyEnd.column + 1, offset: keyEnd.offset + 1)
        if keyText.isEmpty {
            problems.append(LexicalProblem(message: "missing parameter name before '='", location: start))
        }
        if valueText.isEmpty, current == "\"" {
            let value = readString()
            tokens.append(Token(key: keyWord, value: value))
            expectSeparator()
            return
        }
        tokens.append(Token(key: keyWord, value: Word(text: valueText, quoted: false, start: valueStart, end: location)))
        if current == "\"" {
            problems.append(LexicalProblem(message: "unexpected '\"' inside '\(text)' (put a space before a quoted string)", location: location))
            _ = readString()
        }
    }

    /// After a closing quote the word must end.
    private mutating func expectSeparator() {
        guard let scalar = current, !Self.isBlank(scalar), scalar != "\n", scalar != "#",
              !isContinuation(at: index) else { return }
        problems.append(LexicalProblem(message: "expected a space after the closing quote", location: location))
        while let next = current, !Self.isBlank(next), next != "\n" { advance() }
    }

    /// Reads a double-quoted string starting at the opening quote.
    private mutating func readString() -> Word {
        let start = location
        advance()
        var text = ""
        while true {
            guard let scalar = current else {
                insideString = true
                problems.append(LexicalProblem(message: "unterminated string (missing closing '\"')", location: start))
                break
            }
            if scalar == "\"" {
                advance()
                break
            }
            if scalar == "\\" {
                let escapeLocation = location
                advance()
                guard let escaped = current else {
                    insideString = true
                    problems.append(LexicalProblem(message: "unterminated string (missing closing '\"')", location: start))
                    break
                }
                switch escaped {
                case "\"": text.append("\"")
                case "\\": text.append("\\")
                case "n": text.append("\n")
                case "t": text.append("\t")
                case "\n": break  // a continuation inside a string joins the lines
                default:
                    problems.append(LexicalProblem(
                        message: "unknown escape '\\\(Character(escaped))' in a string (escapes are \\\" \\\\ \\n \\t)",
                        location: escapeLocation))
                    text.unicodeScalars.append(escaped)
                }
                advance()
                continue
            }
            if scalar == "\r", index + 1 < scalars.count, scalars[index + 1] == "\n" {
                advance()
                continue
            }
            text.unicodeScalars.append(scalar)
            advance()
        }
        return Word(text: text, quoted: true, start: start, end: location)
    }
}

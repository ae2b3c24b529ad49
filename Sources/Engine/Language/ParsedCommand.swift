/// A command line split into its verb, its plain words and its `key=value`
/// arguments, before any command gives them meaning.
struct ParsedCommand: Sendable, Equatable {
    var verb: Word
    var words: [Word]
    var arguments: [Token]
    /// `lora?`: the user asks for the help of the verb.
    var asksForHelp: Bool
    /// Where the line ends, for "missing ..." carets.
    var end: SourceLocation

    /// Reads a lexed line; lexical problems and a missing verb are reported here.
    init(_ line: LogicalLine) throws(CommandFailure) {
        if let problem = line.problems.first {
            throw CommandFailure(.syntax, problem.message, at: problem.location)
        }
        guard let first = line.tokens.first else {
            throw CommandFailure(.syntax, "empty command", at: line.start)
        }
        if let key = first.key {
            throw CommandFailure(.syntax, "a command starts with its name, not with '\(key.text)=' (try `help`)", at: key.start)
        }
        guard !first.value.quoted else {
            throw CommandFailure(.syntax, "a command starts with its name, not with a quoted string (try `help`)", at: first.value.start)
        }
        var verb = first.value
        asksForHelp = false
        if verb.text.hasSuffix("?"), verb.text.count > 1 {
            verb.text.removeLast()
            asksForHelp = true
        } else if verb.text.hasPrefix("?"), verb.text.count > 1 {
            verb.text.removeFirst()
            verb.start.column += 1
            verb.start.offset += 1
            asksForHelp = true
        }
        self.verb = verb
        words = line.tokens.dropFirst().filter { $0.key == nil }.map(\.value)
        arguments = line.tokens.dropFirst().filter { $0.key != nil }
        end = line.tokens.last?.end ?? verb.end
    }
}

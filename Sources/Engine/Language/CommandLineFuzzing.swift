/// The fuzzing entry point for the command language: one input, every way a
/// front end feeds text to the engine, and the invariants that must hold for
/// any text at all. The libFuzzer binary (`fuzz/`, `make fuzz-commands`) and
/// the corpus replay in `swift test` (FuzzingTests) both call `check`, so a
/// crash found by the fuzzer replays in the ordinary build.
///
/// Invariants, each reported as a sentence when broken (the fuzzer turns a
/// report into a crash):
/// - every place the lexer records (token starts and ends, problems) has the
///   line and column that its scalar offset implies, inside the input;
/// - every error `execute` returns has a line and column inside the input;
/// - `isComplete`, `complete` and `inspect` return, at any cursor, with a
///   completion range inside the input.
/// A crash or a hang anywhere is a finding too.
public enum CommandLineFuzzing {
    /// Verbs that run quickly and touch no file and no large memory in a
    /// fresh session (no model, no data). Lines with any other verb are still
    /// lexed, parsed, completed and inspected, but not executed, so the
    /// fuzzer never builds a large model or reads an arbitrary path.
    static let executableVerbs: Set<String> = [
        "help", "print", "warn", "clear", "set", "show", "runs", "run", "reset",
        "lora", "finetune", "step", "train", "pretrain", "eval", "generate",
        "svd", "spectrum", "similarity", "amplification", "intruders", "compare",
    ]

    /// The broken invariants for `bytes` (read as UTF-8, invalid sequences
    /// replaced, as a Jupyter frontend's JSON string could never carry them).
    public static func check(_ bytes: [UInt8]) -> [String] {
        check(source: String(decoding: bytes, as: UTF8.self))
    }

    public static func check(source: String) -> [String] {
        var violations: [String] = []
        let geometry = SourceGeometry(source)
        let lines = CommandLexer.lines(of: source)
        var everyVerbExecutes = true

        for line in lines {
            geometry.verify(line.start, "start of a line", into: &violations)
            for token in line.tokens {
                if let key = token.key {
                    geometry.verify(key.start, "start of key '\(key.text)'", into: &violations)
                    geometry.verify(key.end, "end of key '\(key.text)'", into: &violations)
                }
                geometry.verify(token.value.start, "start of word '\(token.value.text)'", into: &violations)
                geometry.verify(token.value.end, "end of word '\(token.value.text)'", into: &violations)
                if token.value.end.offset < token.value.start.offset {
                    violations.append("word '\(token.value.text)' ends before it starts")
                }
            }
            for problem in line.problems {
                geometry.verify(problem.location, "problem '\(problem.message)'", into: &violations)
            }
            do {
                let command = try ParsedCommand(line)
                geometry.verify(command.verb.start, "start of verb '\(command.verb.text)'", into: &violations)
                geometry.verify(command.end, "end of command '\(command.verb.text)'", into: &violations)
                if !command.asksForHelp, !executableVerbs.contains(command.verb.text) { everyVerbExecutes = false }
            } catch {
                if let location = error.location {
                    geometry.verify(location, "syntax error '\(error.message)'", into: &violations)
                }
            }
        }

        let engine = Engine(history: .inMemory())
        _ = engine.isComplete(source)
        for cursor in geometry.interestingCursors() {
            let completion = engine.complete(source, cursor: cursor)
            if completion.cursorStart < 0 || completion.cursorStart > completion.cursorEnd
                || completion.cursorEnd > geometry.scalarCount {
                violations.append("completion at \(cursor) replaces \(completion.cursorStart)..<\(completion.cursorEnd) "
                                  + "of an input of \(geometry.scalarCount) scalars")
            }
            _ = engine.inspect(source, cursor: cursor)
        }

        if everyVerbExecutes {
            let outcome = engine.execute(source, storeHistory: true) { _ in }
            if case .error(let error) = outcome {
                if let line = error.line, let column = error.column {
                    if !geometry.contains(line: line, column: column) {
                        violations.append("error at line \(line), col \(column) is outside the input: \(error.message)")
                    } else if error.traceback.count != 3 || error.traceback[1] != geometry.text(ofLine: line) {
                        violations.append("the traceback of '\(error.message)' does not show line \(line): \(error.traceback)")
                    }
                } else {
                    violations.append("error without a place: \(error.message)")
                }
            }
        }
        return violations
    }
}

/// Lines and columns of a source text, counted as the lexer counts them
/// (Unicode scalars; a `\r` is a column; lines end at `\n`).
struct SourceGeometry {
    let scalars: [Unicode.Scalar]
    /// Scalars on each physical line, without its `\n`.
    let lineLengths: [Int]

    init(_ source: String) {
        scalars = Array(source.unicodeScalars)
        var lengths = [0]
        for scalar in scalars {
            if scalar == "\n" { lengths.append(0) } else { lengths[lengths.count - 1] += 1 }
        }
        lineLengths = lengths
    }

    var scalarCount: Int { scalars.count }

    /// Physical line `line` (1-based) as a traceback shows it: without its `\n` or a final `\r`.
    func text(ofLine line: Int) -> String {
        let start = lineLengths[..<(line - 1)].reduce(0, +) + (line - 1)
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars[start..<(start + lineLengths[line - 1])])
        if text.unicodeScalars.last == "\r" { text.unicodeScalars.removeLast() }
        return text
    }

    /// A caret may sit on any character of a line or just past its end.
    func contains(line: Int, column: Int) -> Bool {
        lineLengths.indices.contains(line - 1) && column >= 1 && column <= lineLengths[line - 1] + 1
    }

    /// The line and column the scalar `offset` implies.
    func place(ofOffset offset: Int) -> (line: Int, column: Int)? {
        guard offset >= 0, offset <= scalars.count else { return nil }
        var line = 1
        var column = 1
        for scalar in scalars[..<offset] {
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }

    func verify(_ location: SourceLocation, _ what: String, into violations: inout [String]) {
        guard let place = place(ofOffset: location.offset) else {
            violations.append("\(what): offset \(location.offset) outside an input of \(scalars.count) scalars")
            return
        }
        if place.line != location.line || place.column != location.column {
            violations.append("\(what): recorded at line \(location.line), col \(location.column), "
                              + "but offset \(location.offset) is line \(place.line), col \(place.column)")
        }
    }

    /// The start, the end, and a few places between (bounded, so long inputs stay fast).
    func interestingCursors() -> [Int] {
        let count = scalars.count
        var cursors: Set<Int> = [0, count, count / 2]
        for (index, scalar) in scalars.enumerated().prefix(256)
        where scalar == " " || scalar == "=" || scalar == "\n" || scalar == "\"" {
            cursors.insert(index)
            cursors.insert(index + 1)
        }
        return cursors.sorted().filter { $0 <= count }
    }
}

import Engine

/// The REPL on a terminal: prompt, line editing, history, completion,
/// continuation lines and Ctrl-C.
///
/// Ctrl-C while a command runs stops it at its next safe point (the engine
/// keeps the session as it was); at the prompt it abandons the line; a second
/// Ctrl-C at an empty prompt, or Ctrl-D, ends the session.
public final class InteractiveSession {
    public static let prompt = "lora> "
    public static let continuationPrompt = " ...> "

    private let engine: Engine
    private let output: TerminalOutput

    /// The session's history is the engine's: its earlier inputs are what the
    /// arrow keys recall, and every cell run here is added to it by the engine.
    public init(engine: Engine, output: TerminalOutput = StandardStreams()) {
        self.engine = engine
        self.output = output
    }

    /// Earlier inputs, one physical line per entry so that recalling one
    /// never puts a newline inside the line being edited.
    private func recalledLines() -> [String] {
        engine.history.all.flatMap { entry in
            entry.input.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        }
    }

    /// Runs until the user leaves; returns the process exit status.
    public func run() -> Int32 {
        let renderer = EventRenderer(sink: output, capabilities: .detect())
        let runner = CellRunner(engine: engine, renderer: renderer)
        let engine = self.engine
        TerminalRestoration.install()
        guard let editor = LineEditor(programName: "loralab", recalledLines: recalledLines(), output: output,
                                      completer: { code, cursor in engine.complete(code, cursor: cursor) })
        else {
            output.write("loralab: cannot start the line editor on this terminal\n", to: .stderr)
            return 1
        }
        InterruptRouting.route(to: engine.cancellation)
        output.write(engine.languageInfo.banner + "\n", to: .stdout)

        var cell = CellAssembler()
        var lastWasInterruptAtEmptyPrompt = false
        while true {
            editor.completionContext = cell.pendingText
            let prompt = cell.isContinuing ? Self.continuationPrompt : Self.prompt
            switch editor.readLine(prompt: prompt) {
            case .endOfInput:
                output.write("\n", to: .stdout)
                return 0
            case .interrupted(let lineWasEmpty):
                let atEmptyPrompt = lineWasEmpty && !cell.isContinuing
                if atEmptyPrompt && lastWasInterruptAtEmptyPrompt { return 0 }
                if atEmptyPrompt {
                    output.write("(press Ctrl-C again or Ctrl-D to exit)\n", to: .stdout)
                }
                lastWasInterruptAtEmptyPrompt = atEmptyPrompt
                cell.discard()
            case .line(let line):
                lastWasInterruptAtEmptyPrompt = false
                editor.remember(line)
                guard let code = cell.add(line, completeness: engine.isComplete) else { continue }
                if code.allSatisfy(\.isWhitespace) { continue }
                runner.run(code)
            }
        }
    }
}

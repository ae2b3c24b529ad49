import Engine

/// The REPL when standard input is not a terminal: commands are read line by
/// line (continuation lines honoured), with no prompt and no colour. Every
/// cell runs even after one fails; the exit status says whether any failed.
public final class PipedSession {
    private let engine: Engine
    private let output: TerminalOutput
    private let capabilities: TerminalCapabilities

    public init(engine: Engine, output: TerminalOutput = StandardStreams(),
                capabilities: TerminalCapabilities = .detect(allowColour: false)) {
        self.engine = engine
        self.output = output
        self.capabilities = capabilities
    }

    /// Reads from `nextLine` until it returns nil. Exit status: 0 when every
    /// cell succeeded, 1 when one failed, 130 when interrupted.
    public func run(readingLinesFrom nextLine: () -> String? = { Swift.readLine(strippingNewline: true) }) -> Int32 {
        let runner = CellRunner(engine: engine, renderer: EventRenderer(sink: output, capabilities: capabilities))
        var cell = CellAssembler()
        var anyFailed = false
        func runCell(_ code: String) -> Bool {
            if code.allSatisfy(\.isWhitespace) { return true }
            switch runner.run(code) {
            case .succeeded: return true
            case .failed: anyFailed = true; return true
            case .interrupted: return false
            }
        }
        while let line = nextLine() {
            guard let code = cell.add(line, completeness: engine.isComplete) else { continue }
            if !runCell(code) { return 130 }
        }
        if let rest = cell.flush(), !runCell(rest) { return 130 }
        return anyFailed ? 1 : 0
    }
}

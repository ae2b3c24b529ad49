import Engine

/// Turns the engine's events into text on a terminal or a pipe. It decides
/// nothing about what a command means: it only lays out what the engine sent.
///
/// Live displays (those with a `displayID`, such as a training progress line)
/// are redrawn in place on a terminal; on a pipe only their last state is
/// printed, once, when something else is printed or the cell ends.
public final class EventRenderer {
    private let sink: TerminalOutput
    private let capabilities: TerminalCapabilities

    /// The display that may still be rewritten: its id, its current text, and
    /// (on a terminal) how many rows it occupies on screen.
    private var live: (id: String, text: String, rows: Int)?
    /// Whether the last character written to standard output ended a line.
    private var stdoutAtLineStart = true
    /// A `clear` with `wait`: performed just before the next output.
    private var clearPending = false
    /// The file a script came from: errors then start with `FILE:LINE:COL:`,
    /// the form editors and terminals recognise.
    public var sourceName: String?

    public init(sink: TerminalOutput, capabilities: TerminalCapabilities) {
        self.sink = sink
        self.capabilities = capabilities
    }

    public func render(_ event: EngineEvent) {
        switch event {
        case .stream(let stream, let text):
            beginOutput()
            write(text, to: stream)
        case .display(let bundle, let displayID):
            beginOutput()
            if let displayID {
                showLive(id: displayID, text: bundle.plainText)
            } else {
                writeBlock(bundle.plainText)
            }
        case .updateDisplay(let bundle, let displayID):
            if live?.id == displayID {
                replaceLive(with: bundle.plainText)
            } else {
                // The display it updates has scrolled behind other output and
                // cannot be reached any more: show the new state as a fresh one.
                beginOutput()
                showLive(id: displayID, text: bundle.plainText)
            }
        case .result(let bundle), .page(let bundle):
            beginOutput()
            writeBlock(bundle.plainText)
        case .clearOutput(let wait):
            if wait {
                clearPending = true
            } else {
                clearScreen()
            }
        }
    }

    /// Shows why a cell failed: the engine's traceback, on standard error.
    public func renderError(_ error: ExecutionError) {
        finishLive()
        var lines = error.traceback
        if lines.isEmpty { lines = ["\(error.name): \(error.message)"] }
        if let sourceName {
            let place = [error.line, error.column].compactMap { $0 }.map { ":\($0)" }.joined()
            lines.insert("\(sourceName)\(place): \(error.name)", at: 0)
        }
        var text = lines.joined(separator: "\n")
        if !text.hasSuffix("\n") { text += "\n" }
        if capabilities.colouredErrors {
            text = ANSI.red + text.dropLast() + ANSI.reset + "\n"
        }
        write(text, to: .stderr)
    }

    /// Ends the cell: the live display is left as it stands, and the cursor
    /// is put at the start of a line for the next prompt.
    public func finishCell() {
        finishLive()
        clearPending = false
        if !stdoutAtLineStart { write("\n", to: .stdout) }
    }

    // MARK: - Live displays

    private func showLive(id: String, text: String) {
        if capabilities.rewritesInPlace {
            if !stdoutAtLineStart { write("\n", to: .stdout) }
            write(text, to: .stdout)
            live = (id, text, rowCount(of: text))
        } else {
            live = (id, text, 0)
        }
    }

    private func replaceLive(with text: String) {
        guard let current = live else { return }
        if capabilities.rewritesInPlace {
            // Back to the first row of the display, erase to the end of the
            // screen, draw again.
            var erase = "\r"
            if current.rows > 1 { erase += ANSI.cursorUp(current.rows - 1) }
            erase += ANSI.eraseToEndOfScreen
            write(erase + text, to: .stdout)
            live = (current.id, text, rowCount(of: text))
        } else {
            live = (current.id, text, 0)
        }
    }

    /// Freezes the live display where it is; later output goes below it.
    private func finishLive() {
        guard let current = live else { return }
        live = nil
        if capabilities.rewritesInPlace {
            if !stdoutAtLineStart { write("\n", to: .stdout) }
        } else {
            writeBlock(current.text)
        }
    }

    /// Rows a text takes on screen, counting lines that wrap.
    private func rowCount(of text: String) -> Int {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var rows = 0
        for (index, line) in lines.enumerated() {
            // A trailing newline leaves the cursor on an empty last row.
            if index == lines.count - 1 && line.isEmpty && index > 0 { rows += 1; continue }
            rows += max(1, (line.count + capabilities.columns - 1) / capabilities.columns)
        }
        return max(rows, 1)
    }

    // MARK: - Plain output

    private func beginOutput() {
        finishLive()
        if clearPending {
            clearPending = false
            clearScreen()
        }
    }

    private func clearScreen() {
        guard capabilities.rewritesInPlace else { return }
        finishLive()
        write(ANSI.home + ANSI.eraseScreen, to: .stdout)
        stdoutAtLineStart = true
    }

    /// A whole output: on its own lines, ending with a newline.
    private func writeBlock(_ text: String) {
        guard !text.isEmpty else { return }
        var block = text
        if !stdoutAtLineStart { block = "\n" + block }
        if !block.hasSuffix("\n") { block += "\n" }
        write(block, to: .stdout)
    }

    private func write(_ text: String, to stream: StreamName) {
        guard !text.isEmpty else { return }
        if stream == .stderr && !stdoutAtLineStart {
            // Keep an unfinished stdout line from running into the error text.
            sink.write("\n", to: .stdout)
            stdoutAtLineStart = true
        }
        sink.write(text, to: stream)
        if stream == .stdout { stdoutAtLineStart = text.hasSuffix("\n") }
    }
}

/// The few terminal control sequences the REPL uses.
enum ANSI {
    static let red = "\u{1B}[31m"
    static let reset = "\u{1B}[0m"
    static let eraseToEndOfScreen = "\u{1B}[J"
    static let eraseScreen = "\u{1B}[2J"
    static let home = "\u{1B}[H"
    static func cursorUp(_ rows: Int) -> String { "\u{1B}[\(rows)A" }
}

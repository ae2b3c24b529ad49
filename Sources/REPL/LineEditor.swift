import CEditLine
import Engine
#if canImport(Glibc)
import Glibc
#endif

/// A line editor on a terminal, over libedit (BSD licence): emacs-style
/// editing, history recalled with the arrow keys, Tab
/// completion answered by a callback, and Ctrl-C read as a key.
///
/// Ctrl-C: while it edits, libedit's terminal mode has `isig` turned off, so
/// Ctrl-C arrives as a character bound to our own function instead of a
/// SIGINT racing with libedit's read loop. Outside `readLine` the terminal is
/// back in its normal mode and Ctrl-C is a SIGINT for the running command.
final class LineEditor {
    enum Input: Equatable {
        case line(String)
        /// Ctrl-C; `lineWasEmpty` when nothing had been typed.
        case interrupted(lineWasEmpty: Bool)
        /// Ctrl-D on an empty line, or the terminal went away.
        case endOfInput
    }

    /// Answers Tab: the candidates for the cell so far (`context` + current
    /// line) at a cursor offset in Unicode scalars.
    typealias Completer = (_ code: String, _ cursor: Int) -> CompletionResult

    private let editLine: OpaquePointer
    private let history: OpaquePointer
    private let completer: Completer
    private let output: TerminalOutput

    private var promptCString: UnsafeMutablePointer<CChar>?
    /// The earlier lines of the cell being typed, so completion sees them.
    var completionContext = ""
    /// Set by the Ctrl-C key function, read when `el_gets` returns.
    private var interruptedLineWasEmpty: Bool?

    /// - Parameter recalledLines: earlier inputs, oldest first, for the arrow keys.
    init?(programName: String, recalledLines: [String], output: TerminalOutput, completer: @escaping Completer) {
        LineEditor.chooseCharacterLocale()
        guard let input = fdopen(0, "r"), let out = fdopen(1, "w"), let err = fdopen(2, "w"),
              let editLine = el_init(programName, input, out, err),
              let history = history_init()
        else { return nil }
        self.editLine = editLine
        self.history = history
        self.completer = completer
        self.output = output

        loralab_history_set_size(history, 2000)
        loralab_history_set_unique(history, 1)
        for line in recalledLines { remember(line) }

        loralab_el_set_client_data(editLine, Unmanaged.passUnretained(self).toOpaque())
        loralab_el_set_editor(editLine, "emacs")
        loralab_el_set_history(editLine, history)
        // While editing, Ctrl-C, Ctrl-Z and Ctrl-\ are keys, not signals.
        loralab_el_set_edit_mode_tty_flag(editLine, "-isig")
        // libedit's handlers, active only inside el_gets, restore the terminal
        // before a SIGTERM/SIGHUP/SIGTSTP from elsewhere takes effect and
        // redraw after SIGCONT and SIGWINCH; ours (SIGINT) is back outside it.
        loralab_el_set_signal_handling(editLine, 1)
        loralab_el_set_prompt(editLine) { editLine in
            guard let editor = LineEditor.owner(of: editLine) else { return nil }
            return editor.promptCString
        }
        loralab_el_add_function(editLine, "loralab-complete", "Complete the word at the cursor") { editLine, _ in
            guard let editor = LineEditor.owner(of: editLine) else { return UInt8(CC_ERROR) }
            return editor.completeAtCursor()
        }
        loralab_el_add_function(editLine, "loralab-interrupt", "Abandon the line (Ctrl-C)") { editLine, _ in
            guard let editor = LineEditor.owner(of: editLine) else { return UInt8(CC_ERROR) }
            return editor.abandonLine()
        }
        // The user's ~/.editrc first, so that our two bindings win.
        el_source(editLine, nil)
        loralab_el_bind(editLine, "^I", "loralab-complete")
        loralab_el_bind(editLine, "^C", "loralab-interrupt")
    }

    deinit {
        el_end(editLine)
        history_end(history)
        free(promptCString)
    }

    /// Reads one line, showing `prompt`.
    func readLine(prompt: String) -> Input {
        free(promptCString)
        promptCString = strdup(prompt)
        interruptedLineWasEmpty = nil
        el_resize(editLine)  // the window may have changed while a command ran

        var count: Int32 = 0
        let line = el_gets(editLine, &count)
        if let lineWasEmpty = interruptedLineWasEmpty {
            interruptedLineWasEmpty = nil
            return .interrupted(lineWasEmpty: lineWasEmpty)
        }
        if line == nil && count < 0 && errno == EINTR {
            // A signal from elsewhere (`kill -INT`) broke the read: treat it
            // like Ctrl-C on a line, never as the end of the session.
            output.write("\n", to: .stdout)
            return .interrupted(lineWasEmpty: false)
        }
        guard let line, count > 0 else { return .endOfInput }
        var text = String(cString: line)
        if text.hasSuffix("\n") { text.removeLast() }
        return .line(text)
    }

    /// Adds a line to what the arrow keys recall. Keeping inputs across
    /// sessions is the engine's history, which records every cell it runs.
    func remember(_ line: String) {
        guard !line.allSatisfy(\.isWhitespace) else { return }
        loralab_history_enter(history, line)
    }

    // MARK: - Key functions (called by libedit inside el_gets)

    private static func owner(of editLine: OpaquePointer?) -> LineEditor? {
        guard let editLine, let data = loralab_el_get_client_data(editLine) else { return nil }
        return Unmanaged<LineEditor>.fromOpaque(data).takeUnretainedValue()
    }

    /// The line as Unicode scalars and the cursor's index in it.
    private func currentLine() -> (scalars: [Unicode.Scalar], cursor: Int) {
        guard let info = el_wline(editLine)?.pointee, let buffer = info.buffer else { return ([], 0) }
        let length = info.lastchar - buffer
        let cursor = info.cursor - buffer
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(length)
        for index in 0..<length {
            scalars.append(Unicode.Scalar(UInt32(bitPattern: buffer[index])) ?? "\u{FFFD}")
        }
        return (scalars, cursor)
    }

    private func completeAtCursor() -> UInt8 {
        let (line, cursor) = currentLine()
        let lineText = String(String.UnicodeScalarView(line))
        let lineOffset = completionContext.unicodeScalars.count
        let result = completer(completionContext + lineText, lineOffset + cursor)
        switch CompletionEdit.choose(line: line, lineOffset: lineOffset, result: result) {
        case .none:
            return UInt8(CC_REFRESH_BEEP)
        case .replace(let range, let text):
            el_cursor(editLine, Int32(range.upperBound - cursor))
            el_deletestr(editLine, Int32(range.count))
            el_insertstr(editLine, text)
            return UInt8(CC_REFRESH)
        case .list(let candidates):
            let width = Int(loralab_terminal_columns(1))
            output.write("\n" + CandidateColumns.layout(candidates, width: width > 0 ? width : 80), to: .stdout)
            return UInt8(CC_REDISPLAY)
        }
    }

    /// Ctrl-C: shows `^C` after the text, ends the line and reports it as
    /// abandoned. Pushing a newline lets libedit finish the line its usual
    /// way (cursor below the input, terminal mode restored).
    private func abandonLine() -> UInt8 {
        let (line, cursor) = currentLine()
        interruptedLineWasEmpty = line.isEmpty
        el_cursor(editLine, Int32(line.count - cursor))
        el_insertstr(editLine, "^C")
        el_push(editLine, "\n")
        return UInt8(CC_REFRESH)
    }

    /// libedit decodes keys with the C library's multibyte functions: make sure
    /// they speak UTF-8 even when the environment names no locale.
    private static func chooseCharacterLocale() {
        if let chosen = setlocale(LC_CTYPE, ""), String(cString: chosen) != "C", String(cString: chosen) != "POSIX" {
            return
        }
        _ = setlocale(LC_CTYPE, "C.UTF-8")
    }
}

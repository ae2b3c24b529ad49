#if canImport(Glibc)
import Glibc
#endif

// The terminal as the REPL found it, put back on every way out.
//
// Ctrl-D and a double Ctrl-C return through the line editor, whose `el_end`
// restores the mode; a SIGTERM or SIGHUP while the editor reads is handled
// by libedit itself (its handlers are installed only inside `el_gets`). What
// remains is a signal while a command runs, possibly in the middle of a
// coloured error, and the forced exit after three interrupts: both come here.
// Everything in the handler is async-signal-safe (tcsetattr, write, signal,
// raise), and the saved state is written once before any handler exists.

nonisolated(unsafe) private var savedTerminal = termios()
nonisolated(unsafe) private var haveSavedTerminal = false

private func restoreAndDie(_ signal: Int32) {
    TerminalRestoration.restoreNow()
    // Die of the same signal, so the parent sees what really happened.
    Glibc.signal(signal, SIG_DFL)
    raise(signal)
}

public enum TerminalRestoration {
    /// Signals that end the process by default and that a user or a session
    /// manager sends: closing the window (SIGHUP), `kill` (SIGTERM), Ctrl-\ (SIGQUIT).
    static let endingSignals = [SIGTERM, SIGHUP, SIGQUIT]

    /// Remembers the terminal's mode and installs the handlers. Call once,
    /// before the line editor first changes the mode.
    public static func install() {
        guard isatty(0) != 0, tcgetattr(0, &savedTerminal) == 0 else { return }
        haveSavedTerminal = true
        for signal in endingSignals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = restoreAndDie
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(signal, &action, nil)
        }
    }

    /// Puts the terminal back: the saved mode, colours reset, cursor shown.
    /// Async-signal-safe.
    public static func restoreNow() {
        guard haveSavedTerminal else { return }
        _ = tcsetattr(0, TCSANOW, &savedTerminal)
        let reset: StaticString = "\u{1B}[0m\u{1B}[?25h"
        _ = Glibc.write(1, reset.utf8Start, reset.utf8CodeUnitCount)
    }
}

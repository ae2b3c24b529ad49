import Engine
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// SIGINT → engine.cancellation. The handler only does async-signal-safe work:
// atomic loads and stores, and `write`/`_exit` for the last-resort exit.

/// The flag SIGINT raises. Retained for the life of the process once routed,
/// so the handler never retains or releases (which it must not do).
nonisolated(unsafe) private var interruptTarget: Unmanaged<CancellationFlag>?
/// SIGINTs received since the current command started.
private let interruptsDuringCommand = Atomic<Int>(0)
/// How many SIGINTs during one command before the process gives up waiting
/// for the command to reach a safe point and exits.
private let interruptsBeforeForcedExit = 3

private func handleInterrupt(_ signal: Int32) {
    interruptTarget?._withUnsafeGuaranteedRef { $0.raise() }
    let count = interruptsDuringCommand.add(1, ordering: .sequentiallyConsistent).newValue
    if count >= interruptsBeforeForcedExit {
        let message: StaticString = "\nloralab: interrupted three times; exiting\n"
        _ = Glibc.write(2, message.utf8Start, message.utf8CodeUnitCount)
        TerminalRestoration.restoreNow()
        _exit(130)
    }
}

/// Routes Ctrl-C (SIGINT) to an engine's cancellation flag while commands run.
///
/// At an interactive prompt the terminal does not send SIGINT at all (the line
/// editor turns off `isig` while it edits and reads Ctrl-C as a key), so a
/// SIGINT always means "stop the running command". The engine checks the flag
/// between training steps and returns with the session intact.
public enum InterruptRouting {
    /// Installs the handler. Call once, before the first command.
    public static func route(to flag: CancellationFlag) {
        // Touch the counter so its lazy global initialisation happens here,
        // never inside the handler.
        interruptsDuringCommand.store(0, ordering: .sequentiallyConsistent)
        if let previous = interruptTarget { previous.release() }
        interruptTarget = Unmanaged.passRetained(flag)

        var action = sigaction()
        action.__sigaction_handler.sa_handler = handleInterrupt
        sigemptyset(&action.sa_mask)
        // Restart interrupted reads and writes: nothing here relies on EINTR.
        action.sa_flags = Int32(SA_RESTART)
        sigaction(SIGINT, &action, nil)
    }

    /// Starts a command: clears the flag and the count of interrupts.
    public static func beginCommand(_ flag: CancellationFlag) {
        interruptsDuringCommand.store(0, ordering: .sequentiallyConsistent)
        flag.clear()
    }

    /// Whether SIGINT arrived since the command began.
    public static var commandWasInterrupted: Bool {
        interruptsDuringCommand.load(ordering: .sequentiallyConsistent) > 0
    }
}

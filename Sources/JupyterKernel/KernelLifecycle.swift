import Engine
import Foundation

/// Interrupt and shutdown, which must work while a cell runs: they are
/// called from the control thread (and the SIGINT handler) and reach the
/// running cell only through the engine's signal-safe cancellation flag.
///
/// `@unchecked Sendable` is safe: it holds only the iopub channel (itself
/// thread-safe) and the engine, of which it touches only `cancellation`
/// (an atomic) and the immutable `languageInfo`.
final class KernelLifecycle: @unchecked Sendable {
    private let engine: Engine
    private let iopub: IOPubChannel

    init(engine: Engine, iopub: IOPubChannel) {
        self.engine = engine
        self.iopub = iopub
    }

    func interrupt() {
        engine.cancellation.raise()
    }

    /// Replies, then ends the process at once, even in the middle of a
    /// training step: nothing in a session needs saving on the way out, and a
    /// frontend expects the process gone promptly (jupyter_client waits a few
    /// seconds, then kills). `restart` is echoed: the frontend starts the new process.
    func shutDown(_ request: IncomingMessage, replyingOn channel: RequestChannel) -> Never {
        engine.cancellation.raise()
        let restart = request.content["restart"] as? Bool ?? false
        let content: [String: Any] = ["status": "ok", "restart": restart]
        channel.reply(to: request, content)
        // Protocol 5.4 also broadcasts the reply, so every frontend learns of it.
        iopub.publish("shutdown_reply", content, parent: request)
        iopub.publishStatus("idle", parent: request)
        // libzmq sends from its own I/O thread; give it a moment to flush the
        // reply before the process (and that thread) ends.
        usleep(50_000)
        fflush(nil)
        _exit(0)
    }

    /// SIGINT (a terminal's Ctrl-C, or a frontend using interrupt_mode
    /// "signal") interrupts the running cell the same way interrupt_request does.
    func installInterruptSignalHandler() {
        interruptSignalTarget = Unmanaged.passRetained(engine.cancellation)
        signal(SIGINT) { _ in
            // Only an atomic store: safe inside a signal handler. The flag
            // was retained above and is never released, so the reference is valid.
            interruptSignalTarget?._withUnsafeGuaranteedRef { $0.raise() }
        }
    }
}

/// Written once before the handler is installed, then only read by it.
nonisolated(unsafe) private var interruptSignalTarget: Unmanaged<CancellationFlag>?

import ArgumentParser
import Engine
import REPL
#if canImport(Glibc)
import Glibc
#endif

/// `loralab repl` (and plain `loralab`): the interactive session on a
/// terminal; on piped input, the same commands without prompt or colour.
struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "Interactive session (the default). Reads commands from standard input when it is not a terminal.",
        discussion: """
            Inputs typed at the prompt are kept in the engine's history file \
            ($LORALAB_HISTORY_FILE, else ~/.local/share/loralab/history.jsonl) and recalled with the arrow keys.
            """)

    func run() throws {
        let status: Int32
        if isatty(0) != 0 {
            // Interactive inputs are kept in the persistent history, for the
            // arrow keys of later sessions and the kernel's history requests.
            status = InteractiveSession(engine: Engine()).run()
        } else {
            // Piped commands are a script in all but name: not recorded.
            let engine = Engine(history: .inMemory())
            InterruptRouting.route(to: engine.cancellation)
            status = PipedSession(engine: engine).run()
        }
        if status != 0 { throw ExitCode(status) }
    }
}

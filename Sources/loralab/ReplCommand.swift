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
            History is kept in $LORALAB_HISTORY_FILE, else $XDG_DATA_HOME/loralab/repl_history, \
            else ~/.local/share/loralab/repl_history.
            """)

    func run() throws {
        let engine = Engine()
        let status: Int32
        if isatty(0) != 0 {
            status = InteractiveSession(engine: engine).run()
        } else {
            InterruptRouting.route(to: engine.cancellation)
            status = PipedSession(engine: engine).run()
        }
        if status != 0 { throw ExitCode(status) }
    }
}

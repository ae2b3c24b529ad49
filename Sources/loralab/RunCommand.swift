import ArgumentParser
import Engine
import REPL

/// `loralab run FILE`: runs a script and stops at its first failing line.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a script of LoRA Lab commands; stop with the error at the first failing line.",
        discussion: "Exit status: 0 success, 1 a command failed, 2 the file could not be read, 130 interrupted.")

    @Argument(help: "The script to run (e.g. examples/tour.lora); - or /dev/stdin reads standard input.")
    var file: String

    func run() throws {
        let engine = Engine(history: .inMemory())
        InterruptRouting.route(to: engine.cancellation)
        let status = ScriptRunner(engine: engine).run(path: file)
        if status != .succeeded { throw ExitCode(status.rawValue) }
    }
}

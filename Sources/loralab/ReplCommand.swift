import ArgumentParser

/// PLACEHOLDER — replaced by the issue that delivers `loralab repl`.
struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "repl", abstract: "(not yet built)")
    func run() throws { throw ValidationError("'loralab repl' is not built yet") }
}

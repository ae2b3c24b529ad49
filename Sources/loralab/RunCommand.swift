import ArgumentParser

/// PLACEHOLDER — replaced by the issue that delivers `loralab run`.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "(not yet built)")
    func run() throws { throw ValidationError("'loralab run' is not built yet") }
}

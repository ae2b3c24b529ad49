import ArgumentParser

/// PLACEHOLDER — replaced by the issue that delivers `loralab bench`.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "(not yet built)")
    func run() throws { throw ValidationError("'loralab bench' is not built yet") }
}

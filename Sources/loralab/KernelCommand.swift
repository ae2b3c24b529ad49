import ArgumentParser

/// PLACEHOLDER — replaced by the issue that delivers `loralab kernel`.
struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kernel", abstract: "(not yet built)")
    func run() throws { throw ValidationError("'loralab kernel' is not built yet") }
}

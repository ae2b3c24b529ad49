import ArgumentParser

/// PLACEHOLDER — replaced by the issue that delivers `loralab install`.
struct InstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "install", abstract: "(not yet built)")
    func run() throws { throw ValidationError("'loralab install' is not built yet") }
}

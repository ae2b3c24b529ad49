import ArgumentParser
import Foundation
import JupyterKernel
import LinearAlgebra

/// `loralab install`: registers this binary as a Jupyter kernel.
struct InstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install the LoRA Lab Jupyter kernelspec (kernel.json and logos).",
        discussion: "Without a location flag the kernelspec goes to the user's Jupyter data directory.")

    @Flag(help: "Install into the user's Jupyter data directory (the default).")
    var user = false

    @Flag(help: "Install into the prefix of the Python environment that runs 'jupyter'.")
    var sysPrefix = false

    @Option(help: ArgumentHelp("Install into DIR/share/jupyter/kernels/NAME.", valueName: "DIR"))
    var prefix: String?

    @Option(help: "The kernelspec name (what `jupyter console --kernel NAME` takes).")
    var name = KernelSpecInstaller.defaultName

    @Option(help: "The name frontends show (default: LoRA Lab).")
    var displayName: String?

    @Option(help: ArgumentHelp("The folder with the kernel.json template and logos (default: the source tree's kernelspec/).",
                               valueName: "DIR"))
    var from: String?

    func validate() throws {
        if [user, sysPrefix, prefix != nil].filter({ $0 }).count > 1 {
            throw ValidationError("choose at most one of --user, --sys-prefix and --prefix")
        }
    }

    func run() throws {
        let executable = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0]).standardizedFileURL
        let templates: URL
        if let from {
            templates = URL(fileURLWithPath: from, isDirectory: true)
        } else if let found = KernelSpecInstaller.templateDirectory(near: executable) {
            templates = found
        } else {
            throw InstallError("cannot find the kernelspec/ folder above \(executable.path); pass --from DIR")
        }
        let destination: KernelSpecInstaller.Destination =
            if let prefix { .prefix(prefix) } else if sysPrefix { .sysPrefix } else { .user }
        var installer = KernelSpecInstaller(name: name, displayName: displayName, destination: destination)
        // Spares each kernel start the re-execution that picks OpenBLAS's kernels.
        installer.environment = BLASKernelSelection.environmentForLaunchers
        let directory = try installer.install(executable: executable, templateDirectory: templates)
        print("installed kernelspec '\(name)' in \(directory.path)")
    }
}

import ArgumentParser
import Foundation
import JupyterKernel

/// `loralab kernel -f CONNECTION_FILE`: what a Jupyter frontend launches
/// (through the kernelspec written by `loralab install`).
struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "Serve the LoRA Lab language as a Jupyter kernel (started by Jupyter, not by hand).",
        discussion: """
            Interrupts arrive as interrupt_request messages on the control channel \
            (kernel.json sets interrupt_mode "message"); SIGINT interrupts the running command too.
            """)

    @Option(name: .customShort("f"),
            help: ArgumentHelp("The connection file written by the Jupyter frontend.", valueName: "CONNECTION_FILE"))
    var connectionFile: String

    @Option(help: ArgumentHelp("Listening sockets to adopt, as loralab-kernel passes them (shell=3,control=4,…).",
                               valueName: "CHANNEL=FD,..."))
    var listeningSockets: String?

    func run() throws {
        let connection = try ConnectionInfo(contentsOf: URL(fileURLWithPath: connectionFile))
        let listeners = try listeningSockets.map(InheritedListeners.init(argument:)) ?? .none
        try Kernel.run(connection: connection, listeners: listeners)
    }
}

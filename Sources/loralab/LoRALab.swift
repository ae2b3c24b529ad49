import ArgumentParser
import LinearAlgebra

/// `loralab`: one executable, one subcommand per front end or tool.
@main
struct LoRALab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loralab",
        abstract: "LoRA Lab: build a MiniMind-architecture model, attach LoRA, train it and look inside the updates.",
        subcommands: [ReplCommand.self, RunCommand.self, KernelCommand.self, InstallCommand.self, BenchCommand.self,
                      TokenizeCommand.self],
        defaultSubcommand: ReplCommand.self
    )

    static func main() {
        // Before any numeric code runs: it needs AVX2 (Package.swift).
        let flags = ProcessorFeatures.flags()
        ProcessorFeatures.requireVectorCode(flags)
        // Before anything touches BLAS: make OpenBLAS use the processor's real kernels.
        BLASKernelSelection.reexecuteIfMisdetected(cpuFlags: flags)
        main(nil)
    }
}

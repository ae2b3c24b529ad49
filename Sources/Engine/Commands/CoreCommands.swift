/// help, print, warn, clear, set, reset: the commands that need no model.
enum CoreCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("help", area: .core, summary: "overview of all commands, or one command in detail",
                    positionals: [PositionalSpec("command", .command, required: false, "the command to explain")],
                    details: """
                    `help` lists every command; `help lora` explains one. `lora?` (or `?lora`)
                    shows the same text in the pager (Jupyter's help pane).
                    """,
                    examples: ["help", "help lora", "lora?"],
                    handler: help),
        CommandSpec("print", area: .core, summary: "write text to standard output",
                    positionals: [PositionalSpec("text", .remainingText, required: false, "the text; quote it to keep spaces and use \\n")],
                    examples: ["print \"hello, world\"", "print \"two\\nlines\""],
                    handler: { invocation, _, context in
                        context.print(invocation.text("text") ?? "")
                        return nil
                    }),
        CommandSpec("warn", area: .core, summary: "write text to standard error",
                    positionals: [PositionalSpec("text", .remainingText, required: false, "the text")],
                    examples: ["warn \"careful: rank > dim\""],
                    handler: { invocation, _, context in
                        context.warn(invocation.text("text") ?? "")
                        return nil
                    }),
        CommandSpec("clear", area: .core, summary: "clear the cell's output",
                    details: "In Jupyter this is clear_output; on a terminal it does nothing visible.",
                    handler: { _, _, context in
                        context.publish(.clearOutput(wait: false))
                        return nil
                    }),
        CommandSpec("set", area: .core, summary: "change session settings (without parameters: show them)",
                    parameters: [ParameterSpec("seed", .integer(minimum: 0), "seed for model init, data order, dropout and sampling"),
                                 ParameterSpec("cache", .text, "folder of finished compare/sweep runs (relative to the current folder, created), or off")],
                    details: """
                    The seed applies to everything that happens after it is set.
                    cache="runs/02" makes compare and sweep read every run already in that
                    folder instead of training it, and store the runs they train (see
                    `help cache`); cache=off stops using it.
                    """,
                    examples: ["set seed=1", "set cache=\"runs/02\"", "set cache=off", "set"],
                    handler: { invocation, state, context in
                        var lab = Lab(state: state, cancellation: context.cancellation)
                        let seed = lab.setSeed(invocation.integer("seed").map(UInt64.init))
                        if let cache = invocation.text("cache") {
                            do throws(CommandFailure) {
                                try lab.setCache(cache)
                            } catch {
                                throw CommandFailure(error.kind, error.message, at: invocation.location(of: "cache"))
                            }
                        }
                        state = lab.state
                        // The cache only when one is on: `set` printed just the seed before there was a cache.
                        return MimeBundle(plain: "seed=\(seed)" + (lab.state.cache.map { "\ncache=\"\($0.written)\"" } ?? ""))
                    }),
        CommandSpec("reset", area: .core, summary: "back to an empty session (no model, data, adapters or runs)",
                    handler: { _, state, context in
                        var lab = Lab(state: state, cancellation: context.cancellation)
                        lab.reset()
                        state = lab.state
                        context.print("session reset")
                        return nil
                    }),
    ]

    private static func help(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        guard let verb = invocation.text("command") else {
            return MimeBundle(plain: HelpText.overview(context.catalog))
        }
        let name = verb.hasSuffix("?") ? String(verb.dropLast()) : verb
        guard !context.catalog.forms(of: name).isEmpty else {
            throw CommandFailure(.name, "no command '\(name)'" + NearestWord.hint(for: name, among: context.catalog.verbs),
                                 at: invocation.location(of: "command"))
        }
        return MimeBundle(plain: HelpText.detail(of: name, context.catalog))
    }
}

/// run save | load, runs, compare.
enum RunCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("run", "save", area: .runs, summary: "snapshot the session (model, adapters, losses) under a name",
                    positionals: [PositionalSpec("name", .newRunName, "the run's name")],
                    examples: ["run save r8"],
                    handler: unavailable("MiniMind")),
        CommandSpec("run", "load", area: .runs, summary: "restore a saved run",
                    positionals: [PositionalSpec("name", .runName, "a saved run")],
                    examples: ["run load r8"],
                    handler: unavailable("MiniMind")),
        CommandSpec("runs", area: .runs, summary: "list saved runs",
                    handler: unavailable("MiniMind")),
        CommandSpec("compare", area: .runs, summary: "LoRA on several selectors from the same base: a table and a chart",
                    parameters: [
                        ParameterSpec("targets", .targetAlternatives, default: .alternatives([.word("square"), .list([.word("q"), .word("v")]), .word("attn"), .word("all-linear")]), "selectors separated by ;"),
                        ParameterSpec("budget", .choice(["equal", "rank"]), default: .word("equal"), "equal: ranks chosen for the same trainable-parameter count; rank: same rank"),
                        ParameterSpec("rank", .integer(minimum: 1), default: .integer(8), "rank of the first selector (the budget reference)"),
                        ParameterSpec("steps", .integer(minimum: 1), default: .integer(200), "training steps per selector"),
                        ParameterSpec("lr", .number(minimum: 0, maximum: nil), default: .number(1e-3), "learning rate"),
                        ParameterSpec("batch", .integer(minimum: 1), default: .integer(8), "sequences per step"),
                    ],
                    details: """
                    Each selector trains from the same base weights with the same seed and
                    data order. The session itself is not changed.
                    """,
                    examples: ["compare targets=square;q,v;attn;all-linear budget=equal steps=200"],
                    handler: unavailable("MiniMind")),
    ]
}

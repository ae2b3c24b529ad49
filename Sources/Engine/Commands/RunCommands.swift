import Foundation
import MiniMind

/// run save | load, runs, compare.
enum RunCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("run", "save", area: .runs, summary: "snapshot the session (model, adapters, losses) under a name",
                    positionals: [PositionalSpec("name", .newRunName, "the run's name")],
                    details: "A deep copy: later training does not change it. Saving under an existing name replaces that run.",
                    examples: ["run save r8"],
                    handler: { invocation, state, _ in
                        let lab = try state.requireLab()
                        let name = try invocation.requiredText("name")
                        let replaced = state.run(named: name) != nil
                        state.runs.removeAll { $0.name == name }
                        state.runs.append(SavedRun(name: name, lab: lab.snapshot(), finetuneSource: state.finetuneData?.source, seed: state.seed))
                        return MimeBundle(plain: (replaced ? "replaced run '\(name)'" : "saved run '\(name)'") + ": \(describe(lab))")
                    }),
        CommandSpec("run", "load", area: .runs, summary: "restore a saved run (the saved copy stays as it is)",
                    positionals: [PositionalSpec("name", .runName, "a saved run")],
                    examples: ["run load r8"],
                    handler: { invocation, state, _ in
                        let saved = try requireRun(try invocation.requiredText("name"), state, at: invocation.location(of: "name"))
                        state.lab = saved.lab.snapshot()
                        return MimeBundle(plain: "loaded run '\(saved.name)': \(describe(saved.lab))")
                    }),
        CommandSpec("runs", area: .runs, summary: "list saved runs",
                    handler: { _, state, _ in
                        guard !state.runs.isEmpty else { return MimeBundle(plain: "no saved runs (save one with `run save <name>`)") }
                        var table = ResultTable(["run", "model", "adaptation", "trainable", "pretrain steps", "finetune steps", "last loss"],
                                                numericColumns: [3, 4, 5, 6])
                        for run in state.runs {
                            let lab = run.lab
                            table.append([run.name, lab.origin, lab.adaptation ?? "—", lab.model.trainableParameterCount.grouped,
                                          String(lab.steps(in: .pretrain)), String(lab.steps(in: .finetune)),
                                          lab.lossHistory.last.map { String(format: "%.4f", $0.loss) } ?? "—"])
                        }
                        return table.bundle
                    }),
        CommandSpec("compare", area: .runs, summary: "LoRA on several selectors from the same base: a table and a chart",
                    parameters: [
                        ParameterSpec("targets", .targetAlternatives, default: .alternatives([.word("square"), .list([.word("q"), .word("v")]), .word("attn"), .word("all-linear")]), "selectors separated by ;"),
                        ParameterSpec("budget", .choice(["equal", "rank"]), default: .word("equal"), "equal: ranks chosen for the same trainable-parameter count; rank: the same rank for all"),
                        ParameterSpec("rank", .integer(minimum: 1), default: .integer(8), "rank of the first selector (the budget reference)"),
                        ParameterSpec("steps", .integer(minimum: 1), default: .integer(200), "training steps per selector"),
                        ParameterSpec("lr", .number(minimum: 0, maximum: nil), default: .number(1e-3), "peak learning rate (cosine)"),
                        ParameterSpec("batch", .integer(minimum: 1), default: .integer(8), "sequences per step"),
                        ParameterSpec("seq", .integer(minimum: 2), "tokens per sequence (default: min(128, the model's context))"),
                    ],
                    details: """
                    Each selector gets a copy of the current model (which must have no
                    adapters), the same seed and the same batches. With budget=equal the
                    first selector uses rank=, and every other selector the rank whose
                    trainable-parameter count comes closest to it (LoRA paper, Table 5).
                    Shows a table (rank, params, final training loss, held-out losses) and
                    the loss curves. The session itself is not changed.
                    """,
                    examples: ["compare targets=square;q,v;attn;all-linear budget=equal steps=200",
                               "compare targets=q;q,v;attn budget=rank rank=4 steps=50"],
                    handler: { invocation, state, context in try StrategyComparison(invocation: invocation, state: state).run(context) }),
    ]

    static func describe(_ lab: ModelLab) -> String {
        "\(lab.origin), \(lab.adaptation ?? "no adapters"), \(lab.steps(in: .pretrain)) pretrain + \(lab.steps(in: .finetune)) finetune steps"
    }

    static func requireRun(_ name: String, _ state: SessionState, at location: SourceLocation) throws(CommandFailure) -> SavedRun {
        if let run = state.run(named: name) { return run }
        let names = state.runs.map(\.name)
        throw CommandFailure(.name, "no saved run '\(name)'" + NearestWord.hint(for: name, among: names)
                             + (names.isEmpty ? " (none saved yet: `run save <name>`)" : " (saved: \(names.joined(separator: ", ")))"),
                             at: location)
    }
}

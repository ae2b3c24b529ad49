import Foundation
import MiniMind

/// run save | load, runs, compare: bind → Lab → RunReports.
enum RunCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("run", "save", area: .runs, summary: "snapshot the session (model, adapters, losses) under a name",
                    positionals: [PositionalSpec("name", .newRunName, "the run's name")],
                    details: "A deep copy: later training does not change it. Saving under an existing name replaces that run.",
                    examples: ["run save r8"],
                    handler: { invocation, state, context in
                        let name = try invocation.requiredText("name")
                        var lab = Lab(state: state, cancellation: context.cancellation)
                        let saved = try lab.saveRun(named: name)
                        state = lab.state
                        return MimeBundle(plain: RunReports.saved(name: name, replaced: saved.replaced, lab: saved.lab))
                    }),
        CommandSpec("run", "load", area: .runs, summary: "restore a saved run (the saved copy stays as it is)",
                    positionals: [PositionalSpec("name", .runName, "a saved run")],
                    examples: ["run load r8"],
                    handler: { invocation, state, context in
                        var lab = Lab(state: state, cancellation: context.cancellation)
                        let saved = try lab.loadRun(named: try invocation.requiredText("name"), at: invocation.location(of: "name"))
                        state = lab.state
                        return MimeBundle(plain: "loaded run '\(saved.name)': \(RunReports.describe(saved.lab))")
                    }),
        CommandSpec("runs", area: .runs, summary: "list saved runs",
                    handler: { _, state, context in RunReports.list(Lab(state: state, cancellation: context.cancellation).savedRuns) }),
        CommandSpec("compare", area: .runs, summary: "LoRA (or full fine-tuning) on several selectors from the same base: a table and a chart",
                    parameters: [
                        ParameterSpec("targets", .targetAlternatives, default: .alternatives([.word("square"), .list([.word("q"), .word("v")]), .word("attn"), .word("all-linear")]), "selectors separated by ;"),
                        ParameterSpec("method", .choice(["lora", "full"]), default: .word("lora"), "lora: adapters on the selected matrices; full: fine-tune every weight of them (as `finetune`)"),
                        ParameterSpec("budget", .choice(["equal", "rank"]), default: .word("equal"), "equal: ranks chosen for the same trainable-parameter count; rank: the same rank for all (LoRA only)"),
                        ParameterSpec("rank", .integer(minimum: 1), default: .integer(8), "rank of the first selector (the budget reference)"),
                        ParameterSpec("steps", .integer(minimum: 1), default: .integer(200), "training steps per selector"),
                        ParameterSpec("lr", .number(minimum: 0, maximum: nil), default: .number(1e-3), "peak learning rate (cosine)"),
                        ParameterSpec("batch", .integer(minimum: 1), default: .integer(8), "sequences per step"),
                        SharedParameters.seq,
                        ParameterSpec("eval_tokens", .integer(minimum: 1), "held-out target tokens per data set at most (default: the whole split)"),
                        ParameterSpec("seeds", .integers(minimum: 0), "one run per seed (its adapter init and batch order), e.g. 1-5 or 1,2,7; mean ± sd (default: one run, the session seed)"),
                        ParameterSpec("lrs", .numbers(minimum: 0, maximum: nil), "candidate learning rates; each strategy uses the one with the lowest validation loss (instead of lr=)"),
                        SharedParameters.match,
                    ],
                    details: """
                    Each selector gets a copy of the current model (which must have no
                    adapters), the same seed and the same batches. With budget=equal the
                    first selector uses rank=, and every other selector the rank whose
                    trainable-parameter count comes closest to it (LoRA paper, Table 5).
                    Shows a table (rank, params, final training loss, held-out losses) and
                    the loss curves. The session itself is not changed.
                    seeds=1-5 trains every strategy once per seed — a fresh adapter init and
                    batch order on the same base — and shows mean ± sd over the seeds, the
                    curves as their mean with a min–max band. lrs=1e-3,3e-3,1e-2 trains each
                    strategy at every rate (with every seed), picks the rate whose mean loss
                    on the fine-tuning data's validation split is lowest, and reports that
                    rate's runs on the held-out splits: equal budgets, equal tuning. "eval
                    pretrain" is the base corpus's held-out loss after fine-tuning and
                    "forgetting" its rise over the base's (shown in the footer); with
                    pre-training data a second chart plots each strategy's forgetting
                    against its held-out fine-tuning loss (mean ± sd over the seeds).
                    match=true adds each strategy's exact match (as `eval match=true`) on the
                    trained questions ("match seen") and the held-out ones ("match unseen").
                    method=full fully fine-tunes each selector's matrices instead — the run
                    `finetune targets=… | train …` makes from the base with the same seed —
                    with the same seeds, lrs=, evaluations and run cache. Full fine-tuning
                    has no rank, so no budget to equal: its rank column reads "full", and
                    rank= or budget= written beside method=full is an error.
                    """,
                    examples: ["compare targets=square;q,v;attn;all-linear budget=equal steps=200",
                               "compare targets=q;q,v;attn budget=rank rank=4 steps=50",
                               "compare targets=q,v;ffn steps=100 seeds=1-3 lrs=1e-3,3e-3,1e-2",
                               "compare method=full targets=ffn;attn;all-linear steps=150 lr=1e-3 seeds=1-3"],
                    handler: compare),
    ]

    private static func compare(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let options = try bindComparison(invocation)
        let result = try Lab(state: state, cancellation: context.cancellation).compare(options, observer: ProgressDisplay(context: context))
        for warning in result.cache?.warnings ?? [] { context.warn(warning) }
        return RunReports.comparison(result)
    }

    // MARK: Binding

    private static func bindComparison(_ invocation: Invocation) throws(CommandFailure) -> ComparisonOptions {
        if invocation.isWritten("lr"), invocation.isWritten("lrs") {
            throw CommandFailure(.argument, "give lr= (one rate) or lrs= (rates to choose from), not both", at: invocation.location(of: "lrs"))
        }
        let budget = try invocation.requiredText("budget")
        guard let budget = ComparisonOptions.Budget(rawValue: budget) else {
            throw CommandFailure(.command, "internal error: budget '\(budget)' is not equal or rank", at: invocation.location(of: "budget"))
        }
        let method = try fineTuningMethod(invocation)
        if method == .full {
            for name in ["budget", "rank"] where invocation.isWritten(name) {
                throw CommandFailure(.argument, "method=full trains every weight of the selected matrices: it has no rank, so no \(name)= (leave it out)",
                                     at: invocation.location(of: name))
            }
        }
        return ComparisonOptions(strategies: try invocation.requiredAlternatives("targets"), targetsLocation: invocation.location(of: "targets"),
                                 budget: budget, method: method, rank: try invocation.requiredInteger("rank"),
                                 training: try TrainingCommands.training(invocation, steps: "steps"),
                                 evaluation: Evaluation.Budget(tokens: invocation.integer("eval_tokens"), batches: nil),
                                 seeds: invocation.integers("seeds").map { $0.map(UInt64.init) },
                                 learningRates: invocation.numbers("lrs"), learningRatesLocation: invocation.location(of: "lrs"),
                                 verbLocation: invocation.verbLocation,
                                 measuresExactMatch: try invocation.requiredBoolean("match"), matchLocation: invocation.location(of: "match"))
    }

    /// `method=lora|full` of compare and sweep.
    static func fineTuningMethod(_ invocation: Invocation) throws(CommandFailure) -> FineTuningMethod {
        let written = try invocation.requiredText("method")
        guard let method = FineTuningMethod(rawValue: written) else {
            throw CommandFailure(.command, "internal error: method '\(written)' is not lora or full", at: invocation.location(of: "method"))
        }
        return method
    }

    /// For commands outside this file that name a saved run.
    static func requireRun(_ name: String, _ state: SessionState, at location: SourceLocation) throws(CommandFailure) -> SavedRun {
        try Lab(state: state, cancellation: CancellationFlag()).requireRun(named: name, at: location)
    }
}

/// sweep: bind → Lab.sweep → RunReports.sweep.
enum SweepCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("sweep", area: .runs, summary: "one LoRA (or full fine-tuning) strategy at several values of rank, lr, alpha or steps, with seeds: a table and a chart",
                    parameters: [
                        ParameterSpec("targets", .targets, default: .word("square"), "which matrices (one selector, as for lora)"),
                        ParameterSpec("method", .choice(["lora", "full"]), default: .word("lora"), "lora: adapters; full: fine-tune every weight of the matrices (lr or steps only)"),
                        ParameterSpec("rank", .integers(minimum: 1), default: .integer(8), "rank, or ranks to sweep (1,2,4,8)"),
                        ParameterSpec("lr", .numbers(minimum: 0, maximum: nil), default: .number(1e-3), "peak learning rate, or rates to sweep"),
                        ParameterSpec("alpha", .numbers(minimum: 0, maximum: nil), "scale numerator, or values to sweep (default 2·rank)"),
                        ParameterSpec("steps", .integers(minimum: 1), default: .integer(200), "training steps, or step counts to sweep"),
                        ParameterSpec("rslora", .boolean, default: .boolean(false), "scale alpha/sqrt(r) instead of alpha/r (rsLoRA), in every run"),
                        ParameterSpec("batch", .integer(minimum: 1), default: .integer(8), "sequences per step"),
                        SharedParameters.seq,
                        ParameterSpec("seeds", .integers(minimum: 0), "one run per seed at every value; mean ± sd (default: one run, the session seed)"),
                        ParameterSpec("eval_tokens", .integer(minimum: 1), "held-out target tokens per data set at most (default: the whole split)"),
                        SharedParameters.match,
                    ],
                    details: """
                    Exactly one of rank, lr, alpha and steps lists several values; the
                    others hold one. Each value (and seed) trains a fresh copy of the
                    current model (which must have no adapters) with the same batches per
                    seed, and is evaluated on the held-out splits. Shows a table (final
                    training loss, held-out fine-tuning loss, held-out pre-training loss
                    and forgetting, mean ± sd over the seeds) and the held-out fine-tuning
                    loss against the swept value, with a min–max band over the seeds.
                    alpha fixed while rank varies keeps s = alpha/r falling with r; leave
                    alpha out to keep s = 2; rslora=true with a fixed alpha gives
                    s = alpha/√r (Kalajdzievski 2023). The session itself is not changed.
                    match=true adds the exact match (as `eval match=true`) on the trained
                    questions ("match seen") and the held-out ones ("match unseen").
                    method=full fully fine-tunes the selected matrices in every run (as
                    `finetune targets=… | train …` from the base with that seed); only lr
                    or steps can vary, and rank=, alpha= and rslora= are errors beside it.
                    """,
                    examples: ["sweep targets=q,v rank=1,2,4,8 alpha=16 steps=100 seeds=1-3",
                               "sweep targets=q,v lr=1e-4,3e-4,1e-3,3e-3 seeds=1-3",
                               "sweep targets=q,v rank=1,2,4,8 alpha=16 rslora=true seeds=1-3",
                               "sweep method=full targets=q,v lr=1e-3,2e-3 steps=150 seeds=1-3"],
                    handler: sweep),
    ]

    private static func sweep(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let options = try bind(invocation)
        let result = try Lab(state: state, cancellation: context.cancellation).sweep(options, observer: ProgressDisplay(context: context))
        for warning in result.cache?.warnings ?? [] { context.warn(warning) }
        return RunReports.sweep(result)
    }

    // MARK: Binding

    private static func bind(_ invocation: Invocation) throws(CommandFailure) -> SweepOptions {
        let ranks = try invocation.requiredIntegers("rank")
        let rates = try invocation.requiredNumbers("lr")
        let alphas = invocation.numbers("alpha")
        let steps = try invocation.requiredIntegers("steps")
        let counts: [(SweepOptions.Parameter, Int)] = [(.rank, ranks.count), (.lr, rates.count), (.alpha, alphas?.count ?? 0), (.steps, steps.count)]
        let swept = counts.filter { $0.1 > 1 }.map(\.0)
        guard swept.count <= 1 else {
            throw CommandFailure(.argument, "sweep varies one parameter at a time; \(swept.map(\.rawValue).joined(separator: " and ")) both list several values",
                                 at: invocation.location(of: swept[1].rawValue))
        }
        let method = try RunCommands.fineTuningMethod(invocation)
        if method == .full {
            for name in ["rank", "alpha", "rslora"] where invocation.isWritten(name) {
                throw CommandFailure(.argument, "method=full trains every weight of the selected matrices: it has no \(name)= (sweep lr or steps)",
                                     at: invocation.location(of: name))
            }
        }
        guard let parameter = swept.first else {
            throw CommandFailure(.argument, "sweep needs one of rank, lr, alpha or steps to list several values (e.g. rank=1,2,4,8)", at: invocation.verbLocation)
        }
        return SweepOptions(targets: try invocation.requiredTexts("targets"), targetsLocation: invocation.location(of: "targets"),
                            method: method, parameter: parameter, ranks: ranks, learningRates: rates, alphas: alphas, steps: steps,
                            rsLoRA: try invocation.requiredBoolean("rslora"),
                            shape: try BatchShape(invocation), seeds: invocation.integers("seeds").map { $0.map(UInt64.init) },
                            evaluation: Evaluation.Budget(tokens: invocation.integer("eval_tokens"), batches: nil),
                            verbLocation: invocation.verbLocation,
                            measuresExactMatch: try invocation.requiredBoolean("match"), matchLocation: invocation.location(of: "match"))
    }
}

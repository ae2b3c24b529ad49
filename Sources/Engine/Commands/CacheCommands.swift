/// cache, cache check: the run cache of compare and sweep (turned on by `set cache=`).
enum CacheCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("cache", area: .runs, summary: "the run cache: its folder, entry count and numerics version",
                    details: """
                    `set cache="runs/02"` keeps every run of compare and sweep in that folder
                    (one JSON file per run, named by the SHA-256 of everything that decides
                    it: the base's weights, the data's tokens, the method (LoRA, or full
                    fine-tuning of the targets' weights), targets, the LoRA settings (rank,
                    alpha, rsLoRA, initialisation, dropout, DoRA) for LoRA runs, rate, steps,
                    batch, seed, evaluation budget and the numerics version); a run
                    already there is read instead of trained. Entries made under another
                    numerics version never match.
                    """,
                    examples: ["cache"],
                    handler: { _, state, context in
                        CacheReports.summary(try Lab(state: state, cancellation: context.cancellation).cacheSummary())
                    }),
        CommandSpec("cache", "check", area: .runs, summary: "re-train a random sample of cached runs and compare their numbers",
                    parameters: [
                        ParameterSpec("sample", .integer(minimum: 1), default: .integer(10), "how many entries to re-train"),
                        ParameterSpec("seed", .integer(minimum: 0), default: .integer(1), "seed of the random choice of entries"),
                    ],
                    details: """
                    Only entries made from this session's model (the same weights) are
                    candidates; each is re-trained on its own data (a built-in corpus by
                    name, a file by path with its tokens checked against the entry) and
                    pre-training data, ignoring the cache. Entries that cannot be rebuilt are
                    counted as skipped, with the reason. Losses must agree within 0.005 + 2%
                    (BLAS kernels differ between CPUs); matrices, parameters, steps,
                    exact-match counts and divergence exactly. Fails when any number differs, so a notebook or
                    script stops.
                    """,
                    examples: ["cache check", "cache check sample=3 seed=7"],
                    handler: check),
    ]

    private static func check(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let options = CacheCheckOptions(sample: try invocation.requiredInteger("sample"), seed: UInt64(try invocation.requiredInteger("seed")),
                                        verbLocation: invocation.verbLocation)
        let result = try Lab(state: state, cancellation: context.cancellation).checkCache(options, observer: ProgressDisplay(context: context))
        let report = CacheReports.check(result)
        if result.failures > 0 {
            context.publish(.display(report, displayID: nil))
            throw CommandFailure(.command, "cache check: \(result.failures) number\(result.failures == 1 ? "" : "s") of the cache \(result.written) differ from a new training beyond the tolerance")
        }
        return report
    }
}

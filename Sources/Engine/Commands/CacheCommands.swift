/// cache, cache check, cache witness: the run cache of compare and sweep (turned on by `set cache=`).
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
                    exact-match counts and divergence exactly. Fails when any number
                    differs, so a notebook or script stops. An entry is held to its own
                    numbers under the OpenBLAS kernel family that made it, and under another
                    family to its witness of that family (see cache witness); an entry with
                    neither is skipped.
                    """,
                    examples: ["cache check", "cache check sample=3 seed=7"],
                    handler: { invocation, state, context in try check(invocation, &state, context, recordsWitnesses: false) }),
        CommandSpec("cache", "witness", area: .runs, summary: "re-train cached runs of other BLAS kernels and keep this machine's numbers beside them",
                    parameters: [
                        ParameterSpec("sample", .integer(minimum: 1), default: .integer(10), "how many entries to re-train"),
                        ParameterSpec("seed", .integer(minimum: 0), default: .integer(1), "seed of the random choice of entries"),
                    ],
                    details: """
                    Another OpenBLAS kernel family sums in another order, and a long
                    training drifts beyond any tolerance, so `cache check` cannot hold an
                    entry made under another family to its numbers. This re-trains a
                    seeded sample of such entries (those with no witness of this machine's
                    family yet) and keeps each result beside its entry as
                    <key>.<family>.json (and .safetensors for a train's tensors): its
                    witness, which `cache check` on a machine of this family re-trains and
                    compares with. The table shows how far each witness lies from its
                    entry; that is a measurement, not a failure. compare and sweep never
                    read witnesses.
                    """,
                    examples: ["cache witness", "cache witness sample=4 seed=2"],
                    handler: { invocation, state, context in try check(invocation, &state, context, recordsWitnesses: true) }),
    ]

    private static func check(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext,
                              recordsWitnesses: Bool) throws -> MimeBundle? {
        let options = CacheCheckOptions(sample: try invocation.requiredInteger("sample"), seed: UInt64(try invocation.requiredInteger("seed")),
                                        recordsWitnesses: recordsWitnesses, verbLocation: invocation.verbLocation)
        let result = try Lab(state: state, cancellation: context.cancellation).checkCache(options, observer: ProgressDisplay(context: context))
        let report = CacheReports.check(result)
        if result.failures > 0 && !recordsWitnesses {
            context.publish(.display(report, displayID: nil))
            throw CommandFailure(.command, "cache check: \(result.failures) number\(result.failures == 1 ? "" : "s") of the cache \(result.written) differ from a new training beyond the tolerance")
        }
        return report
    }
}

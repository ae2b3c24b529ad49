import Analysis
import Foundation
import LinearAlgebra
import MiniMind

/// svd, spectrum, similarity, amplification, intruders, truncate.
/// Each handler binds its options (defaults from the specs below only),
/// calls the Lab (Lab/Lab+Analysis.swift) and presents the result
/// (Presentation/AnalysisPresentation.swift).
enum AnalysisCommands {
    private static let matrixParameter = ParameterSpec("matrix", .matrix, "the matrix (default: the first adapted or tuned one)")
    private static let floorParameter = ParameterSpec("floor", .runName,
                                                      "a saved run of the same experiment with another seed: show the noise floor σ((ΔW − ΔW_run)/√2)")
    private static let floorDetails = """
    floor=<run> adds a noise floor: the singular values of (ΔW − ΔW_run)/√2, where <run>
    is the same experiment with another seed (`set seed=2`, the same commands, `run save`).
    If both runs share a signal S and carry independent noise, this has the scale of one
    run's noise N; since σᵢ(S + N) moves by at most ‖N‖₂ (Weyl), a direction whose σᵢ
    exceeds the floor's σ₁ is more than seed noise.
    """

    static let specs: [CommandSpec] = [
        CommandSpec("svd", area: .analysis, summary: "singular values of the learned update ΔW of one matrix",
                    positionals: [PositionalSpec("matrix", .matrix, "full name or short form (layers.0.q)")],
                    parameters: [ParameterSpec("top", .integer(minimum: 1), default: .integer(16), "how many singular values to list"),
                                 floorParameter],
                    details: """
                    ΔW = s·BA for an adapter (QR of B and Aᵀ, then the SVD of an r×r core;
                    ΔW is never formed), W − W0 for a matrix tuned by `finetune`.
                    """ + "\n" + floorDetails,
                    examples: ["svd model.layers.0.self_attn.q_proj", "svd layers.0.q", "svd layers.0.up floor=seed2"],
                    handler: singularValues),
        CommandSpec("spectrum", area: .analysis, summary: "every adapted or tuned matrix: top singular values, effective rank, energy; a chart",
                    parameters: [
                        ParameterSpec("top", .integer(minimum: 1), default: .integer(4), "singular values per matrix in the table"),
                        ParameterSpec("r", .integer(minimum: 1), "energy in the top r directions (default: the LoRA rank, or 8 for full fine-tuning)"),
                        floorParameter,
                    ],
                    details: """
                    Effective rank: exp of the entropy of σ/Σσ (1 for rank one). Energy in
                    top r: Σ_{i≤r} σᵢ² / Σ σᵢ², the share of ‖ΔW‖²_F a rank-r LoRA could hold.
                    Run it after `finetune` + `train` to test "FFN updates are not low rank".
                    """ + "\n" + floorDetails + "\nThe table counts, per matrix, the directions above the floor.",
                    examples: ["spectrum", "spectrum r=4 top=8", "spectrum floor=seed2"],
                    handler: spectrum),
        CommandSpec("similarity", area: .analysis, summary: "LoRA §7.2 subspace similarity φ between two saved runs; a heatmap",
                    positionals: [PositionalSpec("first", .runName, "a saved run"), PositionalSpec("second", .runName, "another saved run")],
                    parameters: [
                        matrixParameter,
                        ParameterSpec("basis", .choice(SimilarityBasis.allCases.map(\.rawValue)), default: .word(SimilarityBasis.loraA.rawValue),
                                      "A: right singular vectors of A (the paper's); dW-left / dW-right: left / right singular vectors of ΔW"),
                    ],
                    details: """
                    φ(i,j) = ‖U₁ⁱᵀ U₂ʲ‖²_F / min(i,j) between the top-i basis vectors of the
                    first run and the top-j of the second: 1 when the top-i directions of one
                    lie in the top-j of the other, 0 when orthogonal; two unrelated random
                    subspaces of ℝⁿ give about max(i,j)/n.
                    basis=A (default) uses the right singular vectors of each run's learned A
                    (r × in), directions in input space, as LoRA §7.2 does; a fully fine-tuned
                    matrix has no A, so compare it with basis=dW-right (the right singular
                    vectors of ΔW, input space) or basis=dW-left (left ones, output space).
                    ΔW bases span the adapter's rank, or 8 directions for full fine-tuning.
                    Compare r8 and r64 as in the paper; two runs at one rank that differ only
                    in seed give the baseline the paper's Figure 4 sets beside it.
                    """,
                    examples: ["similarity r8 r64 matrix=layers.0.q", "similarity r8 full matrix=layers.0.q basis=dW-right"],
                    handler: similarity),
        CommandSpec("amplification", area: .analysis, summary: "LoRA §7.3: how much ΔW amplifies directions W under-emphasises, with Table 7's baselines",
                    parameters: [
                        matrixParameter,
                        ParameterSpec("r", .integer(minimum: 1), "directions of ΔW to use (default: the LoRA rank, or 8)"),
                        ParameterSpec("draws", .integer(minimum: 1), default: .integer(16), "random subspace pairs for the random baseline"),
                    ],
                    details: """
                    Factor ‖ΔW‖_F / ‖UᵀW0V‖_F with U, V the top-r singular vectors of ΔW
                    (≈ 21.5 at r = 4 in the paper). Beside it, as in LoRA Table 7, ‖UᵀW0V‖_F
                    for U, V from ΔW, from W0's own top r (the most any r directions hold),
                    and from random subspaces (mean ± sd over draws= pairs, seeded by the
                    session seed), with ‖W0‖_F and ‖ΔW‖_F.
                    """,
                    examples: ["amplification matrix=layers.0.q", "amplification matrix=layers.0.q r=4 draws=32"],
                    handler: amplification),
        CommandSpec("intruders", area: .analysis, summary: "intruder dimensions: singular vectors of W0+ΔW far from every one of W0, per ε",
                    parameters: [
                        matrixParameter,
                        ParameterSpec("k", .integer(minimum: 1), default: .integer(10), "how many top singular vectors of W0+ΔW to test"),
                        ParameterSpec("eps", .numbers(minimum: 0, maximum: 1),
                                      default: .list([.number(0.3), .number(0.5), .number(0.7), .number(0.9)]),
                                      "cosine threshold ε, or a comma list of them to sweep"),
                    ],
                    details: """
                    A top singular vector of W0+ΔW is an intruder at ε when its largest |cosine|
                    with every singular vector of W0 is below ε (Shuttleworth et al., 2024).
                    The count depends on ε, so the default sweeps it: one column per ε and a
                    count row. eps=0.5 alone still gives one column.
                    """,
                    examples: ["intruders matrix=layers.0.q k=10 eps=0.5", "intruders matrix=layers.0.q eps=0.3,0.5,0.7,0.9"],
                    handler: intruders),
        CommandSpec("truncate", area: .analysis, summary: "replace a fully fine-tuned ΔW by its best rank-r approximation (then `eval`), or evaluate several ranks",
                    parameters: [
                        ParameterSpec("rank", .integers(minimum: 1), "the rank r to keep (required), or ranks to evaluate side by side (1,2,4,8)"),
                        ParameterSpec("matrix", .matrix, "one matrix (default: every fully fine-tuned matrix)"),
                        ParameterSpec("targets", .targets, "a selector instead of one matrix (ffn, attn, q,v, ...)"),
                    ],
                    details: """
                    W = W0 + ΔW becomes W0 + U_r Σ_r V_rᵀ, the truncated SVD of ΔW = W − W0:
                    by Eckart–Young the closest rank-r matrix, with error √(Σ_{i>r} σᵢ²).
                    `eval` afterwards measures what the discarded directions did: the
                    functional test of "FFN updates are not low rank". Only full fine-tuning
                    (`finetune`) is truncated; an adapter's ΔW = s·BA has rank ≤ its r already.
                    A rank of at least min(out, in) keeps a matrix exactly as it is. Every
                    matrix is checked and decomposed before any weight is written, so a failing
                    truncate changes nothing; it cannot be undone (`run save` first to compare).
                    Several ranks (rank=1,2,4,8,16) leave the session's model unchanged: each
                    truncation of the same ΔW (one SVD per matrix) is evaluated on a copy, as a
                    plain `eval` would (whole held-out splits, batch 8), and one table shows per
                    rank the energy kept, the held-out fine-tuning and pre-training losses ± SE
                    and the forgetting, between the base (rank 0: every W back at W0) and the
                    untruncated model (rank "full").
                    """,
                    examples: ["truncate rank=4", "truncate rank=8 targets=ffn", "truncate rank=2 matrix=layers.0.up",
                               "truncate rank=1,2,4,8,16,32,64,128"],
                    handler: truncate),
    ]

    // MARK: Handlers: bind → call the Lab → present

    private static func singularValues(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let options = SingularValuesOptions(matrix: try invocation.requiredChoice("matrix"), top: try invocation.requiredInteger("top"),
                                            floor: invocation.choice("floor"))
        let result = try Lab(state: state, cancellation: context.cancellation).singularValues(options)
        return AnalysisPresentation.singularValues(result, top: options.top)
    }

    private static func spectrum(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let options = SpectrumOptions(top: try invocation.requiredInteger("top"), energyRank: invocation.integer("r"),
                                      floor: invocation.choice("floor"))
        let report = try Lab(state: state, cancellation: context.cancellation).spectrum(options)
        return AnalysisPresentation.spectrum(report, top: options.top)
    }

    private static func similarity(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        // The spec's choice list is the enum's raw values, so this cannot fail for a bound value.
        guard let basis = SimilarityBasis(rawValue: try invocation.requiredText("basis")) else {
            throw CommandFailure(.argument, "unknown basis", at: invocation.location(of: "basis"))
        }
        let options = SimilarityOptions(first: try invocation.requiredChoice("first"), second: try invocation.requiredChoice("second"),
                                        matrix: invocation.choice("matrix"), basis: basis, commandLocation: invocation.verbLocation)
        let report = try Lab(state: state, cancellation: context.cancellation).similarity(options)
        return AnalysisPresentation.similarity(report)
    }

    private static func amplification(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let options = AmplificationOptions(matrix: invocation.choice("matrix"), rank: invocation.integer("r"),
                                           randomDraws: try invocation.requiredInteger("draws"))
        let report = try Lab(state: state, cancellation: context.cancellation).amplification(options)
        return AnalysisPresentation.amplification(report)
    }

    private static func intruders(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let options = IntruderOptions(matrix: invocation.choice("matrix"), topK: try invocation.requiredInteger("k"),
                                      thresholds: try invocation.requiredNumbers("eps").map { Float($0) })
        let sweep = try Lab(state: state, cancellation: context.cancellation).intruders(options)
        return AnalysisPresentation.intruders(sweep)
    }

    private static func truncate(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        if invocation.isWritten("matrix"), invocation.isWritten("targets") {
            throw CommandFailure(.argument, "give matrix= (one matrix) or targets= (a selector), not both", at: invocation.location(of: "targets"))
        }
        // rank= has no default: which rank to keep is the experiment, so the user says it.
        guard let ranks = invocation.integers("rank") else {
            throw CommandFailure(.argument, "'truncate' needs rank=<n>, the rank to keep (usage: \(invocation.spec.usage))", at: invocation.command.end)
        }
        let options = TruncationOptions(ranks: ranks, matrix: invocation.choice("matrix"),
                                        targets: invocation.texts("targets").map { ($0, invocation.location(of: "targets")) },
                                        verbLocation: invocation.verbLocation)
        if ranks.count > 1 {
            return AnalysisPresentation.truncationSweep(try Lab(state: state, cancellation: context.cancellation).truncationSweep(options))
        }
        var lab = Lab(state: state, cancellation: context.cancellation)
        let report = try lab.truncate(options)
        state = lab.state
        return AnalysisPresentation.truncation(report)
    }
}

private extension Invocation {
    /// A written name and where it was written (nil when the parameter is not set).
    func choice(_ name: String) -> NamedChoice? {
        text(name).map { NamedChoice(name: $0, location: location(of: name)) }
    }

    func requiredChoice(_ name: String) throws(CommandFailure) -> NamedChoice {
        NamedChoice(name: try requiredText(name), location: location(of: name))
    }
}

/// svd, spectrum, similarity, amplification, intruders.
enum AnalysisCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("svd", area: .analysis, summary: "singular values of the learned update ΔW of one matrix",
                    positionals: [PositionalSpec("matrix", .matrix, "full name or short form (layers.0.q)")],
                    parameters: [ParameterSpec("top", .integer(minimum: 1), default: .integer(16), "how many singular values to show")],
                    details: "ΔW = s·BA for an adapter (via QR of B and Aᵀ), W − W0 for a fully tuned matrix.",
                    examples: ["svd model.layers.0.self_attn.q_proj", "svd layers.0.q"],
                    handler: unavailable("Analysis")),
        CommandSpec("spectrum", area: .analysis, summary: "every adapted or tuned matrix: top singular values, effective rank, energy; a chart",
                    parameters: [
                        ParameterSpec("top", .integer(minimum: 1), default: .integer(8), "singular values per matrix in the table"),
                        ParameterSpec("r", .integer(minimum: 1), "energy in the top r directions (default: the LoRA rank, or 8)"),
                    ],
                    examples: ["spectrum", "spectrum r=4"],
                    handler: unavailable("Analysis")),
        CommandSpec("similarity", area: .analysis, summary: "LoRA §7.2 subspace similarity φ between two saved runs; a heatmap",
                    positionals: [PositionalSpec("first", .runName, "a saved run"), PositionalSpec("second", .runName, "another saved run")],
                    parameters: [ParameterSpec("matrix", .matrix, "the matrix to compare (default: the first adapted one)")],
                    details: "φ(i,j) = ‖U_Aⁱᵀ U_Bʲ‖²_F / min(i,j) over the left singular vectors of each run's ΔW.",
                    examples: ["similarity r8 r64 matrix=layers.0.q"],
                    handler: unavailable("Analysis")),
        CommandSpec("amplification", area: .analysis, summary: "LoRA §7.3: how much ΔW amplifies directions W under-emphasises",
                    parameters: [ParameterSpec("matrix", .matrix, "the matrix (default: the first adapted one)")],
                    details: "‖ΔW‖_F / ‖UᵀWVᵀ‖_F with U, V the top singular vectors of ΔW.",
                    examples: ["amplification matrix=layers.0.q"],
                    handler: unavailable("Analysis")),
        CommandSpec("intruders", area: .analysis, summary: "intruder dimensions: singular vectors of W0+ΔW far from every one of W0",
                    parameters: [
                        ParameterSpec("matrix", .matrix, "the matrix (default: the first adapted one)"),
                        ParameterSpec("k", .integer(minimum: 1), default: .integer(10), "how many top singular vectors of W0+ΔW to test"),
                        ParameterSpec("eps", .number(minimum: 0, maximum: 1), default: .number(0.5), "cosine threshold"),
                    ],
                    examples: ["intruders matrix=layers.0.q k=10 eps=0.5"],
                    handler: unavailable("Analysis")),
    ]
}

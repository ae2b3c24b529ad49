import Analysis
import Foundation
import LinearAlgebra
import MiniMind

/// svd, spectrum, similarity, amplification, intruders.
enum AnalysisCommands {
    private static let matrixParameter = ParameterSpec("matrix", .matrix, "the matrix (default: the first adapted or tuned one)")

    static let specs: [CommandSpec] = [
        CommandSpec("svd", area: .analysis, summary: "singular values of the learned update ΔW of one matrix",
                    positionals: [PositionalSpec("matrix", .matrix, "full name or short form (layers.0.q)")],
                    parameters: [ParameterSpec("top", .integer(minimum: 1), default: .integer(16), "how many singular values to list")],
                    details: """
                    ΔW = s·BA for an adapter (QR of B and Aᵀ, then the SVD of an r×r core;
                    ΔW is never formed), W − W0 for a matrix tuned by `finetune`.
                    """,
                    examples: ["svd model.layers.0.self_attn.q_proj", "svd layers.0.q"],
                    handler: singularValues),
        CommandSpec("spectrum", area: .analysis, summary: "every adapted or tuned matrix: top singular values, effective rank, energy; a chart",
                    parameters: [
                        ParameterSpec("top", .integer(minimum: 1), default: .integer(4), "singular values per matrix in the table"),
                        ParameterSpec("r", .integer(minimum: 1), "energy in the top r directions (default: the LoRA rank, or 8 for full fine-tuning)"),
                    ],
                    details: """
                    Effective rank: exp of the entropy of σ/Σσ (1 for rank one). Energy in
                    top r: Σ_{i≤r} σᵢ² / Σ σᵢ², the share of ‖ΔW‖²_F a rank-r LoRA could hold.
                    Run it after `finetune` + `train` to test "FFN updates are not low rank".
                    """,
                    examples: ["spectrum", "spectrum r=4 top=8"],
                    handler: spectrum),
        CommandSpec("similarity", area: .analysis, summary: "LoRA §7.2 subspace similarity φ between two saved runs; a heatmap",
                    positionals: [PositionalSpec("first", .runName, "a saved run"), PositionalSpec("second", .runName, "another saved run")],
                    parameters: [matrixParameter],
                    details: """
                    φ(i,j) = ‖U₁ⁱᵀ U₂ʲ‖²_F / min(i,j) over the top left singular vectors of
                    each run's ΔW: 1 when the top-i directions of one lie in the top-j of
                    the other, 0 when orthogonal. Compare r8 and r64 as in the paper.
                    """,
                    examples: ["similarity r8 r64 matrix=layers.0.q"],
                    handler: similarity),
        CommandSpec("amplification", area: .analysis, summary: "LoRA §7.3: how much ΔW amplifies directions W under-emphasises",
                    parameters: [matrixParameter, ParameterSpec("r", .integer(minimum: 1), "directions of ΔW to use (default: the LoRA rank, or 8)")],
                    details: "‖ΔW‖_F / ‖UᵀW0V‖_F with U, V the top-r singular vectors of ΔW (≈ 21.5 at r = 4 in the paper).",
                    examples: ["amplification matrix=layers.0.q"],
                    handler: amplification),
        CommandSpec("intruders", area: .analysis, summary: "intruder dimensions: singular vectors of W0+ΔW far from every one of W0",
                    parameters: [
                        matrixParameter,
                        ParameterSpec("k", .integer(minimum: 1), default: .integer(10), "how many top singular vectors of W0+ΔW to test"),
                        ParameterSpec("eps", .number(minimum: 0, maximum: 1), default: .number(0.5), "cosine threshold ε"),
                    ],
                    details: "A top singular vector of W0+ΔW is an intruder when its largest |cosine| with every singular vector of W0 is below ε (Shuttleworth et al., 2024).",
                    examples: ["intruders matrix=layers.0.q k=10 eps=0.5"],
                    handler: intruders),
    ]

    private static func format(_ value: Float) -> String {
        if value == 0 { return "0" }
        return abs(value) >= 0.01 && abs(value) < 1000 ? String(format: "%.4f", value) : String(format: "%.3e", value)
    }

    /// The matrix named by `matrix=`, or the first one with an update.
    private static func chosenUpdate(_ invocation: Invocation, key: String = "matrix", model: Model) throws(CommandFailure) -> WeightUpdate {
        if let name = invocation.text(key) {
            let linear = try MatrixNames.require(name, in: model, at: invocation.location(of: key))
            return try WeightUpdate.require(linear, at: invocation.location(of: key))
        }
        guard let first = try WeightUpdate.all(in: model).first else {
            throw CommandFailure(.command, "no matrix has a learned update yet: attach adapters (`lora`) or `finetune`, then `train`")
        }
        return first
    }

    private static func singularValues(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let lab = try state.requireLab()
        let update = try chosenUpdate(invocation, model: lab.model)
        let statistics = update.statistics
        let values = update.decomposition.singularValues
        let top = try invocation.requiredInteger("top")
        var table = ResultTable(["i", "σᵢ", "energy ≤ i"], numericColumns: [0, 1, 2])
        for (index, value) in values.prefix(top).enumerated() {
            table.append([String(index + 1), format(value), String(format: "%.1f%%", 100 * statistics.energy(inTop: index + 1))])
        }
        table.footer = "ΔW of \(update.linear.name) (\(MatrixNames.shape(update.linear)), \(update.sourceDescription)): "
            + "‖ΔW‖_F = \(format(statistics.frobeniusNorm)), effective rank \(String(format: "%.2f", statistics.effectiveRank)), "
            + "stable rank \(String(format: "%.2f", statistics.stableRank))"
        let chart = Figures.spectrumChart(title: "singular values of ΔW, \(MatrixNames.short(update.linear))",
                                          spectra: [(MatrixNames.short(update.linear), values)], rank: nil)
        return table.bundle(with: chart)
    }

    private static func spectrum(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let lab = try state.requireLab()
        let updates = try WeightUpdate.all(in: lab.model)
        guard !updates.isEmpty else {
            throw CommandFailure(.command, "no matrix has a learned update yet: attach adapters (`lora`) or `finetune`, then `train`")
        }
        let top = try invocation.requiredInteger("top")
        var header = ["matrix", "shape", "update"]
        header += (1...top).map { "σ\($0)" }
        header += ["eff. rank", "energy top r"]
        var table = ResultTable(header, numericColumns: Set(3..<(header.count)))
        for update in updates {
            let statistics = update.statistics
            let r = invocation.integer("r") ?? update.rank(or: 8)
            var row = [MatrixNames.short(update.linear), MatrixNames.shape(update.linear), update.sourceDescription]
            row += (0..<top).map { index in index < statistics.singularValues.count ? format(statistics.singularValues[index]) : "" }
            row += [String(format: "%.2f", statistics.effectiveRank), String(format: "r=%d: %.1f%%", r, 100 * statistics.energy(inTop: r))]
            table.append(row)
        }
        table.footer = "\(updates.count) matrices. Energy in top r = share of ‖ΔW‖²_F in the r largest directions."
        let chart = Figures.spectrumChart(title: "singular values of ΔW",
                                          spectra: updates.map { (MatrixNames.short($0.linear), $0.decomposition.singularValues) },
                                          rank: invocation.integer("r"))
        return table.bundle(with: chart)
    }

    private static func similarity(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let first = try RunCommands.requireRun(try invocation.requiredText("first"), state, at: invocation.location(of: "first"))
        let second = try RunCommands.requireRun(try invocation.requiredText("second"), state, at: invocation.location(of: "second"))
        let firstModel = first.lab.model
        let secondModel = second.lab.model
        let linearName: String
        if let written = invocation.text("matrix") {
            linearName = try MatrixNames.require(written, in: firstModel, at: invocation.location(of: "matrix")).name
        } else {
            let common = try WeightUpdate.all(in: firstModel).map(\.linear.name).first { name in
                secondModel.linear(named: name)?.update != nil
            }
            guard let common else {
                throw CommandFailure(.command, "runs '\(first.name)' and '\(second.name)' have no adapted matrix in common; name one with matrix=")
            }
            linearName = common
        }
        let place = invocation.isWritten("matrix") ? invocation.location(of: "matrix") : invocation.verbLocation
        guard let firstLinear = firstModel.linear(named: linearName), let secondLinear = secondModel.linear(named: linearName) else {
            throw CommandFailure(.command, "run '\(second.name)' has no matrix \(linearName) (different model shapes)", at: place)
        }
        let firstUpdate = try WeightUpdate.require(firstLinear, at: place)
        let secondUpdate = try WeightUpdate.require(secondLinear, at: place)
        let grid: SubspaceSimilarityGrid
        do {
            grid = try SubspaceSimilarityGrid(leftSingularVectorsOf: firstUpdate.decomposition, secondUpdate.decomposition,
                                              maxI: min(firstUpdate.rank(or: 8), firstUpdate.decomposition.count),
                                              maxJ: min(secondUpdate.rank(or: 8), secondUpdate.decomposition.count))
        } catch {
            throw CommandFailure(.command, "cannot compare the subspaces: \(error)", at: place)
        }
        let columns = Array(Set([1, 2, 4, 8, 16, 32, 64, grid.maxJ].filter { $0 <= grid.maxJ })).sorted()
        var table = ResultTable(["i \\ j"] + columns.map(String.init), numericColumns: Set(0...columns.count))
        for i in 1...grid.maxI {
            table.append([String(i)] + columns.map { String(format: "%.3f", grid.phi(i: i, j: $0)) })
        }
        table.footer = "φ(i,j) for ΔW of \(MatrixNames.short(firstLinear)): rows i = top directions of '\(first.name)' (\(firstUpdate.sourceDescription)), "
            + "columns j = of '\(second.name)' (\(secondUpdate.sourceDescription)). φ(1,1) = \(String(format: "%.3f", grid.phi(i: 1, j: 1)))"
        var values: [[Double]] = []
        for i in 1...grid.maxI { values.append((1...grid.maxJ).map { Double(grid.phi(i: i, j: $0)) }) }
        let chart = Figures.heatmap(title: "φ(i, j): \(first.name) vs \(second.name), \(MatrixNames.short(firstLinear))",
                                    values: values, rowTitle: "i (\(first.name))", columnTitle: "j (\(second.name))")
        return table.bundle(with: chart)
    }

    private static func amplification(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let lab = try state.requireLab()
        let update = try chosenUpdate(invocation, model: lab.model)
        let rank = min(invocation.integer("r") ?? update.rank(or: 8), update.decomposition.count)
        let factor: AmplificationFactor
        do {
            factor = try AmplificationFactor(base: update.base, update: update.decomposition, rank: rank)
        } catch {
            throw CommandFailure(.command, "cannot compute the amplification: \(error)")
        }
        var table = ResultTable(["quantity", "value"], numericColumns: [1])
        table.append(["‖ΔW‖_F", format(factor.updateNorm)])
        table.append(["‖UᵀW0V‖_F (W0 in ΔW's top-\(rank) directions)", format(factor.projectedBaseNorm)])
        table.append(["‖W0‖_F", format(factor.baseNorm)])
        table.append(["amplification ‖ΔW‖_F / ‖UᵀW0V‖_F", factor.factor.isFinite ? String(format: "%.2f", factor.factor) : "∞"])
        table.footer = "\(update.linear.name), \(update.sourceDescription), r=\(rank). The LoRA paper reports ≈ 21.5 for W_q at r = 4 on GPT-3."
        return table.bundle
    }

    private static func intruders(_ invocation: Invocation, _ state: inout SessionState, _ context: CommandContext) throws -> MimeBundle? {
        let lab = try state.requireLab()
        let update = try chosenUpdate(invocation, model: lab.model)
        let threshold = Float(try invocation.requiredNumber("eps"))
        let report: IntruderDimensionReport
        do {
            report = try IntruderDimensionReport(base: update.base, tuned: update.tuned, topK: try invocation.requiredInteger("k"), threshold: threshold)
        } catch {
            throw CommandFailure(.command, "cannot look for intruders: \(error)")
        }
        var table = ResultTable(["i", "σᵢ of W0+ΔW", "max |cos| with W0", "closest W0 vector", "intruder?"], numericColumns: [0, 1, 2, 3])
        for dimension in report.dimensions {
            table.append([String(dimension.index + 1), format(dimension.singularValue), String(format: "%.3f", dimension.maxCosine),
                          String(dimension.closestBaseIndex + 1), dimension.isIntruder ? "yes" : "no"])
        }
        table.footer = "\(report.intruderCount) intruder dimension\(report.intruderCount == 1 ? "" : "s") among the top \(report.dimensions.count) of \(update.linear.name) "
            + "(\(update.sourceDescription), ε = \(Double(threshold).formatted))"
        return table.bundle
    }
}

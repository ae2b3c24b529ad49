import Analysis
import Foundation

/// The tables and charts of the analysis commands, from the values the Lab's
/// analysis operations return (Lab/Lab+Analysis.swift).
enum AnalysisPresentation {
    static func format(_ value: Float) -> String {
        if value == 0 { return "0" }
        return abs(value) >= 0.01 && abs(value) < 1000 ? String(format: "%.4f", value) : String(format: "%.3e", value)
    }

    private static func floorSentence(_ runName: String) -> String {
        "Noise floor = σ of (ΔW − ΔW of '\(runName)')/√2, one seed's noise if the two runs differ only in seed; "
            + "a direction whose σᵢ exceeds the floor's σ₁ is more than noise (Weyl)."
    }

    // MARK: svd, spectrum

    static func singularValues(_ result: UpdateSpectrum, top: Int) -> MimeBundle {
        let update = result.update
        let statistics = update.statistics
        let values = update.decomposition.singularValues
        var header = ["i", "σᵢ", "energy ≤ i"]
        if let floor = result.floor { header += ["floor σᵢ ('\(floor.runName)')", "above floor σ₁?"] }
        var table = ResultTable(header, numericColumns: [0, 1, 2, 3])
        for (index, value) in values.prefix(top).enumerated() {
            var row = [String(index + 1), format(value), String(format: "%.1f%%", 100 * statistics.energy(inTop: index + 1))]
            if let floor = result.floor {
                row += [index < floor.singularValues.count ? format(floor.singularValues[index]) : "", value > floor.level ? "yes" : "no"]
            }
            table.append(row)
        }
        var footer = "ΔW of \(update.linear.name) (\(MatrixNames.shape(update.linear)), \(update.sourceDescription)): "
            + "‖ΔW‖_F = \(format(statistics.frobeniusNorm)), effective rank \(String(format: "%.2f", statistics.effectiveRank)), "
            + "stable rank \(String(format: "%.2f", statistics.stableRank))"
        var spectra = [(MatrixNames.short(update.linear), values)]
        if let floor = result.floor {
            footer += ". \(floor.directionsAbove(values)) direction(s) above the floor. " + floorSentence(floor.runName)
            spectra.append(("floor", floor.singularValues))
        }
        table.footer = footer
        let chart = Figures.spectrumChart(title: "singular values of ΔW, \(MatrixNames.short(update.linear))", spectra: spectra, rank: nil)
        return table.bundle(with: chart)
    }

    static func spectrum(_ report: SpectrumReport, top: Int) -> MimeBundle {
        let floorRun = report.entries.first?.floor?.runName
        var header = ["matrix", "shape", "update"]
        header += (1...top).map { "σ\($0)" }
        header += ["eff. rank", "energy top r"]
        if floorRun != nil { header += ["floor σ₁", "above floor"] }
        var table = ResultTable(header, numericColumns: Set(3..<(header.count)))
        var spectra: [(String, [Float])] = []
        for entry in report.entries {
            let update = entry.update
            let statistics = update.statistics
            let r = report.energyRank ?? update.rank(or: 8)
            var row = [MatrixNames.short(update.linear), MatrixNames.shape(update.linear), update.sourceDescription]
            row += (0..<top).map { index in index < statistics.singularValues.count ? format(statistics.singularValues[index]) : "" }
            row += [String(format: "%.2f", statistics.effectiveRank), String(format: "r=%d: %.1f%%", r, 100 * statistics.energy(inTop: r))]
            spectra.append((MatrixNames.short(update.linear), update.decomposition.singularValues))
            if let floor = entry.floor {
                row += [format(floor.level), String(floor.directionsAbove(statistics.singularValues))]
                spectra.append((MatrixNames.short(update.linear) + " floor", floor.singularValues))
            }
            table.append(row)
        }
        var footer = "\(report.entries.count) matrices. Energy in top r = share of ‖ΔW‖²_F in the r largest directions."
        if let floorRun { footer += " " + floorSentence(floorRun) + " \"above floor\" counts those directions." }
        table.footer = footer
        let chart = Figures.spectrumChart(title: "singular values of ΔW" + (floorRun.map { " and the noise floor against '\($0)'" } ?? ""),
                                          spectra: spectra, rank: report.energyRank)
        return table.bundle(with: chart)
    }

    // MARK: similarity

    /// How a basis is named in the footer and the chart.
    static func describe(_ basis: SimilarityBasis) -> String {
        switch basis {
        case .loraA: "right singular vectors of each run's A (input directions, LoRA §7.2)"
        case .updateLeft: "left singular vectors of each run's ΔW (output directions)"
        case .updateRight: "right singular vectors of each run's ΔW (input directions)"
        }
    }

    static func similarity(_ report: SimilarityReport) -> MimeBundle {
        let grid = report.grid
        let first = report.first, second = report.second
        let columns = Array(Set([1, 2, 4, 8, 16, 32, 64, grid.maxJ].filter { $0 <= grid.maxJ })).sorted()
        var table = ResultTable(["i \\ j"] + columns.map(String.init), numericColumns: Set(0...columns.count))
        for i in 1...grid.maxI {
            table.append([String(i)] + columns.map { String(format: "%.3f", grid.phi(i: i, j: $0)) })
        }
        let matrix = MatrixNames.short(first.update.linear)
        table.footer = "φ(i,j) for \(matrix), basis=\(report.basis.rawValue): \(describe(report.basis)). "
            + "Rows i = top directions of '\(first.run)' (\(first.update.sourceDescription)), "
            + "columns j = of '\(second.run)' (\(second.update.sourceDescription)). φ(1,1) = \(String(format: "%.3f", grid.phi(i: 1, j: 1))). "
            + "Unrelated random subspaces of dimension n give φ(i,j) ≈ max(i,j)/n."
        var values: [[Double]] = []
        for i in 1...grid.maxI { values.append((1...grid.maxJ).map { Double(grid.phi(i: i, j: $0)) }) }
        let chart = Figures.heatmap(title: "φ(i, j), basis=\(report.basis.rawValue): \(first.run) vs \(second.run), \(matrix)",
                                    values: values, rowTitle: "i (\(first.run))", columnTitle: "j (\(second.run))")
        return table.bundle(with: chart)
    }

    // MARK: amplification

    static func amplification(_ report: AmplificationReport) -> MimeBundle {
        let b = report.baselines
        let r = b.rank
        var table = ResultTable(["quantity", "value"], numericColumns: [1])
        table.append(["‖UᵀW0V‖_F, U,V = ΔW's top-\(r) singular vectors", format(b.alongUpdate)])
        table.append(["‖UᵀW0V‖_F, U,V = W0's own top-\(r) singular vectors", format(b.alongBaseTop)])
        let spread = b.alongRandomDeviation.map { " ± " + format($0) } ?? " (one draw: no sd)"
        table.append(["‖UᵀW0V‖_F, U,V random (mean ± sd of \(b.randomDraws))", format(b.alongRandom) + spread])
        table.append(["‖W0‖_F", format(b.baseNorm)])
        table.append(["‖ΔW‖_F", format(b.updateNorm)])
        table.append(["amplification ‖ΔW‖_F / ‖UᵀW0V‖_F (ΔW's U,V)", b.factor.isFinite ? String(format: "%.2f", b.factor) : "∞"])
        table.footer = "\(report.update.linear.name) (\(report.update.sourceDescription)), ΔW's top \(r) directions; random subspaces seeded by the session seed "
            + "(\(report.seed)). As LoRA Table 7: ΔW's subspace holding far less of W0 than W0's top directions, close to random, "
            + "means ΔW amplifies directions W0 does not emphasise (the paper: ≈ 21.5 for W_q at r = 4 on GPT-3)."
        return table.bundle
    }

    // MARK: intruders

    static func intruders(_ sweep: IntruderSweep) -> MimeBundle {
        let epsilons = sweep.thresholds.map { "ε=" + Double($0).formatted }
        var table = ResultTable(["i", "σᵢ of W0+ΔW", "max |cos| with W0", "closest W0 vector"] + epsilons.map { "at \($0)" },
                                numericColumns: Set(0..<(4 + epsilons.count)))
        for dimension in sweep.report.dimensions {
            table.append([String(dimension.index + 1), format(dimension.singularValue), String(format: "%.3f", dimension.maxCosine),
                          String(dimension.closestBaseIndex + 1)]
                         + sweep.thresholds.map { dimension.isIntruder(at: $0) ? "yes" : "no" })
        }
        table.append(["count", "", "", ""] + sweep.counts.map(String.init))
        let matrix = "the top \(sweep.report.dimensions.count) of \(sweep.update.linear.name)"
        if sweep.thresholds.count == 1, let count = sweep.counts.first {
            table.footer = "\(count) intruder dimension\(count == 1 ? "" : "s") among \(matrix) "
                + "(\(sweep.update.sourceDescription), ε = \(Double(sweep.thresholds[0]).formatted))"
        } else {
            let counts = zip(sweep.thresholds, sweep.counts).map { "ε = \(Double($0).formatted): \($1)" }.joined(separator: ", ")
            table.footer = "Intruder dimensions among \(matrix) (\(sweep.update.sourceDescription)), per ε: \(counts). "
                + "A direction counts at ε when its best |cos| with W0's singular vectors is below ε."
        }
        return table.bundle
    }

    // MARK: truncate

    /// `truncate rank=1,2,4,…`: one row per rank between the base and the untruncated model.
    static func truncationSweep(_ sweep: TruncationSweep) -> MimeBundle {
        var table = ResultTable(["rank", "energy kept", "eval finetune", "eval pretrain", "forgetting"], numericColumns: [0, 1, 2, 3, 4])
        func loss(_ result: Evaluation.Result?) -> String {
            guard let result else { return "—" }
            return String(format: "%.4f", result.loss) + (result.standardError.map { String(format: " ± %.4f", $0) } ?? "")
        }
        let before = sweep.base.pretraining?.loss
        for row in sweep.rows {
            let forgetting = zip2(row.pretraining?.loss, before).map { String(format: "%+.4f", $0 - $1) } ?? "—"
            table.append([row.rank.map(String.init) ?? "full", String(format: "%.1f%%", 100 * row.energyKept),
                          loss(row.fineTuning), loss(row.pretraining), forgetting])
        }
        let matrices = sweep.matrices.count
        table.footer = "ΔW = W − W0 of \(matrices) fully fine-tuned matri\(matrices == 1 ? "x" : "ces") replaced by its best rank-r approximation "
            + "(one SVD each; r beyond min(out, in) keeps a matrix whole); rank 0 = the base (every W at W0), full = untruncated. "
            + "Each row evaluated on a copy: held-out splits, batch \(sweep.batch)×\(sweep.seqLen), loss ± SE; "
            + "forgetting = eval pretrain − the base's. The session's model is unchanged."
        let points = sweep.rows.dropFirst().compactMap { row -> (x: Double, mean: Double, low: Double, high: Double)? in
            guard let rank = row.rank, let result = row.fineTuning else { return nil }
            let error = result.standardError ?? 0
            return (log2(Double(rank)), result.loss, result.loss - error, result.loss + error)
        }
        let chart = Figures.sweepChart(title: "held-out fine-tuning loss by truncation rank (± SE)", xLabel: "log2 rank", points: points)
        return table.bundle(with: chart)
    }

    private static func zip2(_ a: Double?, _ b: Double?) -> (Double, Double)? {
        guard let a, let b else { return nil }
        return (a, b)
    }

    static func truncation(_ report: TruncationReport) -> MimeBundle {
        var table = ResultTable(["matrix", "shape", "‖ΔW‖_F", "kept rank", "‖ΔW − ΔW_r‖_F", "energy kept", "changed"],
                                numericColumns: [2, 3, 4, 5])
        for entry in report.entries {
            let statistics = SpectrumStatistics(singularValues: entry.singularValues)
            table.append([MatrixNames.short(entry.linear), MatrixNames.shape(entry.linear), format(statistics.frobeniusNorm),
                          String(entry.keptRank), format(entry.discardedNorm),
                          String(format: "%.1f%%", 100 * (statistics.frobeniusNorm > 0 ? statistics.energy(inTop: entry.keptRank) : 1)),
                          entry.changed ? "yes" : "no (rank ≥ min(out, in))"])
        }
        let changed = report.entries.filter(\.changed).count
        table.footer = changed == 0
            ? "rank \(report.rank) ≥ min(out, in) of every selected matrix: each ΔW already has at most that rank, nothing was changed."
            : "ΔW = W − W0 of \(changed) of \(report.entries.count) matrices replaced by its best rank-\(report.rank) approximation "
                + "(truncated SVD; the error √(Σ_{i>r} σᵢ²) is the least any rank-\(report.rank) matrix allows). Run `eval` to measure what was lost."
        return table.bundle
    }
}

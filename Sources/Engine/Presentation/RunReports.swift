import Analysis
import Charts
import Foundation
import MiniMind

/// The words, tables and charts of `run save | load`, `runs` and `compare`.
enum RunReports {
    /// `tiny, targets=q,v rank=4, 0 pretrain + 20 finetune steps`
    static func describe(_ lab: ModelLab) -> String {
        "\(lab.origin), \(lab.adaptation ?? "no adapters"), \(lab.steps(in: .pretrain)) pretrain + \(lab.steps(in: .finetune)) finetune steps"
    }

    static func saved(name: String, replaced: Bool, lab: ModelLab) -> String {
        (replaced ? "replaced run '\(name)'" : "saved run '\(name)'") + ": \(describe(lab))"
    }

    static func list(_ runs: [SavedRun]) -> MimeBundle {
        guard !runs.isEmpty else { return MimeBundle(plain: "no saved runs (save one with `run save <name>`)") }
        var table = ResultTable(["run", "model", "adaptation", "trainable", "pretrain steps", "finetune steps", "last loss"],
                                numericColumns: [3, 4, 5, 6])
        for run in runs {
            let lab = run.lab
            table.append([run.name, lab.origin, lab.adaptation ?? "—", lab.model.trainableParameterCount.grouped,
                          String(lab.steps(in: .pretrain)), String(lab.steps(in: .finetune)),
                          lab.lossHistory.last.map { String(format: "%.4f", $0.loss) } ?? "—"])
        }
        return table.bundle
    }

    static func comparison(_ result: ComparisonResult) -> MimeBundle {
        let repeated = result.seeds.count > 1
        let choosing = result.learningRates != nil
        var columns = ["targets", "rank", "matrices", "params", "% of model"]
        if choosing { columns += ["lr (picked)", "validation"] }
        columns += ["final loss", "eval finetune", "eval pretrain", "forgetting"]
        if result.measuresExactMatch { columns += ["match seen", "match unseen"] }
        var table = ResultTable(columns, numericColumns: Set(1..<columns.count))
        let before = result.pretrainingBefore?.loss
        for strategy in result.strategies {
            var row = [strategy.targets, strategy.method == .full ? "full" : String(strategy.rank), String(strategy.matrices), strategy.parameters.grouped,
                       UpdateDescriptions.percent(strategy.parameters, of: result.modelParameters)]
            if choosing {
                let picked = strategy.trials.first { $0.learningRate == strategy.learningRate }
                row += [strategy.learningRate.formatted, picked?.validationLoss.map { String(format: "%.4f", $0) } ?? "—"]
            }
            let runs = strategy.runs
            row += [spread(runs.map { Double($0.finalLoss) }),
                    spread(runs.compactMap { $0.fineTuningEvaluation?.loss }),
                    spread(runs.compactMap { $0.pretrainingEvaluation?.loss }),
                    before.map { base in spread(runs.compactMap { $0.pretrainingEvaluation.map { $0.loss - base } }) } ?? "—"]
            if result.measuresExactMatch { row += exactMatchCells(runs) }
            table.append(row)
        }
        let rate = choosing ? "lr chosen per strategy from \(result.learningRates!.map(\.formatted).joined(separator: ",")) by the lowest mean loss on the fine-tuning data's validation split"
            : "lr \(result.strategies.first.map { $0.learningRate.formatted } ?? "—")"
        let seeds = repeated ? "seeds \(result.seeds.map(String.init).joined(separator: ",")) (mean ± sd over \(result.seeds.count) runs)" : "seed \(result.seeds[0])"
        let budget = result.method == .full ? "full fine-tuning (every weight of each selector's matrices; no rank, no budget)"
            : "budget=\(result.budget.rawValue)"
        table.footer = "\(result.steps) steps each, \(rate), batch \(result.batch)×\(result.seqLen), \(seeds), \(budget); "
            + "final loss = mean of the last 10% of steps; held-out evaluations"
            + (result.pretrainingBefore.map { "; forgetting = eval pretrain − the base's \(String(format: "%.4f", $0.loss))" } ?? "")
            + (result.measuresExactMatch ? exactMatchFooter : "")
        if choosing {
            let trials = result.strategies.map { strategy in
                "\(strategy.targets): " + strategy.trials.map { trial in
                    "\(trial.learningRate.formatted) → " + (trial.validationLoss.map { String(format: "%.4f", $0) } ?? "diverged")
                }.joined(separator: ", ")
            }
            table.footer! += "\nvalidation loss by lr — " + trials.joined(separator: "; ")
        }
        if let cache = result.cache { table.footer! += "\n" + cache.description }
        let curves = repeated
            ? Figures.bandLineChart(title: "fine-tuning loss by targets (mean, min–max over seeds)",
                                    curves: result.strategies.map { ($0.label, $0.runs.map(\.losses)) })
            : Self.nonEmpty(Figures.lossLineChart(title: "fine-tuning loss by targets",
                                                  curves: result.strategies.map { ($0.label, $0.runs.first?.losses ?? []) }))
        let tradeOff = before.flatMap { base in Figures.learningAgainstForgetting(learningAndForgetting(result.strategies, base: base),
                                                                                          seeds: result.seeds.count) }
        let charts: [(any Chart & Sized)?] = [curves, tradeOff]
        return table.bundle(with: Figures.stacked(charts.compactMap { $0 }))
    }

    private static func nonEmpty(_ chart: LineChart) -> LineChart? {
        chart.series.contains { !$0.points.isEmpty } ? chart : nil
    }

    /// A point per strategy whose runs all have both evaluations: mean ± sd (sd only over several runs).
    static func learningAndForgetting(_ strategies: [StrategyResult], base: Double) -> [ScatterChart.Point] {
        strategies.compactMap { strategy in
            let learning = strategy.runs.compactMap { $0.fineTuningEvaluation?.loss }
            let forgetting = strategy.runs.compactMap { $0.pretrainingEvaluation.map { $0.loss - base } }
            guard learning.count == strategy.runs.count, forgetting.count == strategy.runs.count,
                  let x = try? SampleSummary(learning), let y = try? SampleSummary(forgetting) else { return nil }
            return ScatterChart.Point(name: strategy.label, x: x.mean, y: y.mean, xSpread: x.standardDeviation, ySpread: y.standardDeviation)
        }
    }

    static func sweep(_ result: SweepResult) -> MimeBundle {
        let name = result.parameter.rawValue
        // A sweep over rank has its rank as the first column already.
        let rankColumn = result.parameter != .rank
        let columns = [name] + (rankColumn ? ["rank"] : []) + ["params", "% of model", "final loss", "eval finetune", "eval pretrain", "forgetting"]
            + (result.measuresExactMatch ? ["match seen", "match unseen"] : [])
        var table = ResultTable(columns, numericColumns: Set(0..<columns.count))
        let before = result.pretrainingBefore?.loss
        for point in result.points {
            let runs = point.runs
            table.append([point.value.formatted] + (rankColumn ? [result.method == .full ? "full" : String(point.rank)] : []) + [point.parameters.grouped,
                          UpdateDescriptions.percent(point.parameters, of: result.modelParameters),
                          spread(runs.map { Double($0.finalLoss) }),
                          spread(runs.compactMap { $0.fineTuningEvaluation?.loss }),
                          spread(runs.compactMap { $0.pretrainingEvaluation?.loss }),
                          before.map { base in spread(runs.compactMap { $0.pretrainingEvaluation.map { $0.loss - base } }) } ?? "—"]
                         + (result.measuresExactMatch ? exactMatchCells(runs) : []))
        }
        let full = result.method == .full
        let fixed = [("rank", result.parameter == .rank || full ? nil : String(result.fixed.rank)),
                     ("lr", result.parameter == .lr ? nil : result.fixed.learningRate.formatted),
                     ("alpha", result.parameter == .alpha || full ? nil : result.fixed.alpha.map(\.formatted) ?? "2·rank"),
                     ("steps", result.parameter == .steps ? nil : String(result.fixed.steps))]
            .compactMap { item in item.1.map { "\(item.0) \($0)" } }.joined(separator: ", ")
            + (result.rsLoRA ? ", rsLoRA (s = alpha/√rank)" : "")
        let seeds = result.seeds.count > 1 ? "seeds \(result.seeds.map(String.init).joined(separator: ",")) (mean ± sd over \(result.seeds.count) runs)" : "seed \(result.seeds[0])"
        table.footer = "targets=\(result.targets)\(full ? " fully fine-tuned (every weight)" : "") over \(name); \(fixed), batch \(result.batch)×\(result.seqLen), \(seeds); held-out evaluations"
            + (result.pretrainingBefore.map { "; forgetting = eval pretrain − the base's \(String(format: "%.4f", $0.loss))" } ?? "")
            + (result.measuresExactMatch ? exactMatchFooter : "")
        if let cache = result.cache { table.footer! += "\n" + cache.description }
        let logarithmic = result.parameter == .lr
        let points = result.points.compactMap { point -> (x: Double, mean: Double, low: Double, high: Double)? in
            let losses = point.runs.compactMap { $0.fineTuningEvaluation?.loss }
            guard let summary = try? SampleSummary(losses) else { return nil }
            return (logarithmic ? log10(point.value) : point.value, summary.mean, summary.minimum, summary.maximum)
        }
        let chart = Figures.sweepChart(title: "held-out fine-tuning loss by \(name)" + (result.seeds.count > 1 ? " (mean, min–max over seeds)" : ""),
                                       xLabel: logarithmic ? "log10 lr" : name, points: points)
        return table.bundle(with: chart)
    }

    /// "match seen" and "match unseen": each run's fraction, mean ± sd over the runs.
    private static func exactMatchCells(_ runs: [SeedRun]) -> [String] {
        [spread(runs.compactMap { $0.exactMatchSeen?.fraction }), spread(runs.compactMap { $0.exactMatchUnseen?.fraction })]
    }

    private static let exactMatchFooter = "; match = exact match of greedy answers (text and <|im_end|>) on the trained (seen) "
        + "and held-out (unseen) questions"

    /// `1.2345`, or `1.2345 ± 0.0123` (sample sd) over several runs.
    static func spread(_ values: [Double]) -> String {
        guard let summary = try? SampleSummary(values) else { return "—" }
        guard let deviation = summary.standardDeviation else { return String(format: "%.4f", summary.mean) }
        return String(format: "%.4f ± %.4f", summary.mean, deviation)
    }
}

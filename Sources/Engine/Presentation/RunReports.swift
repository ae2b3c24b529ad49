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
        var table = ResultTable(["targets", "rank", "matrices", "params", "% of model", "final loss", "eval finetune", "eval pretrain"],
                                numericColumns: [1, 2, 3, 4, 5, 6, 7])
        for strategy in result.strategies {
            table.append([strategy.targets, String(strategy.rank), String(strategy.matrices), strategy.parameters.grouped,
                          UpdateDescriptions.percent(strategy.parameters, of: result.modelParameters), String(format: "%.4f", strategy.finalLoss),
                          strategy.fineTuningEvaluation.map { String(format: "%.4f", $0.loss) } ?? "—",
                          strategy.pretrainingEvaluation.map { String(format: "%.4f", $0.loss) } ?? "—"])
        }
        table.footer = "\(result.steps) steps each, lr \(result.learningRate.formatted), batch \(result.batch)×\(result.seqLen), seed \(result.seed), budget=\(result.budget.rawValue); "
            + "final loss = mean of the last 10% of steps"
        let chart = Figures.lossChart(title: "fine-tuning loss by targets", curves: result.strategies.map { ($0.label, $0.losses) })
        return table.bundle(with: chart)
    }
}

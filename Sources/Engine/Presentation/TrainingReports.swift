import Foundation
import MiniMind

/// The words, tables and charts of pretrain, finetune, step, train, eval and generate.
enum TrainingReports {
    /// A run that stopped early is an error (its completed steps are kept by the engine).
    static func requireCompleted(_ result: TrainingResult, what: String) throws(CommandFailure) {
        let losses = result.outcome.records.map(\.loss)
        if let divergence = result.outcome.divergence {
            throw CommandFailure(.diverged, "\(what): \(divergence) (\(losses.count) good steps kept)")
        }
        if let stopped = result.outcome.stopped {
            throw CommandFailure(.stopped, "\(what): \(stopped) (\(losses.count) of \(result.requestedSteps) steps taken and kept)")
        }
        if result.outcome.interrupted {
            throw CommandFailure(.interrupted, "\(what) interrupted after \(losses.count) of \(result.requestedSteps) steps; the model keeps the steps taken"
                                 + (losses.last.map { " (last loss \(String(format: "%.4f", $0)))" } ?? ""))
        }
    }

    /// `train: 200 steps in 3.1 s, loss 2.3 → 1.1` and the phase's loss chart.
    static func summary(_ result: TrainingResult, what: String) -> MimeBundle {
        let losses = result.outcome.records.map(\.loss)
        let first = losses.first.map { String(format: "%.4f", $0) } ?? "—"
        let last = losses.last.map { String(format: "%.4f", $0) } ?? "—"
        let text = "\(what): \(losses.count) steps in \(String(format: "%.1f", result.outcome.seconds)) s, loss \(first) → \(last)"
        let phase = result.phase.rawValue
        guard let chart = Figures.lossChart(title: "\(phase) loss (whole session)", curves: [(phase, result.sessionCurve)]) else {
            return MimeBundle(plain: text)
        }
        return MimeBundle(plain: text, html: "<p>\(HTML.escape(text))</p>\n" + chart.svg, svg: chart.svg)
    }

    /// One line per step; a refused or interrupted `step` is an error after the lines it took.
    static func steps(_ result: TrainingResult) throws(CommandFailure) -> MimeBundle {
        let lines = result.outcome.records.enumerated().map { index, record in
            "step \(result.firstStepNumber + index): loss \(String(format: "%.4f", record.loss))  "
                + "(lr \(Double(record.learningRate).formatted), grad norm \(String(format: "%.3f", record.gradientNorm)))"
        }
        if let divergence = result.outcome.divergence {
            throw CommandFailure(.diverged, divergence.description)
        }
        if let stopped = result.outcome.stopped {
            throw CommandFailure(.stopped, "\(stopped) (\(lines.count) of \(result.requestedSteps) steps taken and kept)")
        }
        if result.outcome.interrupted {
            throw CommandFailure(.interrupted, "interrupted after \(lines.count) of \(result.requestedSteps) steps; the model keeps the steps taken")
        }
        return MimeBundle(plain: lines.joined(separator: "\n"))
    }

    static func fullFineTuning(_ result: FullFineTuningResult) -> MimeBundle {
        MimeBundle(plain: "full fine-tuning of \(result.selected.count) matrices (\(UpdateDescriptions.kindsSummary(result.selected))): "
                   + "\(result.parameters.grouped) trainable parameters = \(UpdateDescriptions.percent(result.parameters, of: result.modelParameters)) of the model; "
                   + "W0 recorded, so svd/spectrum show ΔW = W − W0")
    }

    static func evaluation(_ report: EvaluationReport) -> MimeBundle {
        var table = ResultTable(["data", "source", "split", "loss", "± SE", "perplexity", "tokens", "sequences"],
                                numericColumns: [3, 4, 5, 6, 7])
        for entry in report.entries {
            let name = DataReports.roleName(entry.role)
            guard let result = entry.result else {
                table.append([name, entry.source, "—", "—", "—", "—", "0", "0"])
                continue
            }
            table.append([name, entry.source, result.split.description, String(format: "%.4f", result.loss),
                          result.standardError.map { String(format: "%.4f", $0) } ?? "—",
                          String(format: "%.2f", exp(result.loss)), result.tokens.grouped, result.sequences.grouped])
        }
        table.footer = "loss in nats per target token; SE over sequences (each row of seq tokens is one draw, its tokens being correlated)"
        return table.bundle
    }

    static func generation(_ result: GenerationResult) -> MimeBundle {
        MimeBundle(plain: result.continuation,
                   html: "<pre class=\"loralab-generation\"><span style=\"color:#888\">\(HTML.escape(result.prompt))</span><b>\(HTML.escape(result.continuation))</b></pre>")
    }
}

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
        let how = result.readFromCache ? (result.cacheNote ?? "read from the cache") : "in \(String(format: "%.1f", result.outcome.seconds)) s"
        var text = "\(what): \(losses.count) steps \(how), loss \(first) → \(last)"
        if !result.readFromCache, let note = result.cacheNote, !note.isEmpty { text += "; \(note)" }
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
        return MimeBundle(plain: ((result.cacheNote.map { ["(\($0))"] } ?? []) + lines).joined(separator: "\n"))
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
        guard let exactMatch = report.exactMatch else { return table.bundle }
        let matches = exactMatchTable(exactMatch)
        return MimeBundle(plain: table.plainText + "\n\n" + matches.plainText, html: table.html + "\n" + matches.html)
    }

    /// `eval match=true`'s second table: one row per split, seen then unseen.
    private static func exactMatchTable(_ entry: EvaluationReport.ExactMatchEntry) -> ResultTable {
        var table = ResultTable(["measure", "source", "fraction", "± SE", "correct", "n"], numericColumns: [2, 3, 4, 5])
        var tooLong = 0
        for (label, result) in [("exact match, seen phrasings (train)", entry.seen), ("exact match, unseen phrasings (held-out)", entry.unseen)] {
            guard let result else {
                table.append([label, entry.source, "—", "—", "0", "0"])
                continue
            }
            tooLong += result.tooLong
            table.append([label, entry.source, result.fraction.map { String(format: "%.4f", $0) } ?? "—",
                          result.standardError.map { String(format: "%.4f", $0) } ?? "—", result.correct.grouped, result.questions.grouped])
        }
        table.footer = "exact match = the share of questions whose whole answer (text and <|im_end|>) greedy decoding reproduces "
            + "from the prompt; SE = √(p(1−p)/n) over questions"
            + (tooLong > 0 ? "; \(tooLong.grouped) longer than the model's context not scored" : "")
        return table
    }

    static func generation(_ result: GenerationResult) -> MimeBundle {
        MimeBundle(plain: result.continuation,
                   html: "<pre class=\"loralab-generation\"><span style=\"color:#888\">\(HTML.escape(result.prompt))</span><b>\(HTML.escape(result.continuation))</b></pre>")
    }
}

import Foundation
import MiniMind

/// `compare`: trains LoRA with each selector from copies of the same base, with
/// the same seed and batches, and an equal trainable-parameter budget, then
/// tabulates losses. Leaves the session untouched.
struct StrategyComparison {
    struct Contender {
        var label: String
        var selector: TargetSelector
        var rank: Int
        var parametersPerRank: Int
    }

    let invocation: Invocation
    let state: SessionState

    func run(_ context: CommandContext) throws -> MimeBundle {
        let lab = try state.requireLab()
        let base = lab.model
        guard let data = state.finetuneData else {
            throw CommandFailure(.command, "no fine-tuning data: choose it with `data finetune builtin:identity`")
        }
        guard base.updatedLinears.isEmpty else {
            throw CommandFailure(.command, "compare starts from the base model; this one has adapters or fully tuned matrices (`lora detach` or `run load` a base)")
        }
        let contenders = try contenders(base)
        let steps = try invocation.requiredInteger("steps")
        let batch = try invocation.requiredInteger("batch")
        let seqLen = try TrainingRun.sequenceLength(invocation, model: base)
        let rate = Float(try invocation.requiredNumber("lr"))

        var table = ResultTable(["targets", "rank", "matrices", "params", "% of model", "final loss", "eval finetune", "eval pretrain"],
                                numericColumns: [1, 2, 3, 4, 5, 6, 7])
        var curves: [(name: String, losses: [Float])] = []
        for (index, contender) in contenders.enumerated() {
            let candidate = base.copy()
            let attached = try candidate.attachLoRA(contender.selector, config: LoRAConfig(rank: contender.rank), seed: state.seed)
            let trainer = Trainer(model: candidate, config: TrainingConfig(learningRate: rate, totalSteps: steps))
            let label = "\(contender.label) r=\(contender.rank)"
            var run = TrainingRun(trainer: trainer,
                                  sampler: try TrainingRun.sampler(for: data, batch: batch, seqLen: seqLen, seed: state.seed),
                                  steps: steps, label: label)
            let progress = ProgressDisplay(context: context, label: "compare \(index + 1)/\(contenders.count) \(label)", total: steps)
            progress.background = curves
            let outcome = try run.run(progress: progress, cancellation: context.cancellation)
            if let divergence = outcome.divergence {
                throw CommandFailure(.command, "\(label): " + divergence + "; the session is unchanged")
            }
            if let stopped = outcome.stopped {
                throw CommandFailure(.command, "\(label): \(stopped); the session is unchanged")
            }
            if outcome.interrupted {
                throw CommandFailure(.interrupted, "compare interrupted during \(label); the session is unchanged")
            }
            let losses = outcome.records.map(\.loss)
            curves.append((label, losses))
            let tail = losses.suffix(max(1, losses.count / 10))
            let finalLoss = tail.reduce(0, +) / Float(tail.count)
            let parameters = attached.reduce(0) { $0 + ($1.update?.parameterCount ?? 0) }
            let fineTuneEval = try Evaluation.loss(of: candidate, on: data, batch: batch, seqLen: seqLen, maxBatches: 4)
            let pretrainEval = try state.pretrainData.flatMap { try Evaluation.loss(of: candidate, on: $0, batch: batch, seqLen: seqLen, maxBatches: 4) }
            table.append([contender.label, String(contender.rank), String(attached.count), parameters.grouped,
                          UpdateDescriptions.percent(parameters, of: base.parameterCount), String(format: "%.4f", finalLoss),
                          fineTuneEval.map { String(format: "%.4f", $0.loss) } ?? "—",
                          pretrainEval.map { String(format: "%.4f", $0.loss) } ?? "—"])
        }
        let budget = try invocation.requiredText("budget")
        table.footer = "\(steps) steps each, lr \(Double(rate).formatted), batch \(batch)×\(seqLen), seed \(state.seed), budget=\(budget); "
            + "final loss = mean of the last 10% of steps"
        let chart = Figures.lossChart(title: "fine-tuning loss by targets", curves: curves)
        return table.bundle(with: chart)
    }

    /// The selectors with their ranks; for an equal budget each rank is the one
    /// whose parameter count comes closest to the first selector's.
    private func contenders(_ model: Model) throws(CommandFailure) -> [Contender] {
        let alternatives = try invocation.requiredAlternatives("targets")
        let location = invocation.location(of: "targets")
        var offset = 0
        var result: [Contender] = []
        for words in alternatives {
            let text = words.joined(separator: ",")
            let here = SourceLocation(line: location.line, column: location.column + offset, offset: location.offset + offset)
            let selector = try SelectorParsing.selector(words, layers: nil, model: model, at: here)
            let selected = model.selectedLinears(selector)
            guard !selected.isEmpty else {
                throw CommandFailure(.command, "targets '\(text)' selects no matrix of this model", at: here)
            }
            let perRank = selected.reduce(0) { $0 + $1.inFeatures + $1.outFeatures }
            result.append(Contender(label: text, selector: selector, rank: 0, parametersPerRank: perRank))
            offset += text.unicodeScalars.count + 1
        }
        let rank = try invocation.requiredInteger("rank")
        let equal = (try invocation.requiredText("budget")) == "equal"
        let budget = rank * (result.first?.parametersPerRank ?? 0)
        for index in result.indices {
            result[index].rank = equal && index > 0
                ? max(1, Int((Double(budget) / Double(result[index].parametersPerRank)).rounded()))
                : rank
        }
        return result
    }
}

import Foundation
import MiniMind

/// The words and tables of `lora`, `lora merge | unmerge | detach` and `show lora`.
enum AdapterReports {
    /// `merged 8 adapters into their weights (W += s·BA)`, naming DoRA's own rule when there are DoRA adapters.
    static func merged(_ result: MergeResult) -> MimeBundle {
        MimeBundle(plain: "merged \(result.adapters) adapters into their weights (\(rule(result, lora: "W += s·BA", dora: "W = m·(W + sBA)/‖W + sBA‖ per row")))")
    }

    static func unmerged(_ result: MergeResult) -> MimeBundle {
        MimeBundle(plain: "unmerged \(result.adapters) adapters (\(rule(result, lora: "W −= s·BA", dora: "W = W′·‖W + sBA‖/m − sBA per row")))")
    }

    private static func rule(_ result: MergeResult, lora: String, dora: String) -> String {
        switch result.dora {
        case 0: lora
        case result.adapters: "DoRA: " + dora
        default: "LoRA: \(lora); DoRA: \(dora)"
        }
    }

    static func attached(_ result: AttachResult) -> MimeBundle {
        MimeBundle(plain: "attached \(result.attached.count) \(result.config.dora ? "DoRA " : "")adapters (\(UpdateDescriptions.kindsSummary(result.attached))), "
                   + "rank \(result.config.rank), scale \(Double(result.scale).formatted): "
                   + "\(result.parameters.grouped) trainable parameters = \(UpdateDescriptions.percent(result.parameters, of: result.modelParameters)) of the model")
    }

    static func plan(_ plan: AdaptationPlan) -> MimeBundle {
        var table = ResultTable(["matrix", "shape", "square?", "adapt?", "why", "params"], numericColumns: [5])
        for entry in plan.entries {
            let linear = entry.linear
            let why = entry.reason.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? entry.reason
            table.append([MatrixNames.short(linear), MatrixNames.shape(linear), linear.isSquare ? "yes" : "no",
                          entry.selected ? "yes" : "no", why, entry.selected ? entry.parameters.grouped : ""])
        }
        table.footer = "dry run: targets=\(plan.selector.description) rank=\(plan.config.rank) would adapt \(plan.selectedCount) of \(plan.matrixCount) matrices, "
            + "\(plan.total.grouped) trainable parameters (\(UpdateDescriptions.percent(plan.total, of: plan.modelParameters)) of the model); nothing attached"
        return table.bundle
    }

    static func listing(_ listing: AdapterListing) -> MimeBundle {
        var table = ResultTable(["matrix", "shape", "rank", "alpha", "scale", "init", "params", "% of model", "merged"],
                                numericColumns: [2, 3, 4, 6, 7])
        var total = 0
        for linear in listing.adapted {
            guard let adapter = linear.update as? any LowRankFactors else { continue }
            total += adapter.parameterCount
            table.append([MatrixNames.short(linear), MatrixNames.shape(linear), String(adapter.rank),
                          Double(adapter.alpha).formatted, Double(adapter.scale).formatted,
                          UpdateDescriptions.initialization(adapter),
                          adapter.parameterCount.grouped, UpdateDescriptions.percent(adapter.parameterCount, of: listing.modelParameters),
                          adapter.isMerged ? "yes" : "no"])
        }
        table.footer = "\(listing.adapted.count) adapters, \(total.grouped) parameters = \(UpdateDescriptions.percent(total, of: listing.modelParameters)) of \(listing.modelParameters.grouped)"
            + (listing.adaptation.map { " (\($0))" } ?? "")
        return table.bundle
    }
}

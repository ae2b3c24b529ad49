import Foundation
import MiniMind

/// How tables and inspection name learned updates and parts of a model.
/// The only place the engine turns an update's kind into words.
enum UpdateDescriptions {
    /// "LoRA r=4", "DoRA r=4", "full".
    static func source(_ kind: LinearUpdateKind, rank: Int?) -> String {
        kind.rawValue + (rank.map { " r=\($0)" } ?? "")
    }

    /// The tag `show model` puts after "yes" in the trainable column.
    static func trainableTag(_ kind: LinearUpdateKind) -> String {
        kind.isAdapter ? " (adapter)" : " (full)"
    }

    /// The init cell of `show lora`: `peft`, `pissa rslora`, `peft dora`.
    static func initialization(_ update: any LinearUpdate) -> String {
        switch update {
        case let lora as LoRAAdapter: lora.initialization.rawValue + (lora.rsLoRA ? " rslora" : "")
        case let dora as DoRAAdapter: dora.initialization.rawValue + (dora.rsLoRA ? " rslora" : "") + " dora"
        default: "—"
        }
    }

    /// The line `inspect` shows for a matrix's update.
    static func inspection(_ update: (any LinearUpdate)?) -> String {
        switch update {
        case let lora as LoRAAdapter:
            "  adapter: rank \(lora.rank), alpha \(Double(lora.alpha).formatted), scale \(Double(lora.scale).formatted), init \(lora.initialization.rawValue)"
                + (lora.isMerged ? ", merged" : "") + ", \(lora.parameterCount.grouped) parameters"
        case let dora as DoRAAdapter:
            "  adapter: DoRA rank \(dora.rank), alpha \(Double(dora.alpha).formatted), scale \(Double(dora.scale).formatted), init \(dora.initialization.rawValue)"
                + (dora.isMerged ? ", merged" : "") + ", \(dora.parameterCount.grouped) parameters (A, B and a magnitude per output row)"
        case .some(let update) where update.kind == .full:
            "  fully fine-tuned (ΔW = W − W0 is tracked)"
        default:
            "  no adapter"
        }
    }

    /// "q_proj, o_proj × 4 layers"
    static func kindsSummary(_ linears: [Linear]) -> String {
        var kinds: [String] = []
        var layers: Set<Substring> = []
        for linear in linears {
            let parts = linear.name.split(separator: ".")
            if let kind = parts.last.map(String.init), !kinds.contains(kind) { kinds.append(kind) }
            if parts.count > 2 { layers.insert(parts[2]) }
        }
        return kinds.joined(separator: ", ") + " × \(layers.count) layer\(layers.count == 1 ? "" : "s")"
    }

    /// "1.23%" of the whole, or "—" for an empty whole.
    static func percent(_ part: Int, of whole: Int) -> String {
        guard whole > 0 else { return "—" }
        let value = 100 * Double(part) / Double(whole)
        return value >= 10 ? String(format: "%.1f%%", value) : String(format: "%.2f%%", value)
    }
}

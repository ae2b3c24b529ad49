import Analysis
import LinearAlgebra
import MiniMind

/// The learned update ΔW of one matrix and its SVD: s·BA for a LoRA adapter
/// (factored through QR, never formed), the dense ΔW otherwise (W − W0 for a
/// fully fine-tuned matrix, W' − W for DoRA, whose magnitude makes it full rank).
struct WeightUpdate {
    let linear: Linear
    let kind: LinearUpdateKind
    /// The update's nominal rank (an adapter's r); nil for full fine-tuning.
    let nominalRank: Int?
    let decomposition: SingularValueDecomposition
    private let learned: LearnedDelta
    /// W0: the weight before the update (a copy of the weight, formed on each use).
    var base: Matrix { learned.base }

    /// The update of `linear`, or nil when it has neither an adapter nor a recorded W0.
    static func of(_ linear: Linear) throws(CommandFailure) -> WeightUpdate? {
        guard let update = linear.update else { return nil }
        let learned = update.learnedDelta(weight: linear.weight)
        do {
            let decomposition = switch learned.form {
            case .lowRank(let b, let a, let scale): try lowRankSVD(a: a, b: b, scale: scale)
            case .dense(let delta): try SingularValueDecomposition(of: delta)
            }
            return WeightUpdate(linear: linear, kind: update.kind, nominalRank: update.nominalRank,
                                decomposition: decomposition, learned: learned)
        } catch {
            throw CommandFailure(.command, "cannot decompose the update of \(linear.name): \(error)")
        }
    }

    /// Like `of`, but an untouched matrix is an error that says what to do.
    static func require(_ linear: Linear, at location: SourceLocation) throws(CommandFailure) -> WeightUpdate {
        guard let update = try of(linear) else {
            throw CommandFailure(.command, "\(MatrixNames.short(linear)) has no learned update: attach an adapter (`lora`) or fine-tune it (`finetune`)",
                                 at: location)
        }
        return update
    }

    /// Every matrix of the model with an update, in model order.
    static func all(in model: Model) throws(CommandFailure) -> [WeightUpdate] {
        var updates: [WeightUpdate] = []
        for linear in model.linears {
            if let update = try of(linear) { updates.append(update) }
        }
        return updates
    }

    var tuned: Matrix { base + decomposition.reconstructed() }

    var statistics: SpectrumStatistics { SpectrumStatistics(singularValues: decomposition.singularValues) }

    /// The rank to measure energy in: the adapter's, else `fallback`.
    func rank(or fallback: Int) -> Int { nominalRank ?? fallback }

    var sourceDescription: String { UpdateDescriptions.source(kind, rank: nominalRank) }
}

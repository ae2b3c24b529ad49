import Analysis
import LinearAlgebra
import MiniMind

/// The learned update ΔW of one matrix and its SVD: s·BA for an adapter
/// (factored through QR, never formed), W − W0 for a fully fine-tuned matrix.
struct WeightUpdate {
    enum Source {
        case adapter(rank: Int)
        case fullFineTuning
    }

    let linear: Linear
    let source: Source
    let decomposition: SingularValueDecomposition
    /// W0: the weight before the update.
    let base: Matrix

    /// The update of `linear`, or nil when it has neither an adapter nor a recorded W0.
    static func of(_ linear: Linear) throws(CommandFailure) -> WeightUpdate? {
        do {
            if let adapter = linear.adapter {
                let decomposition = try lowRankSVD(a: adapter.a.matrix, b: adapter.b.matrix, scale: adapter.scale)
                let weight = linear.weight.matrix
                let base = adapter.isMerged ? weight - adapter.delta : weight
                return WeightUpdate(linear: linear, source: .adapter(rank: adapter.rank), decomposition: decomposition, base: base)
            }
            if let reference = linear.referenceWeight {
                let decomposition = try SingularValueDecomposition(of: linear.weight.matrix - reference)
                return WeightUpdate(linear: linear, source: .fullFineTuning, decomposition: decomposition, base: reference)
            }
            return nil
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
    func rank(or fallback: Int) -> Int {
        if case .adapter(let rank) = source { return rank }
        return fallback
    }

    var sourceDescription: String {
        switch source {
        case .adapter(let rank): "LoRA r=\(rank)"
        case .fullFineTuning: "full"
        }
    }
}

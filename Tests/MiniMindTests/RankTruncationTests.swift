import LinearAlgebra
import MiniMind
import Testing

/// `FullFineTuning.truncation` / `apply`: ΔW = W − W₀ replaced by its best
/// rank-r approximation, W₀ untouched.
@Suite struct RankTruncationTests {
    /// A fully fine-tuned 24 × 16 layer whose ΔW is a dense random matrix (full rank).
    private func tunedLayer(seed: UInt64) -> (linear: Linear, tuning: FullFineTuning, base: Matrix, delta: Matrix) {
        var rng = SeededGenerator(seed: seed)
        let linear = Linear(name: "model.layers.0.mlp.up_proj", inFeatures: 16, outFeatures: 24)
        let base = rng.normalMatrix(rows: 24, cols: 16, std: 0.2)
        let delta = rng.normalMatrix(rows: 24, cols: 16, std: 0.05)
        linear.weight.matrix = base
        let tuning = FullFineTuning(reference: base)
        linear.update = tuning
        linear.weight.matrix = base + delta
        return (linear, tuning, base, delta)
    }

    @Test func fullRankLeavesTheWeightAsItWas() throws {
        let layer = tunedLayer(seed: 1)
        let before = layer.linear.weight.matrix
        let plan = try layer.tuning.truncation(of: layer.linear.weight, rank: 16)
        #expect(plan.rank == 16)
        #expect(plan.discardedNorm == 0)
        layer.tuning.apply(plan, to: layer.linear.weight)
        #expect(layer.linear.weight.matrix.maxAbsDifference(before) <= 1e-5)
        // A rank beyond min(out, in) is the same as min(out, in).
        #expect(try layer.tuning.truncation(of: layer.linear.weight, rank: 40).rank == 16)
    }

    @Test(arguments: [1, 3, 8])
    func theErrorIsTheTailOfTheSpectrum(rank: Int) throws {
        let layer = tunedLayer(seed: 2)
        let sigma = try SingularValueDecomposition.singularValues(of: layer.delta)
        let plan = try layer.tuning.truncation(of: layer.linear.weight, rank: rank)
        // Writes nothing until applied.
        #expect(layer.linear.weight.matrix.maxAbsDifference(layer.base + layer.delta) == 0)
        layer.tuning.apply(plan, to: layer.linear.weight)

        let truncated = layer.linear.weight.matrix - layer.base
        let tail = sigma.dropFirst(rank).reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        let error = Double((layer.delta - truncated).frobeniusNorm)
        // Eckart–Young: the error of the best rank-r approximation is √(Σ_{i>r} σᵢ²).
        #expect(abs(error - tail) < 1e-4 * tail + 1e-6, "error \(error), tail \(tail)")
        #expect(abs(Double(plan.discardedNorm) - tail) < 1e-4 * tail + 1e-6)
        // The new ΔW has rank r and keeps the top r singular values.
        let kept = try SingularValueDecomposition.singularValues(of: truncated)
        for i in 0..<rank { #expect(abs(kept[i] - sigma[i]) < 1e-4 * sigma[0]) }
        for i in rank..<kept.count { #expect(kept[i] < 1e-4 * sigma[0]) }
        // W₀ is what ΔW is still measured from.
        #expect(layer.tuning.reference.maxAbsDifference(layer.base) == 0)
    }

    @Test func noOtherRankRMatrixIsCloser() throws {
        // Eckart–Young's other half: a rank-r matrix built another way (ΔW
        // projected onto random r-dimensional column spaces) is never closer.
        let layer = tunedLayer(seed: 3)
        let plan = try layer.tuning.truncation(of: layer.linear.weight, rank: 4)
        var rng = SeededGenerator(seed: 4)
        for _ in 0..<8 {
            let q = try QRDecomposition(of: rng.normalMatrix(rows: 24, cols: 4, std: 1)).q
            let projected = matmul(q, matmul(q, layer.delta, transposeA: true))
            #expect((layer.delta - projected).frobeniusNorm >= plan.discardedNorm)
        }
    }
}

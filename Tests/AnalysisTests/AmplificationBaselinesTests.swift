import Testing
import LinearAlgebra
import Analysis

@Suite struct AmplificationBaselinesTests {
    /// A random 64 × 48 W and a random rank-4 ΔW drawn independently of it.
    private func randomPair(seed: UInt64) throws -> (base: Matrix, update: Matrix) {
        var rng = SeededGenerator(seed: seed)
        let base = rng.normalMatrix(rows: 64, cols: 48, std: 1)
        let update = matmul(rng.normalMatrix(rows: 64, cols: 4, std: 1), rng.normalMatrix(rows: 4, cols: 48, std: 1))
        return (base, update)
    }

    @Test func aRandomUpdateIsAmplifiedAboutAsMuchAsARandomSubspace() throws {
        let (base, update) = try randomPair(seed: 81)
        let report = try AmplificationBaselines(
            base: base, baseDecomposition: try SingularValueDecomposition(of: base),
            update: try SingularValueDecomposition(of: update), rank: 4, randomDraws: 64, seed: 5)
        // E‖UᵀWV‖²_F = (r/out)(r/in)‖W‖²_F for Haar U, V.
        let expectedRandom = 4 * base.frobeniusNorm / Float(64 * 48).squareRoot()
        #expect(abs(report.alongRandom - expectedRandom) < 0.15 * expectedRandom)
        // An update unrelated to W sees W like a random subspace does…
        #expect(report.alongUpdate > 0.5 * report.alongRandom && report.alongUpdate < 2 * report.alongRandom)
        // …and far less of it than W's own top four directions hold.
        #expect(report.alongBaseTop > 2 * report.alongRandom)
        #expect(report.randomDraws == 64)
        #expect(abs(report.factor - report.updateNorm / report.alongUpdate) < 1e-4 * report.factor)
    }

    @Test func theTopDirectionBaselineIsTheEnergyOfWsTopR() throws {
        let (base, _) = try randomPair(seed: 82)
        let baseSVD = try SingularValueDecomposition(of: base)
        // An update along W's own top three directions: the two projections coincide.
        let alongTop = baseSVD.reconstructed(rank: 3)
        let report = try AmplificationBaselines(base: base, baseDecomposition: baseSVD,
                                                update: try SingularValueDecomposition(of: alongTop), rank: 3)
        let topThree = baseSVD.singularValues.prefix(3).reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(report.alongBaseTop - topThree) < 1e-4 * topThree)
        #expect(abs(report.alongUpdate - report.alongBaseTop) < 1e-3 * topThree)
        #expect(report.factor < 1.01)  // ‖ΔW‖ equals ‖UᵀWV‖ here
    }

    @Test func theSameSeedGivesTheSameRandomBaseline() throws {
        let (base, update) = try randomPair(seed: 83)
        let baseSVD = try SingularValueDecomposition(of: base), updateSVD = try SingularValueDecomposition(of: update)
        let first = try AmplificationBaselines(base: base, baseDecomposition: baseSVD, update: updateSVD, rank: 2, seed: 9)
        let again = try AmplificationBaselines(base: base, baseDecomposition: baseSVD, update: updateSVD, rank: 2, seed: 9)
        let other = try AmplificationBaselines(base: base, baseDecomposition: baseSVD, update: updateSVD, rank: 2, seed: 10)
        #expect(first == again)
        #expect(first.alongRandom != other.alongRandom)
    }

    @Test func badArgumentsAreRefused() throws {
        let (base, update) = try randomPair(seed: 84)
        let baseSVD = try SingularValueDecomposition(of: base), updateSVD = try SingularValueDecomposition(of: update)
        #expect(throws: AnalysisError.self) {
            try AmplificationBaselines(base: base, baseDecomposition: baseSVD, update: updateSVD, rank: 2, randomDraws: 0)
        }
        #expect(throws: AnalysisError.self) {
            try AmplificationBaselines(base: base.transposed(), baseDecomposition: baseSVD, update: updateSVD, rank: 2)
        }
    }

    /// ΔW drawn independently of W is, for W, just a random pair of subspaces:
    /// over many such updates ‖UᵀWV‖_F has the random baseline's mean and spread.
    @Test func randomUpdatesMatchTheRandomBaselineInMeanAndSpread() throws {
        var rng = SeededGenerator(seed: 85)
        let base = rng.normalMatrix(rows: 48, cols: 40, std: 1)
        let baseSVD = try SingularValueDecomposition(of: base)
        var alongUpdates: [Float] = []
        var report: AmplificationBaselines?
        for _ in 0..<24 {
            let update = matmul(rng.normalMatrix(rows: 48, cols: 3, std: 1), rng.normalMatrix(rows: 3, cols: 40, std: 1))
            report = try AmplificationBaselines(base: base, baseDecomposition: baseSVD,
                                                update: try SingularValueDecomposition(of: update), rank: 3, randomDraws: 64, seed: 6)
            alongUpdates.append(report!.alongUpdate)
        }
        let baseline = try #require(report)
        let deviation = try #require(baseline.alongRandomDeviation)
        let updates = try SampleSummary(alongUpdates)
        // Both means estimate one quantity: 4 standard errors of their difference.
        let tolerance = 4 * Double(deviation) * (1 / 24.0 + 1 / 64.0).squareRoot()
        #expect(abs(updates.mean - Double(baseline.alongRandom)) < tolerance,
                "updates \(updates.mean), random \(baseline.alongRandom) ± \(deviation)")
        // The spreads agree within a factor 2 (sample sds of 24 and 64 values).
        let spread = try #require(updates.standardDeviation)
        #expect(spread > 0.5 * Double(deviation) && spread < 2 * Double(deviation))
    }

    @Test func oneDrawHasNoSpread() throws {
        let (base, update) = try randomPair(seed: 86)
        let report = try AmplificationBaselines(base: base, baseDecomposition: try SingularValueDecomposition(of: base),
                                                update: try SingularValueDecomposition(of: update), rank: 2, randomDraws: 1)
        #expect(report.alongRandomDeviation == nil)
        #expect(report.alongRandom > 0)
    }
}

import Testing
import LinearAlgebra
import Analysis

@Suite struct SpectrumStatisticsTests {
    @Test func handComputedValues() {
        // σ = (3, 2, 1): p = (1/2, 1/3, 1/6), H = ln 2/2 + ln 3/3 + ln 6/6, erank = e^H ≈ 2.749459.
        let stats = SpectrumStatistics(singularValues: [1, 3, 2])
        #expect(stats.singularValues == [3, 2, 1])
        #expect(abs(stats.effectiveRank - 2.749459) < 1e-5)
        #expect(abs(stats.stableRank - 14.0 / 9.0) < 1e-6)         // (9 + 4 + 1) / 9
        #expect(abs(stats.energy(inTop: 1) - 9.0 / 14.0) < 1e-6)
        #expect(abs(stats.energy(inTop: 2) - 13.0 / 14.0) < 1e-6)
        #expect(stats.energy(inTop: 3) == 1 && stats.energy(inTop: 99) == 1 && stats.energy(inTop: 0) == 0)
        #expect(abs(stats.frobeniusNorm - Float(14).squareRoot()) < 1e-6)
        #expect(stats.spectralNorm == 3)
        #expect(stats.rank(capturingEnergy: 0.9) == 2)
        #expect(stats.rank(capturingEnergy: 0.5) == 1)
    }

    @Test func extremesOfEffectiveAndStableRank() {
        let flat = SpectrumStatistics(singularValues: [2, 2, 2, 2])
        #expect(abs(flat.effectiveRank - 4) < 1e-5 && abs(flat.stableRank - 4) < 1e-6)
        let rankOne = SpectrumStatistics(singularValues: [5, 0, 0])
        #expect(rankOne.effectiveRank == 1 && rankOne.stableRank == 1)
        // Scale-invariant: a multiple of a spectrum has the same ranks and energies.
        let base = SpectrumStatistics(singularValues: [7, 3, 0.5])
        let scaled = SpectrumStatistics(singularValues: [70, 30, 5])
        #expect(abs(base.effectiveRank - scaled.effectiveRank) < 1e-5)
        #expect(abs(base.stableRank - scaled.stableRank) < 1e-5)
        #expect(abs(base.energy(inTop: 1) - scaled.energy(inTop: 1)) < 1e-6)
    }

    @Test func zeroSpectrumGivesZerosNotNaN() {
        let zero = SpectrumStatistics(singularValues: [0, 0, 0])
        #expect(zero.effectiveRank == 0 && zero.stableRank == 0 && zero.frobeniusNorm == 0)
        #expect(zero.energy(inTop: 2) == 0 && zero.rank(capturingEnergy: 0.9) == 0)
        #expect(SpectrumStatistics(singularValues: []).effectiveRank == 0)
    }

    @Test func normsAgreeWithTheMatrixItself() throws {
        var rng = SeededGenerator(seed: 41)
        let update = rng.normalMatrix(rows: 20, cols: 12, std: 1)
        let stats = SpectrumStatistics(singularValues: try SingularValueDecomposition.singularValues(of: update))
        #expect(abs(stats.frobeniusNorm - update.frobeniusNorm) < 1e-5 * update.frobeniusNorm)
        let normSquared = update.frobeniusNorm * update.frobeniusNorm
        #expect(abs(stats.stableRank - normSquared / (stats.spectralNorm * stats.spectralNorm)) < 1e-4)
        #expect(stats.effectiveRank > 1 && stats.effectiveRank <= 12)
        #expect(zip(stats.cumulativeEnergy, stats.cumulativeEnergy.dropFirst()).allSatisfy { $0 <= $1 })
    }
}

import Testing
import LinearAlgebra
import Analysis

@Suite struct IntruderDimensionsTests {
    /// A 48 × 40 base with a decaying, well-separated spectrum σᵢ = 10 · 0.85ⁱ.
    private func makeBase(rng: inout SeededGenerator) throws -> (base: Matrix, left: Matrix, right: Matrix) {
        let left = try randomOrthonormalColumns(rows: 48, cols: 40, rng: &rng)
        let right = try randomOrthonormalColumns(rows: 40, cols: 40, rng: &rng)
        var values: [Float] = []
        var sigma: Float = 10
        for _ in 0..<40 { values.append(sigma); sigma *= 0.85 }
        return (matrix(left: left, values: values, right: right), left, right)
    }

    @Test func aPlantedDirectionBuiltFromTheWeakestBaseDirectionsIsFound() throws {
        var rng = SeededGenerator(seed: 71)
        let (base, left, _) = try makeBase(rng: &rng)
        // u = equal mix of W₀'s 16 weakest left singular vectors: |cos| with each is 1/4.
        var direction = Matrix(rows: 48, cols: 1)
        for r in 0..<48 { for c in 24..<40 { direction[r, 0] += left[r, c] / 4 } }
        var readout = rng.normalMatrix(rows: 40, cols: 1, std: 1)
        readout = (1 / readout.frobeniusNorm) * readout
        let tuned = base + matmul(30 * direction, readout, transposeB: true)

        let report = try IntruderDimensionReport(base: base, tuned: tuned, topK: 10, threshold: 0.5)
        #expect(report.dimensions.count == 10)
        #expect(report.intruderCount == 1)
        let intruder = try #require(report.intruders.first)
        #expect(intruder.index == 0)  // σ ≈ 30 dominates W₀'s σ₁ = 10
        #expect(intruder.singularValue > 25)
        #expect(intruder.maxCosine < 0.35)
        #expect(intruder.closestBaseIndex >= 24)
        // The other nine are W₀'s own top directions, shifted by one place.
        for dimension in report.dimensions.dropFirst() { #expect(dimension.maxCosine > 0.9) }
    }

    @Test func aRandomHighDimensionalDirectionIsFound() throws {
        var rng = SeededGenerator(seed: 72)
        let base = rng.normalMatrix(rows: 160, cols: 128, std: 0.05)  // σ₁ ≈ 0.05 · (√160 + √128) ≈ 1.2
        var direction = rng.normalMatrix(rows: 160, cols: 1, std: 1)
        direction = (1 / direction.frobeniusNorm) * direction
        var readout = rng.normalMatrix(rows: 128, cols: 1, std: 1)
        readout = (1 / readout.frobeniusNorm) * readout
        let tuned = base + matmul(5 * direction, readout, transposeB: true)
        let report = try IntruderDimensionReport(base: base, tuned: tuned, topK: 5, threshold: 0.5)
        #expect(report.dimensions[0].isIntruder)
        #expect(report.dimensions[0].singularValue > 4)
    }

    @Test func aSmallFullRankPerturbationHasNoIntruders() throws {
        var rng = SeededGenerator(seed: 73)
        let (base, _, _) = try makeBase(rng: &rng)
        let tuned = base + rng.normalMatrix(rows: 48, cols: 40, std: 0.002)
        let baseSVD = try SingularValueDecomposition(of: base)
        let report = try IntruderDimensionReport(base: baseSVD, tuned: tuned, topK: 10, threshold: 0.5)
        #expect(report.intruderCount == 0)
        for dimension in report.dimensions {
            #expect(dimension.maxCosine > 0.95)
            #expect(dimension.closestBaseIndex == dimension.index)
        }
    }

    @Test func badArgumentsGetClearErrors() throws {
        let base = Matrix.identity(4)
        #expect(throws: AnalysisError.self) { try IntruderDimensionReport(base: base, tuned: Matrix.identity(5)) }
        #expect(throws: AnalysisError.self) { try IntruderDimensionReport(base: base, tuned: base, topK: 0) }
        #expect(throws: AnalysisError.self) { try IntruderDimensionReport(base: base, tuned: base, threshold: 1.5) }
        // topK beyond the spectrum is capped rather than rejected.
        #expect(try IntruderDimensionReport(base: base, tuned: 2 * base, topK: 50).dimensions.count == 4)
    }
}

@Suite struct IntruderThresholdSweepTests {
    @Test func countsGrowWithEpsilonAndAgreeWithAReportAtEachThreshold() throws {
        var rng = SeededGenerator(seed: 75)
        let base = rng.normalMatrix(rows: 40, cols: 32, std: 0.1)
        let tuned = base + matmul(rng.normalMatrix(rows: 40, cols: 2, std: 0.5), rng.normalMatrix(rows: 2, cols: 32, std: 0.5))
        let thresholds: [Float] = [0, 0.2, 0.4, 0.6, 0.8, 1]
        let report = try IntruderDimensionReport(base: base, tuned: tuned, topK: 12)
        let sweep = try report.intruderCounts(thresholds: thresholds)
        #expect(sweep.map(\.threshold) == thresholds)
        #expect(sweep.first?.count == 0)
        for (earlier, later) in zip(sweep, sweep.dropFirst()) { #expect(earlier.count <= later.count) }
        for (threshold, count) in sweep {
            let single = try IntruderDimensionReport(base: base, tuned: tuned, topK: 12, threshold: threshold)
            #expect(single.intruderCount == count)
        }
        #expect(throws: AnalysisError.self) { try report.intruderCounts(thresholds: [0.5, 1.5]) }
    }
}

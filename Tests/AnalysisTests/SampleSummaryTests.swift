import Testing
import Analysis

@Suite struct SampleSummaryTests {
    @Test func plantedValuesGiveTheirKnownMeanDeviationAndError() throws {
        let summary = try SampleSummary([1.0, 2, 3, 4, 5])
        #expect(summary.count == 5)
        #expect(summary.mean == 3)
        // Σ (x − 3)² = 10, s² = 10 / 4.
        let deviation = try #require(summary.standardDeviation)
        #expect(abs(deviation - 2.5.squareRoot()) < 1e-12)
        let error = try #require(summary.standardError)
        #expect(abs(error - 0.5.squareRoot()) < 1e-12)
        // t₀.₉₇₅ with 4 degrees of freedom is 2.776.
        let halfWidth = try #require(summary.confidenceHalfWidth95)
        #expect(abs(halfWidth - 2.776 * 0.5.squareRoot()) < 1e-9)
        #expect(summary.minimum == 1 && summary.maximum == 5)
    }

    @Test func aConstantSampleHasNoSpread() throws {
        let summary = try SampleSummary([Float](repeating: 0.25, count: 3))
        #expect(summary.mean == 0.25)
        #expect(summary.standardDeviation == 0)
        #expect(summary.standardError == 0)
    }

    @Test func oneValueHasAMeanButNoEstimateOfSpread() throws {
        let summary = try SampleSummary([4.5])
        #expect(summary.mean == 4.5)
        #expect(summary.standardDeviation == nil)
        #expect(summary.standardError == nil)
        #expect(summary.confidenceHalfWidth95 == nil)
    }

    @Test func emptyOrNonFiniteSamplesAreRefused() {
        #expect(throws: AnalysisError.self) { try SampleSummary([Double]()) }
        #expect(throws: AnalysisError.self) { try SampleSummary([1.0, .nan]) }
        #expect(throws: AnalysisError.self) { try SampleSummary([Float.infinity]) }
    }

    @Test func largeSamplesUseTheNormalQuantile() throws {
        let values = (0..<40).map { Double($0 % 2) }  // 20 zeros, 20 ones
        let summary = try SampleSummary(values)
        let error = try #require(summary.standardError)
        #expect(abs(try #require(summary.confidenceHalfWidth95) - 1.96 * error) < 1e-12)
    }
}

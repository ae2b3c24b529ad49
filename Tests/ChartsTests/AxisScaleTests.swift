import Testing
import Charts

/// A small deterministic generator so the property checks below are reproducible.
struct TestGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
}

@Suite struct AxisScaleTests {
    /// Whether `step` is 1, 2 or 5 × 10^k.
    func isNiceStep(_ step: Double) -> Bool {
        var mantissa = step
        while mantissa >= 10 { mantissa /= 10 }
        while mantissa < 1 { mantissa *= 10 }
        return [1.0, 2, 5, 10].contains { abs(mantissa - $0) < 1e-9 }
    }

    @Test func linearTicksAreNiceEvenlySpacedAndCoverTheData() {
        var generator = TestGenerator(seed: 7)
        for _ in 0..<500 {
            let magnitude = [1e-4, 0.1, 1, 37, 1e5][Int(generator.next() * 5)]
            let a = (generator.next() - 0.5) * magnitude, b = (generator.next() - 0.3) * magnitude
            let values = [a, b, (a + b) / 2]
            let scale = AxisScale.linear(covering: values)
            #expect(isNiceStep(scale.step), "step \(scale.step) for \(values)")
            #expect(scale.lower <= values.min()! && scale.upper >= values.max()!)
            #expect(scale.ticks.first == scale.lower && scale.ticks.last == scale.upper)
            #expect((3...12).contains(scale.ticks.count), "\(scale.ticks.count) ticks for \(values)")
            for (left, right) in zip(scale.ticks, scale.ticks.dropFirst()) {
                #expect(abs((right - left) - scale.step) <= scale.step * 1e-9)
            }
            // Each tick is a whole multiple of the step (so labels are short).
            for tick in scale.ticks {
                let ratio = tick / scale.step
                #expect(abs(ratio - ratio.rounded()) < 1e-9)
            }
        }
    }

    @Test func linearTickLabelsAreShort() {
        let scale = AxisScale.linear(covering: [0, 0.7])
        #expect(scale.ticks.map(scale.label) == ["0", "0.2", "0.4", "0.6", "0.8"])
        let fine = AxisScale.linear(covering: [0.1, 0.35])
        #expect(fine.ticks.map(fine.label) == ["0.1", "0.15", "0.2", "0.25", "0.3", "0.35"])
    }

    @Test func constantDataStillGetsARange() {
        let scale = AxisScale.linear(covering: [2.31, 2.31])
        #expect(scale.lower < 2.31 && scale.upper > 2.31)
        let zero = AxisScale.linear(covering: [0])
        #expect(zero.lower < 0 && zero.upper > 0)
    }

    @Test func logarithmicTicksArePowersOfTenCoveringTheData() {
        let values = [3.2e-5, 0.004, 1.7, 42]
        let scale = AxisScale.logarithmic(covering: values)
        #expect(scale.lower <= 3.2e-5 && scale.upper >= 42)
        // The ends snap to the 1-2-5 sequence (2e-5 and 50); labelled ticks are the powers of ten inside.
        #expect(scale.lower == 2e-5 && scale.upper == 50)
        #expect(scale.ticks == [1e-4, 1e-3, 1e-2, 0.1, 1, 10])
        #expect(scale.ticks.map(scale.label) == ["1e-4", "1e-3", "0.01", "0.1", "1", "10"])
        #expect(scale.minorTicks.allSatisfy { $0 >= scale.lower && $0 <= scale.upper })
    }

    @Test func logarithmicAxisWithinOneDecadeUsesOneTwoFive() {
        let scale = AxisScale.logarithmic(covering: [1.3, 7])
        #expect(scale.lower == 1 && scale.upper == 10)
        #expect(scale.ticks == [1, 2, 5, 10])
        let twoDecades = AxisScale.logarithmic(covering: [0.3, 8])
        #expect(twoDecades.ticks == [0.2, 0.5, 1, 2, 5, 10])
        let narrow = AxisScale.logarithmic(covering: [2.2, 4.6])
        #expect(narrow.lower == 2 && narrow.upper == 5)
        #expect(narrow.ticks == [2, 3, 4, 5])
    }

    @Test func logarithmicAxisIgnoresNonPositiveAndNonFinite() {
        let scale = AxisScale.logarithmic(covering: [0, -3, .nan, .infinity, 0.5, 20])
        #expect(scale.lower <= 0.5 && scale.upper >= 20)
        #expect(scale.ticks.allSatisfy { $0 > 0 && $0.isFinite })
    }
}

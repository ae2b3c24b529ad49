import Foundation
import LinearAlgebra
import Testing

@Suite struct VectorMathTests {
    @Test func exponentialMatchesTheCLibraryAcrossTheRange() {
        // Results below Float's smallest normal (e^-87.3) are subnormal and lose
        // relative precision by design; softmax never needs them.
        var worst: Float = 0
        var x: Float = -85
        while x < 87.9 {
            var lanes = VectorMath.Vector()
            for j in 0..<8 { lanes[j] = x + Float(j) * 0.0013 }
            let e = VectorMath.exp(lanes)
            for j in 0..<8 {
                let reference = Foundation.exp(Double(lanes[j]))
                worst = max(worst, Float(abs(Double(e[j]) - reference) / reference))
            }
            x += 0.0137
        }
        #expect(worst < 2e-7, "worst relative error \(worst)")
        #expect(VectorMath.exp(0) == 1)
        #expect(VectorMath.exp(-1000) < 1e-37 && VectorMath.exp(-1000) >= 0)
        #expect(VectorMath.exp(1000).isFinite)
    }

    @Test func rowHelpersAgreeWithScalarLoops() {
        for count in [1, 7, 8, 9, 259] {
            let values = (0..<count).map { Float(sin(Double($0) * 1.7)) * 5 }
            var row = values
            let maximum = row.withUnsafeBufferPointer { VectorMath.maximum($0.baseAddress!, count: count) }
            #expect(maximum == values.max())
            let sum = row.withUnsafeBufferPointer { VectorMath.sumOfExponentials($0.baseAddress!, count: count, subtracting: maximum) }
            let total = row.withUnsafeMutableBufferPointer { VectorMath.exponentiateInPlace($0.baseAddress!, count: count, subtracting: maximum) }
            let expected = values.reduce(0.0) { $0 + Foundation.exp(Double($1 - maximum)) }
            #expect(abs(Double(total) - expected) / expected < 1e-6)
            #expect(total == sum)
            row.withUnsafeMutableBufferPointer { VectorMath.scaleInPlace($0.baseAddress!, count: count, by: 1 / total) }
            #expect(abs(row.reduce(0, +) - 1) < 1e-5)
        }
    }
}

import Foundation
import LinearAlgebra
@testable import MiniMind
import Testing

/// AdamW splits a tensor of more than one block across the cores. The split
/// must not change a bit (the run cache holds results of the unsplit step),
/// and a value out of range in any block must refuse the whole step.
@Suite struct AdamWBlockSplitTests {
    /// Three and a half blocks: a split, and a last block shorter than the rest.
    static let rows = 7, cols = AdamW.blockLength / 2

    static func parameter(seed: UInt64) -> Parameter {
        var generator = SeededGenerator(seed: seed)
        let p = Parameter(name: "w", matrix: generator.normalMatrix(rows: rows, cols: cols, std: 0.1), requiresGrad: true)
        for i in 0..<p.count { p.gradient![i] = generator.normal(mean: 0, std: 1) }
        return p
    }

    @Test func aSplitTensorGetsTheFormulaBitForBit() {
        #expect(Self.rows * Self.cols > 3 * AdamW.blockLength, "the tensor must span several blocks")
        let p = Self.parameter(seed: 1)
        var w = p.value.array, m = [Float](repeating: 0, count: p.count), v = m
        let g = p.gradient!.array
        let optimizer = AdamW(weightDecay: 0.1)
        let (beta1, beta2, epsilon): (Float, Float, Float) = (0.9, 0.999, 1e-8)
        for step in 1...3 {
            let rate: Float = 1e-2, scale: Float = 0.5
            #expect(optimizer.step([p], learningRate: rate, gradientScale: scale) == nil)
            let c1 = 1 - pow(beta1, Float(step)), c2 = 1 - pow(beta2, Float(step))
            for i in 0..<w.count {
                let gi = g[i] * scale
                m[i] = beta1 * m[i] + (1 - beta1) * gi
                v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
                let update = (m[i] / c1) / ((v[i] / c2).squareRoot() + epsilon)
                w[i] = w[i] - rate * (update + 0.1 * w[i])
            }
            #expect(p.value.array == w, "weights after step \(step)")
            let moments = optimizer.moments(of: p)
            #expect(moments?.first == m && moments?.second == v, "moments after step \(step)")
        }
    }

    @Test func aValueOutOfRangeInTheLastBlockRefusesTheStep() {
        let p = Self.parameter(seed: 2), other = Self.parameter(seed: 3)
        let optimizer = AdamW()
        #expect(optimizer.step([other, p], learningRate: 1e-3) == nil)
        let before = (p.value.array, other.value.array, optimizer.moments(of: p)!, optimizer.moments(of: other)!)
        // Only the last value of p is beyond the limit, and a step of 1e-2 cannot bring it back.
        let limit: Float = 10
        p.modifyValues { $0[p.count - 1] = 2 * limit }
        let pBefore = p.value.array
        #expect(optimizer.step([other, p], learningRate: 1e-2, limit: limit) === p)
        #expect(p.value.array == pBefore && other.value.array == before.1)
        #expect(optimizer.moments(of: p)!.first == before.2.first && optimizer.moments(of: other)!.second == before.3.second)
        #expect(optimizer.stepCount == 1)
    }
}

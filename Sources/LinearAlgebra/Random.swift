/// A seeded pseudo-random generator: one seed gives the same numbers on every
/// run and every machine.
///
/// The stream is xoshiro256** (Blackman & Vigna), its 256-bit state filled from
/// the 64-bit seed by SplitMix64 as its authors recommend. `uniform()` takes
/// the top 24 bits of a draw, so it returns exactly representable floats in
/// [0, 1). `normal()` uses the Box–Muller transform in Double and caches the
/// second variate.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    private var spareNormal: Double?

    public init(seed: UInt64) {
        var sm = seed
        func splitMix() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * uniform() }

    /// Standard normal (mean 0, deviation 1).
    public mutating func normal() -> Float {
        if let spare = spareNormal { spareNormal = nil; return Float(spare) }
        // u1 in (0, 1] so that log(u1) is finite.
        let u1 = (Double(next() >> 11) + 1) * (1.0 / 9_007_199_254_740_992.0)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let radius = (-2 * log(u1)).squareRoot()
        spareNormal = radius * sin(2 * Double.pi * u2)
        return Float(radius * cos(2 * Double.pi * u2))
    }

    public mutating func normal(mean: Float, std: Float) -> Float { mean + std * normal() }

    /// An integer uniform in 0..<bound (Lemire's unbiased method via the standard library).
    public mutating func index(below bound: Int) -> Int { Int.random(in: 0..<bound, using: &self) }

    /// A matrix of independent N(mean, std²) entries.
    public mutating func normalMatrix(rows: Int, cols: Int, mean: Float = 0, std: Float) -> Matrix {
        var m = Matrix(rows: rows, cols: cols)
        for i in 0..<m.values.count { m.values[i] = normal(mean: mean, std: std) }
        return m
    }

    /// A matrix of independent U[low, high) entries.
    public mutating func uniformMatrix(rows: Int, cols: Int, low: Float, high: Float) -> Matrix {
        var m = Matrix(rows: rows, cols: cols)
        for i in 0..<m.values.count { m.values[i] = uniform(low, high) }
        return m
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

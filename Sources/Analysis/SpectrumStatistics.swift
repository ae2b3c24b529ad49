import LinearAlgebra
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Summary numbers of a singular value spectrum σ₁ ≥ σ₂ ≥ … ≥ σ_k ≥ 0,
/// typically of a weight update ΔW.
///
/// - Frobenius norm: ‖ΔW‖_F = √(Σᵢ σᵢ²).
/// - Spectral norm: ‖ΔW‖₂ = σ₁.
/// - Effective rank (Roy & Vetterli, 2007): with pᵢ = σᵢ / Σⱼ σⱼ (the
///   spectrum normalised to sum to one) and the Shannon entropy
///   H = −Σᵢ pᵢ ln pᵢ (terms with pᵢ = 0 count as 0), erank = exp(H).
///   It lies in [1, k]: 1 for a rank-one matrix, k when all σᵢ are equal.
/// - Stable rank: ‖ΔW‖_F² / ‖ΔW‖₂² = Σᵢ σᵢ² / σ₁², in [1, rank].
/// - Energy in the top k: E(k) = Σ_{i≤k} σᵢ² / Σᵢ σᵢ², the fraction of
///   ‖ΔW‖_F² captured by the best rank-k approximation (Eckart–Young).
///
/// A zero spectrum (a LoRA update before its first step, B = 0) has every
/// statistic 0 rather than NaN. Sums run in Double.
public struct SpectrumStatistics: Equatable, Sendable {
    /// The spectrum, in descending order.
    public let singularValues: [Float]
    public let frobeniusNorm: Float
    public let spectralNorm: Float
    public let effectiveRank: Float
    public let stableRank: Float
    /// `cumulativeEnergy[k - 1]` is E(k); the last entry is 1 (or 0 for a zero spectrum).
    public let cumulativeEnergy: [Float]

    /// Statistics of `singularValues`. Their magnitudes are used and sorted
    /// descending, so any order is accepted.
    public init(singularValues: [Float]) {
        let sorted = singularValues.map { abs($0) }.sorted(by: >)
        self.singularValues = sorted

        var sum = 0.0, sumOfSquares = 0.0
        for sigma in sorted {
            sum += Double(sigma)
            sumOfSquares += Double(sigma) * Double(sigma)
        }
        let largest = Double(sorted.first ?? 0)

        var entropy = 0.0
        if sum > 0 {
            for sigma in sorted where sigma > 0 {
                let p = Double(sigma) / sum
                entropy -= p * log(p)
            }
        }

        var cumulative = [Float](repeating: 0, count: sorted.count)
        if sumOfSquares > 0 {
            var running = 0.0
            for (i, sigma) in sorted.enumerated() {
                running += Double(sigma) * Double(sigma)
                cumulative[i] = Float(running / sumOfSquares)
            }
        }

        frobeniusNorm = Float(sumOfSquares.squareRoot())
        spectralNorm = Float(largest)
        effectiveRank = sum > 0 ? Float(exp(entropy)) : 0
        stableRank = largest > 0 ? Float(sumOfSquares / (largest * largest)) : 0
        cumulativeEnergy = cumulative
    }

    /// Statistics of a decomposition's singular values (complete for a thin
    /// SVD of ΔW and for `lowRankSVD`).
    public init(_ decomposition: SingularValueDecomposition) {
        self.init(singularValues: decomposition.singularValues)
    }

    /// E(k) = Σ_{i≤k} σᵢ² / Σᵢ σᵢ². `k` beyond the spectrum counts every value; `k ≤ 0` gives 0.
    public func energy(inTop k: Int) -> Float {
        if k <= 0 || cumulativeEnergy.isEmpty { return 0 }
        return cumulativeEnergy[min(k, cumulativeEnergy.count) - 1]
    }

    /// The smallest k with E(k) ≥ `fraction` (e.g. 0.9 for "rank holding 90 %
    /// of the energy"); 0 for a zero spectrum.
    public func rank(capturingEnergy fraction: Float) -> Int {
        guard let last = cumulativeEnergy.last, last > 0 else { return 0 }
        if let index = cumulativeEnergy.firstIndex(where: { $0 >= fraction }) { return index + 1 }
        return cumulativeEnergy.count
    }
}

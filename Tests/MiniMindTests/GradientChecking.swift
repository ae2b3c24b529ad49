import LinearAlgebra
import Testing

/// Finite-difference checks of hand-written gradients.
///
/// Float32 central differences are noisy per coordinate, so the check is made
/// along random directions `d` (where the derivative sums many coordinates
/// and stands well above rounding): `(L(x + hd) − L(x − hd)) / 2h ≈ ⟨∇L, d⟩`,
/// plus single coordinates where the gradient is largest.
struct GradientChecker {
    var h: Float = 1e-2
    var tolerance: Double = 2e-2
    /// Below this size a derivative is judged by absolute error: Float32
    /// rounding of the loss (≈1e-7 relative) divided by 2h sets that floor.
    var floor: Double = 1e-4
    var generator = SeededGenerator(seed: 99)

    /// `loss(x)` evaluates the scalar function at a perturbed copy of `x`.
    mutating func check(_ label: String, at x: [Float], gradient: [Float], loss: ([Float]) -> Double,
                        sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(x.count == gradient.count, "\(label): gradient size", sourceLocation: sourceLocation)
        var directions: [[Float]] = (0..<3).map { _ in (0..<x.count).map { _ in generator.normal() } }
        // Unit directions on the three largest gradient entries.
        let largest = gradient.indices.sorted { abs(gradient[$0]) > abs(gradient[$1]) }.prefix(3)
        for i in largest {
            var unit = [Float](repeating: 0, count: x.count)
            unit[i] = 1
            directions.append(unit)
        }
        for (n, d) in directions.enumerated() {
            var plus = x, minus = x
            for i in x.indices { plus[i] += h * d[i]; minus[i] -= h * d[i] }
            let numeric = (loss(plus) - loss(minus)) / Double(2 * h)
            var analytic = 0.0
            for i in x.indices { analytic += Double(gradient[i]) * Double(d[i]) }
            let scale = max(abs(numeric), abs(analytic), floor)
            let error = abs(numeric - analytic) / scale
            #expect(error < tolerance,
                    "\(label) direction \(n): numeric \(numeric) vs analytic \(analytic) (rel. error \(error))",
                    sourceLocation: sourceLocation)
        }
    }
}

/// `Σ output ⊙ weights` in Double: a scalar whose gradient w.r.t. the output is `weights`.
func projection(_ output: [Float], onto weights: [Float]) -> Double {
    var sum = 0.0
    for i in output.indices { sum += Double(output[i]) * Double(weights[i]) }
    return sum
}

func randomArray(_ count: Int, std: Float = 1, generator: inout SeededGenerator) -> [Float] {
    (0..<count).map { _ in generator.normal() * std }
}

// The Swift standard library has no logarithm; the C library does. Importing it
// here, in one place, keeps Foundation out of the module.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// log₁₀ of a positive finite number.
func commonLogarithm(_ value: Double) -> Double { log10(value) }

/// 10 raised to a real power (for positions on a logarithmic axis).
func tenToThe(_ exponent: Double) -> Double { pow(10, exponent) }

/// 10^k, exact for |k| ≤ 22 because every factor is exact; used where decimal
/// rounding must be deterministic and free of `pow`'s last-bit differences.
func powerOfTen(_ k: Int) -> Double {
    var result = 1.0
    for _ in 0..<min(abs(k), 400) { result *= 10 }
    return k >= 0 ? result : 1 / result
}

/// Multiplies by 10^k without forming an inexact 10^(negative) factor.
func scaledByPowerOfTen(_ value: Double, _ k: Int) -> Double {
    k >= 0 ? value * powerOfTen(k) : value / powerOfTen(-k)
}

/// The integer e with 10^e ≤ |value| < 10^(e+1); `value` must be finite and non-zero.
func decimalExponent(_ value: Double) -> Int {
    let magnitude = abs(value)
    guard magnitude.isFinite, magnitude > 0 else { return 0 }
    var exponent = Int(commonLogarithm(magnitude).rounded(.down))
    // log10 can be off by one ulp near exact powers; correct against exact powers.
    while scaledByPowerOfTen(1, exponent + 1) <= magnitude { exponent += 1 }
    while scaledByPowerOfTen(1, exponent) > magnitude { exponent -= 1 }
    return exponent
}

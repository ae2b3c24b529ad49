/// One axis: its domain in data units, where its ticks go, and how a value maps
/// to a fraction of the axis length. Linear axes get "nice" ticks (steps of 1, 2
/// or 5 × 10^k whose range covers the data); logarithmic axes get powers of ten.
public struct AxisScale: Sendable {
    public enum Kind: Sendable { case linear, logarithmic }

    public let kind: Kind
    /// The ends of the axis, in data units.
    public let lower: Double
    public let upper: Double
    /// Labelled ticks, ascending, all inside [lower, upper].
    public let ticks: [Double]
    /// Unlabelled faint grid lines (2…9 × 10^k on a log axis).
    public let minorTicks: [Double]
    /// Distance between linear ticks; decides how many digits labels need.
    public let step: Double

    /// Where `value` falls along the axis: 0 at `lower`, 1 at `upper` (may lie outside).
    public func fraction(_ value: Double) -> Double {
        switch kind {
        case .linear:
            return (value - lower) / (upper - lower)
        case .logarithmic:
            let low = commonLogarithm(lower)
            return (commonLogarithm(value) - low) / (commonLogarithm(upper) - low)
        }
    }

    /// Whether the axis can place `value` at all (log axes need positive values).
    func accepts(_ value: Double) -> Bool {
        isPlottable(value) && (kind == .linear || value > 0)
    }

    /// The text shown at `tick`.
    public func label(_ tick: Double) -> String {
        switch kind {
        case .linear:
            return NumberFormat.tickLabel(tick, step: step)
        case .logarithmic:
            // Powers of ten read best as 0.01 … 1000 near 1, and as 1e-6 beyond.
            let exponent = decimalExponent(tick)
            if Self.isPowerOfTen(tick) && (exponent < -2 || exponent > 3) { return "1e" + String(exponent) }
            return NumberFormat.compact(tick, significantDigits: 1)
        }
    }

    // MARK: - Building

    /// A linear axis with about `targetTickCount` nice ticks covering `values`
    /// (non-finite values are ignored). `includingZero` anchors bar charts at 0;
    /// `integerSteps` keeps ticks on whole numbers (indices).
    public static func linear(covering values: [Double], targetTickCount: Int = 6,
                       includingZero: Bool = false, integerSteps: Bool = false) -> AxisScale {
        let finite = values.filter(isPlottable)
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        if includingZero { low = min(low, 0); high = max(high, 0) }
        if low == high {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            low -= pad
            high += pad
            if integerSteps { low = (low).rounded(.down); high = (high).rounded(.up) }
        }
        let intervals = Double(max(1, targetTickCount - 1))
        let rough = (high - low) / intervals
        let exponent = decimalExponent(rough)
        let fraction = rough / scaledByPowerOfTen(1, exponent)
        let multiplier: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        var stepMantissa = multiplier, stepExponent = exponent
        if integerSteps && stepExponent < 0 { stepMantissa = 1; stepExponent = 0 }
        // Ticks are k × mantissa × 10^e with integer k, computed so that decimal
        // steps such as 0.1 do not accumulate binary error.
        let step = scaledByPowerOfTen(stepMantissa, stepExponent)
        let lowRatio = low / step, highRatio = high / step
        let first = Int(isNearlyWhole(lowRatio) ? lowRatio.rounded() : lowRatio.rounded(.down))
        let last = Int(isNearlyWhole(highRatio) ? highRatio.rounded() : highRatio.rounded(.up))
        let ticks = (first...max(first + 1, last)).map { scaledByPowerOfTen(Double($0) * stepMantissa, stepExponent) }
        return AxisScale(kind: .linear, lower: ticks[0], upper: ticks[ticks.count - 1],
                         ticks: ticks, minorTicks: [], step: step)
    }

    /// A logarithmic axis covering the positive finite `values`; its ends snap to
    /// 1, 2 or 5 × 10^k. Ticks are the powers of ten inside when there are at
    /// least two, otherwise the 1-2-5 (or 1…9) values inside.
    public static func logarithmic(covering values: [Double]) -> AxisScale {
        let positive = values.filter { isPlottable($0) && $0 > 0 }
        var low = positive.min() ?? 1, high = positive.max() ?? 10
        if low == high { low /= 2; high *= 2 }
        low = snapToOneTwoFive(low, upward: false)
        high = snapToOneTwoFive(high, upward: true)
        let lowExponent = decimalExponent(low), highExponent = decimalExponent(high)
        let lowest = low * (1 - 1e-12), highest = high * (1 + 1e-12)
        func multiples(_ mantissas: [Double]) -> [Double] {
            var found: [Double] = []
            for exponent in lowExponent...highExponent {
                for mantissa in mantissas {
                    let value = scaledByPowerOfTen(mantissa, exponent)
                    if value >= lowest && value <= highest { found.append(value) }
                }
            }
            return found
        }
        var ticks = multiples([1])
        var minor: [Double] = []
        if ticks.count >= 3 {
            let stride = (ticks.count + 7) / 8  // keep at most ~8 labels
            let labelled = ticks.enumerated().filter { $0.offset % stride == 0 }.map(\.element)
            // Faint lines at 2…9 × 10^k while that stays readable, else at the unlabelled powers.
            minor = highExponent - lowExponent <= 4 ? multiples([2, 3, 4, 5, 6, 7, 8, 9]) : ticks
            ticks = labelled
        } else {
            ticks = multiples([1, 2, 5])
            if ticks.count < 3 { ticks = multiples([1, 2, 3, 4, 5, 6, 7, 8, 9]) }
            minor = multiples([1, 2, 3, 4, 5, 6, 7, 8, 9])
        }
        return AxisScale(kind: .logarithmic, lower: low, upper: high, ticks: ticks,
                         minorTicks: minor.filter { !ticks.contains($0) }, step: 0)
    }

    /// The nearest value of the 1-2-5 sequence at or below (or above) `value`.
    private static func snapToOneTwoFive(_ value: Double, upward: Bool) -> Double {
        let exponent = decimalExponent(value)
        let candidates = [1.0, 2, 5, 10].map { scaledByPowerOfTen($0, exponent) }
        let tolerance = value * 1e-12
        if upward { return candidates.first { $0 >= value - tolerance } ?? candidates[3] }
        return candidates.last { $0 <= value + tolerance } ?? candidates[0]
    }

    private static func isPowerOfTen(_ value: Double) -> Bool {
        value > 0 && abs(value - scaledByPowerOfTen(1, decimalExponent(value))) <= value * 1e-12
    }

    private static func isNearlyWhole(_ value: Double) -> Bool {
        abs(value - value.rounded()) < 1e-9
    }
}

/// Finite and of a magnitude the layout arithmetic handles without overflow
/// (|v| < 1e300, and not a denormal-sized speck that would pass for zero).
func isPlottable(_ value: Double) -> Bool {
    value.isFinite && abs(value) < 1e300 && (value == 0 || abs(value) > 1e-300)
}

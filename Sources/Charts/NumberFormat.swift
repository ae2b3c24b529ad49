/// Compact, deterministic number formatting shared by every chart, table and
/// progress line (no Foundation, no locale: the same number always gives the
/// same characters).
public enum NumberFormat {
    /// At most `significantDigits` significant digits, trailing zeros dropped:
    /// `2.31`, `0.0456`, `1234` (integers below a million keep their digits),
    /// `1.2e-3` for small magnitudes, `4.56e6` for large ones; `NaN`, `inf`, `-inf`.
    public static func compact(_ value: Double, significantDigits: Int = 3) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "inf" : "-inf") }
        if value == 0 { return "0" }
        let digits = max(1, min(significantDigits, 15))
        let sign = value < 0 ? "-" : ""
        let magnitude = abs(value)
        var exponent = decimalExponent(magnitude)
        var mantissa = scaledByPowerOfTen(magnitude, digits - 1 - exponent).rounded()
        if mantissa >= powerOfTen(digits) {  // 9.996 → 10.0: one more decade
            exponent += 1
            mantissa = scaledByPowerOfTen(magnitude, digits - 1 - exponent).rounded()
        }
        if exponent < -2 || exponent >= 6 {
            let text = insertDecimalPoint(digitsOf(mantissa), fractionDigits: digits - 1)
            return sign + trimFractionZeros(text) + "e" + String(exponent)
        }
        if exponent >= digits - 1 {
            // A whole number: round to the unit rather than print 12300 for 12345.
            return sign + digitsOf(magnitude.rounded())
        }
        return sign + trimFractionZeros(insertDecimalPoint(digitsOf(mantissa), fractionDigits: digits - 1 - exponent))
    }

    /// Exactly `decimals` digits after the point (trailing zeros kept unless
    /// `trimmingZeros`); `-0` prints as `0`.
    public static func fixed(_ value: Double, decimals: Int, trimmingZeros: Bool = false) -> String {
        guard value.isFinite else { return compact(value) }
        let places = max(0, min(decimals, 15))
        let scaled = scaledByPowerOfTen(abs(value), places).rounded()
        guard scaled < 9.0e15 else { return compact(value, significantDigits: 15) }
        var text = digitsOf(scaled)
        if places > 0 {
            text = insertDecimalPoint(text, fractionDigits: places)
            if trimmingZeros { text = trimFractionZeros(text) }
        }
        return (value < 0 && scaled != 0 ? "-" : "") + text
    }

    /// An integer with thousands separators: `1,234,567`.
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (value < 0 ? "-" : "") + groups.joined(separator: ",")
    }

    /// A label for an axis tick whose neighbours are `step` apart: enough digits
    /// to tell neighbours apart, no more (`0.25` and `0.3`, never `0.30000000000000004`).
    static func tickLabel(_ value: Double, step: Double) -> String {
        guard value.isFinite, step.isFinite, step > 0 else { return compact(value) }
        if abs(value) < step * 1e-9 { return "0" }
        let digits = decimalExponent(value) - decimalExponent(step) + 1
        return compact(value, significantDigits: max(1, digits))
    }

    /// Seconds as `0.42 s`, `3.1 s`, `48 s`, `2 min 05 s`, `1 h 02 min`.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "–" }
        if seconds < 10 { return compact(seconds, significantDigits: 2) + " s" }
        if seconds < 60 { return String(Int(seconds.rounded())) + " s" }
        let total = Int(seconds.rounded())
        if total < 3600 { return "\(total / 60) min " + twoDigits(total % 60) + " s" }
        return "\(total / 3600) h " + twoDigits((total % 3600) / 60) + " min"
    }

    private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }

    /// The decimal digits of a non-negative whole Double below 2^63.
    private static func digitsOf(_ wholeNumber: Double) -> String {
        wholeNumber < 9.2e18 ? String(UInt64(wholeNumber)) : String(wholeNumber)
    }

    private static func insertDecimalPoint(_ digits: String, fractionDigits: Int) -> String {
        guard fractionDigits > 0 else { return digits }
        let padded = String(repeating: "0", count: max(0, fractionDigits + 1 - digits.count)) + digits
        let split = padded.index(padded.endIndex, offsetBy: -fractionDigits)
        return String(padded[..<split]) + "." + String(padded[split...])
    }

    private static func trimFractionZeros(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var result = Substring(text)
        while result.last == "0" { result = result.dropLast() }
        if result.last == "." { result = result.dropLast() }
        return String(result)
    }
}

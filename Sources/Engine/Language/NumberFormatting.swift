import Foundation

extension Double {
    /// `0.001` as `1e-3`, `16.0` as `16`: numbers as a user would type them.
    var formatted: String {
        if self == rounded(), abs(self) < 1e9 { return String(Int(self)) }
        if abs(self) < 1e-2 || abs(self) >= 1e6 {
            let exponent = Int(log10(abs(self)).rounded(.down))
            let mantissa = self / pow(10, Double(exponent))
            let shown = mantissa == mantissa.rounded() ? String(Int(mantissa)) : String(format: "%.3g", mantissa)
            return "\(shown)e\(exponent)"
        }
        return String(format: "%.4g", self)
    }
}

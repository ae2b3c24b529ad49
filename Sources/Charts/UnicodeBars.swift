/// Terminal glyph ramps: horizontal bars with eighth-block precision, vertical
/// sparklines and shade levels.
enum UnicodeBars {
    private static let eighths: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]
    private static let sparks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    /// Five shade levels, from blank to full.
    static let shades: [Character] = [" ", "░", "▒", "▓", "█"]

    /// A bar `length` cells long (fractional, to the nearest eighth; clamped to
    /// [0, maxLength]), padded with spaces to `maxLength` when `padded`.
    static func bar(length: Double, maxLength: Int, padded: Bool = false) -> String {
        let clamped = length.isFinite ? min(Double(maxLength), max(0, length)) : 0
        let totalEighths = Int((clamped * 8).rounded())
        var text = String(repeating: "█", count: totalEighths / 8)
        if totalEighths % 8 > 0 { text.append(eighths[totalEighths % 8 - 1]) }
        if padded { text += String(repeating: " ", count: max(0, maxLength - text.count)) }
        return text
    }

    /// One glyph per value, ▁ at the smallest finite value and █ at the largest;
    /// non-finite values show as a space.
    static func sparkline(_ values: [Double]) -> String {
        let finite = values.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else {
            return String(repeating: " ", count: values.count)
        }
        return String(values.map { value -> Character in
            guard value.isFinite else { return " " }
            if high == low { return sparks[3] }
            let level = Int(((value - low) / (high - low) * Double(sparks.count - 1)).rounded())
            return sparks[min(sparks.count - 1, max(0, level))]
        })
    }

    /// The shade for `fraction` in [0, 1]: five equal bins from blank to █.
    static func shade(_ fraction: Double) -> Character {
        guard fraction.isFinite else { return "·" }
        let level = Int((min(1, max(0, fraction)) * Double(shades.count)).rounded(.down))
        return shades[min(shades.count - 1, level)]
    }

    /// At most `count` values, each the mean of a consecutive bucket (so a
    /// 10 000-step loss curve fits a 24-glyph sparkline).
    static func bucketMeans(_ values: [Double], count: Int) -> [Double] {
        guard values.count > count, count > 0 else { return values }
        return (0..<count).map { bucket in
            let start = bucket * values.count / count, end = (bucket + 1) * values.count / count
            let slice = values[start..<max(start + 1, end)].filter(\.isFinite)
            return slice.isEmpty ? .nan : slice.reduce(0, +) / Double(slice.count)
        }
    }
}

/// Fixed-width text cells: pads by character count (every glyph we emit is one
/// terminal column wide).
enum TextCell {
    enum Alignment { case left, right, center }

    static func pad(_ text: String, to width: Int, _ alignment: Alignment) -> String {
        let gap = max(0, width - text.count)
        switch alignment {
        case .left: return text + String(repeating: " ", count: gap)
        case .right: return String(repeating: " ", count: gap) + text
        case .center:
            return String(repeating: " ", count: gap / 2) + text + String(repeating: " ", count: gap - gap / 2)
        }
    }

    static func truncate(_ text: String, to width: Int) -> String {
        text.count <= width ? text : String(text.prefix(max(0, width - 1))) + "…"
    }
}

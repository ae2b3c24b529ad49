/// Colours chosen to read well on the white plot background in both JupyterLab
/// themes (every SVG paints its own white background) and for colour-blind readers.
enum Palette {
    /// Okabe–Ito's colour-blind-safe set, reordered for contrast on white
    /// (their yellow is too pale on white and is left out).
    static let series = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#444444"]

    /// Dash patterns used once the colours run out, so the 8th series differs from the 1st.
    static let dashes: [String?] = [nil, "6 3", "2 3", "8 3 2 3"]

    static func colour(forSeries index: Int) -> String { series[index % series.count] }

    static func dash(forSeries index: Int) -> String? { dashes[(index / series.count) % dashes.count] }

    static let background = "#ffffff"
    static let text = "#222222"
    static let mutedText = "#666666"
    static let axis = "#555555"
    static let grid = "#e3e3e3"
    static let minorGrid = "#f1f1f1"
    static let missing = "#d9d9d9"

    /// Viridis at nine evenly spaced stops: perceptually uniform, readable in
    /// greyscale and by colour-blind readers; interpolated in between.
    private static let viridisStops: [(Double, Double, Double)] = [
        (0x44, 0x01, 0x54), (0x47, 0x2D, 0x7B), (0x3B, 0x52, 0x8B), (0x2C, 0x72, 0x8E), (0x21, 0x91, 0x8C),
        (0x28, 0xAE, 0x80), (0x5E, 0xC9, 0x62), (0xAD, 0xDC, 0x30), (0xFD, 0xE7, 0x25),
    ]

    /// The sequential colour for `fraction` in [0, 1] (clamped).
    static func sequential(_ fraction: Double) -> String {
        let t = fraction.isFinite ? min(1, max(0, fraction)) : 0
        let position = t * Double(viridisStops.count - 1)
        let lower = min(Int(position), viridisStops.count - 2)
        let weight = position - Double(lower)
        let (r0, g0, b0) = viridisStops[lower], (r1, g1, b1) = viridisStops[lower + 1]
        return hexColour(r0 + (r1 - r0) * weight, g0 + (g1 - g0) * weight, b0 + (b1 - b0) * weight)
    }

    /// Whether text drawn over `sequential(fraction)` should be white rather than black.
    static func needsLightText(onSequential fraction: Double) -> Bool { fraction < 0.6 }

    private static func hexColour(_ red: Double, _ green: Double, _ blue: Double) -> String {
        let digits = Array("0123456789abcdef")
        var text = "#"
        for channel in [red, green, blue] {
            let byte = Int(min(255, max(0, channel.rounded())))
            text.append(digits[byte / 16])
            text.append(digits[byte % 16])
        }
        return text
    }
}

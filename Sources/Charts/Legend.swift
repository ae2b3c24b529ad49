/// The key that names each series in an SVG chart: a short stroke in the
/// series' colour and dash (and a dot when the series draws markers), then its name.
struct LegendEntry {
    var name: String
    var colour: String
    var dash: String?
    var marker: Bool
    var swatch: Bool = false  // a filled square instead of a stroke (bars)
}

enum Legend {
    static let rowHeight: Double = 18
    static let sampleWidth: Double = 22

    /// Width the legend needs, at most `limit` (longer names are shortened).
    static func width(of entries: [LegendEntry], limit: Double) -> Double {
        let widest = entries.map { SVGCanvas.estimatedWidth(of: $0.name) }.max() ?? 0
        return min(limit, sampleWidth + 8 + widest)
    }

    static func draw(_ entries: [LegendEntry], x: Double, y: Double, width: Double, into canvas: inout SVGCanvas) {
        let characterLimit = max(4, Int((width - sampleWidth - 8) / (12 * 0.6)))
        for (index, entry) in entries.enumerated() {
            let rowY = y + Double(index) * rowHeight + rowHeight / 2
            if entry.swatch {
                canvas.rect(x: x + 5, y: rowY - 6, width: 12, height: 12, fill: entry.colour)
            } else {
                canvas.line(x1: x, y1: rowY, x2: x + sampleWidth, y2: rowY, stroke: entry.colour,
                            strokeWidth: 2.5, dash: entry.dash)
                if entry.marker {
                    canvas.circle(cx: x + sampleWidth / 2, cy: rowY, radius: 3, fill: entry.colour)
                }
            }
            canvas.text(shortened(entry.name, to: characterLimit), x: x + sampleWidth + 6, y: rowY)
        }
    }

    static func shortened(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(max(1, limit - 1))) + "…"
    }
}

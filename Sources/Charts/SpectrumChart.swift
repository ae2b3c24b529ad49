/// Singular-value spectra of one or several matrices: σ₁ ≥ σ₂ ≥ … against
/// their index, on a logarithmic y axis, with an optional marker at rank r
/// ("the top r directions").
///
///     let chart = SpectrumChart(title: "ΔW spectra", spectra: [.init(name: "layers.0.q", values: σ)], rank: 4)
public struct SpectrumChart: Chart {
    /// The singular values of one matrix, largest first.
    public struct Spectrum: Sendable {
        public var name: String
        public var values: [Double]

        public init(name: String, values: [Double]) {
            self.name = name
            self.values = values
        }
    }

    public var title: String
    public var spectra: [Spectrum]
    /// Draws a dashed line at index `rank` and, in text, a rule after row `rank`.
    public var rank: Int?
    public var width: Int = 640
    public var height: Int = 360

    public init(title: String = "", spectra: [Spectrum], rank: Int? = nil) {
        self.title = title
        self.spectra = spectra
        self.rank = rank
    }

    /// Singular values that can sit on a log axis (positive, finite).
    private static func drawable(_ value: Double) -> Bool { isPlottable(value) && value > 0 }

    private var hasData: Bool { spectra.contains { $0.values.contains(where: Self.drawable) } }

    public func svg() -> String {
        let longest = spectra.map(\.values.count).max() ?? 0
        let xScale = AxisScale.linear(covering: [1, Double(max(1, longest))] + (rank.map { [Double($0)] } ?? []),
                                      targetTickCount: 7, integerSteps: true)
        let yScale = AxisScale.logarithmic(covering: spectra.flatMap(\.values))
        let withMarkers = longest <= 80
        let legend = spectra.enumerated().map { index, spectrum in
            LegendEntry(name: spectrum.name, colour: Palette.colour(forSeries: index),
                        dash: Palette.dash(forSeries: index), marker: withMarkers)
        }
        let frame = CartesianFrame(width: Double(width), height: Double(height), title: title, xLabel: "index i",
                                   yLabel: "singular value σᵢ", x: xScale, y: yScale, legend: legend)
        var canvas = SVGCanvas(width: Double(width), height: Double(height))
        frame.drawFurniture(into: &canvas)
        guard hasData else {
            frame.drawNoData("no data", into: &canvas)
            return canvas.document(title: title)
        }
        if let rank, rank >= 1 {
            let x = frame.horizontal(Double(rank))
            canvas.line(x1: x, y1: frame.plotTop, x2: x, y2: frame.plotTop + frame.plotHeight,
                        stroke: Palette.axis, strokeWidth: 1.5, dash: "5 4")
            canvas.text("top r = \(rank)", x: x + 5, y: frame.plotTop + 10, fill: Palette.axis)
        }
        for (index, spectrum) in spectra.enumerated() {
            let colour = Palette.colour(forSeries: index)
            var runs: [[(x: Double, y: Double)]] = [[]]
            for (offset, value) in spectrum.values.enumerated() {
                if Self.drawable(value) {
                    runs[runs.count - 1].append((frame.horizontal(Double(offset + 1)), frame.vertical(value)))
                } else if !runs[runs.count - 1].isEmpty {
                    runs.append([])
                }
            }
            canvas.path(segments: runs, stroke: colour, strokeWidth: 1.8, dash: Palette.dash(forSeries: index),
                        label: spectrum.name)
            if withMarkers {
                for point in runs.joined() {
                    canvas.circle(cx: point.x, cy: point.y, radius: 3, fill: colour, stroke: Palette.background)
                }
            }
        }
        return canvas.document(title: title)
    }

    /// One block per matrix: a row per singular value (the first `maxRows`)
    /// with a bar whose length is logarithmic in σ, so σ₁ = 10 and σ₂ = 0.01
    /// both stay visible; a rule marks the top r.
    public func text(width: Int) -> String { text(width: width, maxRows: 16) }

    public func text(width: Int, maxRows: Int) -> String {
        var lines: [String] = []
        if !title.isEmpty { lines.append(title) }
        guard hasData else {
            lines.append("(no data)")
            return lines.joined(separator: "\n")
        }
        let shown = spectra.map { Array($0.values.prefix(max(1, maxRows))) }
        let positive = shown.joined().filter(Self.drawable)
        let largest = positive.max() ?? 1, smallest = positive.min() ?? 1
        // Bars span [smallest/10, largest] in log space so the smallest value keeps a stub.
        let logLow = commonLogarithm(smallest) - 1, logHigh = commonLogarithm(largest)
        let indexWidth = String(shown.map(\.count).max() ?? 1).count + 1
        let barWidth = max(8, width - indexWidth - 3 - 9)
        for (spectrum, values) in zip(spectra, shown) {
            lines.append(TextCell.truncate(spectrum.name.isEmpty ? "spectrum" : spectrum.name, to: width))
            for (offset, value) in values.enumerated() {
                let index = TextCell.pad("σ" + String(offset + 1), to: indexWidth + 1, .right)
                var bar = ""
                if Self.drawable(value) {
                    bar = UnicodeBars.bar(length: (commonLogarithm(value) - logLow) / (logHigh - logLow) * Double(barWidth),
                                          maxLength: barWidth, padded: true)
                } else {
                    bar = TextCell.pad("", to: barWidth, .left)
                }
                lines.append(index + " " + bar + " " + NumberFormat.compact(value))
                if let rank, rank == offset + 1, offset + 1 < values.count {
                    lines.append(String(repeating: " ", count: indexWidth + 2)
                                 + "╌╌ top r = \(rank) " + String(repeating: "╌", count: max(0, barWidth - 12)))
                }
            }
            let hidden = spectrum.values.count - values.count
            if hidden > 0 {
                let rest = spectrum.values.dropFirst(values.count).filter(\.isFinite)
                let smallestRest = rest.min().map { ", smallest " + NumberFormat.compact($0) } ?? ""
                lines.append(String(repeating: " ", count: indexWidth + 2) + "… \(hidden) more" + smallestRest)
            }
        }
        lines.append("(bar length ∝ log σ)")
        return lines.map(LineChart.trimmingTrailingSpaces).joined(separator: "\n")
    }
}

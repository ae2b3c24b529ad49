/// The furniture shared by charts with two numeric axes (line charts, spectra):
/// it sizes the margins from the labels it must hold, then draws the title,
/// grid, axes, tick labels, axis titles and legend around the plot area.
struct CartesianFrame {
    let x: AxisScale
    let y: AxisScale
    let width: Double
    let height: Double
    let title: String
    let xLabel: String
    let yLabel: String
    let legend: [LegendEntry]
    let plotLeft: Double
    let plotTop: Double
    let plotWidth: Double
    let plotHeight: Double
    private let legendWidth: Double

    init(width: Double, height: Double, title: String, xLabel: String, yLabel: String,
         x: AxisScale, y: AxisScale, legend: [LegendEntry]) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.legend = legend
        let tickLabelWidth = y.ticks.map { SVGCanvas.estimatedWidth(of: y.label($0)) }.max() ?? 0
        legendWidth = legend.isEmpty ? 0 : Legend.width(of: legend, limit: width * 0.32)
        plotLeft = 12 + (yLabel.isEmpty ? 0 : 20) + tickLabelWidth + 8
        plotTop = title.isEmpty ? 16 : 40
        let right: Double = legend.isEmpty ? 24 : legendWidth + 28
        let bottom: Double = xLabel.isEmpty ? 30 : 50
        plotWidth = max(40, width - plotLeft - right)
        plotHeight = max(40, height - plotTop - bottom)
    }

    /// Horizontal pixel position of a data value.
    func horizontal(_ value: Double) -> Double { plotLeft + x.fraction(value) * plotWidth }

    /// Vertical pixel position of a data value (up is larger).
    func vertical(_ value: Double) -> Double { plotTop + (1 - y.fraction(value)) * plotHeight }

    func drawFurniture(into canvas: inout SVGCanvas) {
        if !title.isEmpty {
            canvas.text(title, x: width / 2, y: 20, anchor: .middle, fontSize: 15, bold: true)
        }
        let bottom = plotTop + plotHeight, right = plotLeft + plotWidth
        for tick in y.minorTicks {
            let py = vertical(tick)
            canvas.line(x1: plotLeft, y1: py, x2: right, y2: py, stroke: Palette.minorGrid)
        }
        for tick in x.minorTicks {
            let px = horizontal(tick)
            canvas.line(x1: px, y1: plotTop, x2: px, y2: bottom, stroke: Palette.minorGrid)
        }
        for tick in y.ticks {
            let py = vertical(tick)
            canvas.line(x1: plotLeft, y1: py, x2: right, y2: py, stroke: Palette.grid)
            canvas.line(x1: plotLeft - 4, y1: py, x2: plotLeft, y2: py, stroke: Palette.axis)
            canvas.text(y.label(tick), x: plotLeft - 7, y: py, anchor: .end, fill: Palette.mutedText)
        }
        var lastLabelEnd = -Double.infinity
        for tick in x.ticks {
            let px = horizontal(tick)
            canvas.line(x1: px, y1: plotTop, x2: px, y2: bottom, stroke: Palette.grid)
            canvas.line(x1: px, y1: bottom, x2: px, y2: bottom + 4, stroke: Palette.axis)
            let label = x.label(tick)
            let halfWidth = SVGCanvas.estimatedWidth(of: label) / 2
            if px - halfWidth > lastLabelEnd + 6 {  // skip labels that would overlap
                canvas.text(label, x: px, y: bottom + 14, anchor: .middle, fill: Palette.mutedText)
                lastLabelEnd = px + halfWidth
            }
        }
        canvas.line(x1: plotLeft, y1: plotTop, x2: plotLeft, y2: bottom, stroke: Palette.axis)
        canvas.line(x1: plotLeft, y1: bottom, x2: right, y2: bottom, stroke: Palette.axis)
        if !xLabel.isEmpty {
            canvas.text(xLabel, x: plotLeft + plotWidth / 2, y: bottom + 34, anchor: .middle)
        }
        if !yLabel.isEmpty {
            canvas.text(yLabel, x: 18, y: plotTop + plotHeight / 2, anchor: .middle, rotation: -90)
        }
        if !legend.isEmpty {
            Legend.draw(legend, x: right + 16, y: plotTop, width: legendWidth, into: &canvas)
        }
    }

    /// A centred, muted "no data" note over the empty plot area.
    func drawNoData(_ note: String, into canvas: inout SVGCanvas) {
        canvas.text(note, x: plotLeft + plotWidth / 2, y: plotTop + plotHeight / 2, anchor: .middle,
                    fontSize: 14, fill: Palette.mutedText)
    }
}

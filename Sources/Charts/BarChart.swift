/// Horizontal bars comparing categories (strategies, runs), optionally grouped:
/// one bar per series within each category, each bar labelled with its value.
///
///     let chart = BarChart(title: "Final loss", bars: [("q,v", 2.31), ("all-linear", 1.87)])
///     let grouped = BarChart(title: "Loss", categories: ["q,v", "ffn"],
///                            series: [.init(name: "train", values: [2.3, 2.1]), .init(name: "eval", values: [2.5, 2.4])])
public struct BarChart: Chart {
    /// One value per category, in the order of `categories`.
    public struct Series: Sendable {
        public var name: String
        public var values: [Double]

        public init(name: String, values: [Double]) {
            self.name = name
            self.values = values
        }
    }

    public var title: String
    /// What the bars measure, shown under the value axis.
    public var valueLabel: String
    public var categories: [String]
    public var series: [Series]
    /// SVG width in pixels; the height follows from the number of bars.
    public var width: Int = 640

    public init(title: String = "", valueLabel: String = "", categories: [String], series: [Series]) {
        self.title = title
        self.valueLabel = valueLabel
        self.categories = categories
        self.series = series
    }

    /// One bar per label.
    public init(title: String = "", valueLabel: String = "", bars: [(label: String, value: Double)]) {
        self.init(title: title, valueLabel: valueLabel, categories: bars.map(\.label),
                  series: [Series(name: valueLabel, values: bars.map(\.value))])
    }

    private func value(series index: Int, category: Int) -> Double {
        let values = series[index].values
        return category < values.count ? values[category] : .nan
    }

    private var allValues: [Double] {
        series.indices.flatMap { s in categories.indices.map { value(series: s, category: $0) } }
    }

    private var hasData: Bool { !categories.isEmpty && allValues.contains(where: isPlottable) }

    private func valueText(_ value: Double) -> String {
        isPlottable(value) ? NumberFormat.compact(value) : "n/a"
    }

    public func svg() -> String {
        let width = Double(self.width)
        let grouped = series.count > 1
        let barHeight: Double = grouped ? 16 : 22, groupGap: Double = grouped ? 12 : 8
        let bandHeight = barHeight * Double(max(1, series.count)) + groupGap
        let titleSpace: Double = title.isEmpty ? 12 : 38
        let legendSpace: Double = grouped ? 24 : 0
        let top = titleSpace + legendSpace
        let categoryWidth = min(width * 0.35, categories.map { SVGCanvas.estimatedWidth(of: $0) }.max() ?? 0)
        let valueWidth = allValues.map { SVGCanvas.estimatedWidth(of: valueText($0), fontSize: 11) }.max() ?? 20
        let left = 14 + categoryWidth + 10
        let plotWidth = max(60, width - left - valueWidth - 20)
        let plotHeight = hasData ? bandHeight * Double(categories.count) : 80
        let height = top + plotHeight + (valueLabel.isEmpty ? 32 : 52)
        var canvas = SVGCanvas(width: width, height: height)
        if !title.isEmpty { canvas.text(title, x: width / 2, y: 20, anchor: .middle, fontSize: 15, bold: true) }
        guard hasData else {
            canvas.text("no data", x: width / 2, y: top + 40, anchor: .middle, fontSize: 14, fill: Palette.mutedText)
            return canvas.document(title: title)
        }
        if grouped {
            drawHorizontalLegend(x: left, y: titleSpace + 2, into: &canvas)
        }
        let scale = AxisScale.linear(covering: allValues, targetTickCount: 6, includingZero: true)
        func horizontal(_ value: Double) -> Double { left + scale.fraction(value) * plotWidth }
        let bottom = top + plotHeight
        for tick in scale.ticks {
            let x = horizontal(tick)
            canvas.line(x1: x, y1: top, x2: x, y2: bottom, stroke: Palette.grid)
            canvas.text(scale.label(tick), x: x, y: bottom + 14, anchor: .middle, fill: Palette.mutedText)
        }
        let characterLimit = max(4, Int(categoryWidth / 7.2))
        for (category, name) in categories.enumerated() {
            let bandTop = top + Double(category) * bandHeight + groupGap / 2
            canvas.text(Legend.shortened(name, to: characterLimit), x: left - 8,
                        y: bandTop + barHeight * Double(series.count) / 2, anchor: .end)
            for index in series.indices {
                let value = value(series: index, category: category)
                let y = bandTop + Double(index) * barHeight
                let zero = horizontal(0)
                guard isPlottable(value) else {
                    canvas.text("n/a", x: zero + 4, y: y + barHeight / 2, fontSize: 11, fill: Palette.mutedText)
                    continue
                }
                let end = horizontal(value)
                canvas.rect(x: min(zero, end), y: y + 1, width: abs(end - zero), height: barHeight - 2,
                            fill: Palette.colour(forSeries: index))
                canvas.text(valueText(value), x: value < 0 ? end - 4 : end + 4, y: y + barHeight / 2,
                            anchor: value < 0 ? .end : .start, fontSize: 11)
            }
        }
        canvas.line(x1: horizontal(0), y1: top, x2: horizontal(0), y2: bottom, stroke: Palette.axis)
        canvas.line(x1: left, y1: bottom, x2: left + plotWidth, y2: bottom, stroke: Palette.axis)
        if !valueLabel.isEmpty {
            canvas.text(valueLabel, x: left + plotWidth / 2, y: bottom + 34, anchor: .middle)
        }
        return canvas.document(title: title)
    }

    private func drawHorizontalLegend(x: Double, y: Double, into canvas: inout SVGCanvas) {
        var position = x
        for (index, s) in series.enumerated() {
            canvas.rect(x: position, y: y + 3, width: 12, height: 12, fill: Palette.colour(forSeries: index))
            canvas.text(s.name, x: position + 17, y: y + 9)
            position += 17 + SVGCanvas.estimatedWidth(of: s.name) + 18
        }
    }

    /// Bars of █ with eighth-block ends (▏▎▍▌▋▊▉), proportional to |value|
    /// against the largest |value|, each followed by its value.
    public func text(width: Int) -> String {
        var lines: [String] = []
        if !title.isEmpty { lines.append(title) }
        guard hasData else {
            lines.append("(no data)")
            return lines.joined(separator: "\n")
        }
        let grouped = series.count > 1
        let categoryWidth = min(24, categories.map(\.count).max() ?? 1)
        let seriesWidth = grouped ? min(16, series.map(\.name.count).max() ?? 1) + 1 : 0
        let valueWidth = allValues.map { valueText($0).count }.max() ?? 1
        let barWidth = max(8, width - categoryWidth - 2 - seriesWidth - valueWidth - 1)
        let largest = allValues.filter(isPlottable).map(abs).max() ?? 1
        for (category, name) in categories.enumerated() {
            for index in series.indices {
                let value = value(series: index, category: category)
                var line = TextCell.pad(index == 0 ? TextCell.truncate(name, to: categoryWidth) : "", to: categoryWidth, .left) + "  "
                if grouped { line += TextCell.pad(TextCell.truncate(series[index].name, to: seriesWidth - 1), to: seriesWidth, .left) }
                let length = isPlottable(value) && largest > 0 ? abs(value) / largest * Double(barWidth) : 0
                line += UnicodeBars.bar(length: length, maxLength: barWidth, padded: true) + " "
                line += TextCell.pad(valueText(value), to: valueWidth, .right)
                lines.append(line)
            }
        }
        if !valueLabel.isEmpty {
            lines.append("(" + valueLabel + (allValues.contains { $0 < 0 } ? "; bars show |value|" : "") + ")")
        }
        return lines.map(LineChart.trimmingTrailingSpaces).joined(separator: "\n")
    }
}

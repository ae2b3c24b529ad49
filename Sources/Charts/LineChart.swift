/// Several named (x, y) series on one chart: loss curves of several runs.
///
///     var chart = LineChart(title: "Loss", xLabel: "step", yLabel: "loss")
///     chart.add("r=4", points: zip(steps, losses).map { ($0, $1) })
///     chart.svg()        // image/svg+xml
///     chart.text()       // braille plot + one sparkline per series
///
/// Points with a non-finite coordinate (or y ≤ 0 on a log axis) are skipped
/// and break the line; a chart with nothing drawable says "no data".
public struct LineChart: Chart {
    /// One named curve.
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        /// A shaded range around the line (min–max or ±sd over repeated runs),
        /// drawn under it in the series' colour; empty for a plain line.
        public var band: [(x: Double, low: Double, high: Double)] = []

        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }

        /// Mean values at x = 1, 2, 3, … with a band from `low` to `high` at the same x.
        public init(name: String, values: [Double], low: [Double], high: [Double]) {
            self.init(name: name, values: values)
            band = zip(low, high).enumerated().map { (Double($0.offset + 1), $0.element.0, $0.element.1) }
        }

        /// y values at x = 1, 2, 3, …
        public init(name: String, values: [Double]) {
            self.init(name: name, points: values.enumerated().map { (Double($0.offset + 1), $0.element) })
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    /// A logarithmic y axis (ticks at powers of ten).
    public var logarithmicY: Bool
    public var series: [Series]
    /// Size of the SVG in pixels.
    public var width: Int = 640
    public var height: Int = 360

    public init(title: String = "", xLabel: String = "", yLabel: String = "",
                logarithmicY: Bool = false, series: [Series] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logarithmicY = logarithmicY
        self.series = series
    }

    /// Appends a series.
    public mutating func add(_ name: String, points: [(x: Double, y: Double)]) {
        series.append(Series(name: name, points: points))
    }

    // MARK: - Scales

    private func drawable(_ point: (x: Double, y: Double)) -> Bool {
        isPlottable(point.x) && isPlottable(point.y) && (!logarithmicY || point.y > 0)
    }

    private var hasData: Bool { series.contains { $0.points.contains(where: drawable) } }

    private func scales() -> (x: AxisScale, y: AxisScale) {
        // A band widens the range the axes must cover.
        let bandPoints = series.flatMap { $0.band.flatMap { [(x: $0.x, y: $0.low), (x: $0.x, y: $0.high)] } }
        let points = (series.flatMap(\.points) + bandPoints).filter(drawable)
        let xScale = AxisScale.linear(covering: points.map(\.x), targetTickCount: 7)
        let ys = points.map(\.y)
        let yScale = logarithmicY ? AxisScale.logarithmic(covering: ys) : AxisScale.linear(covering: ys)
        return (xScale, yScale)
    }

    /// Runs of consecutive drawable points; a skipped point ends a run.
    private func segments(of series: Series) -> [[(x: Double, y: Double)]] {
        var runs: [[(x: Double, y: Double)]] = [[]]
        for point in series.points {
            if drawable(point) { runs[runs.count - 1].append(point) } else if !runs[runs.count - 1].isEmpty { runs.append([]) }
        }
        return runs.filter { !$0.isEmpty }
    }

    // MARK: - SVG

    public func svg() -> String {
        let (xScale, yScale) = scales()
        let showLegend = series.count > 1 || series.contains { !$0.name.isEmpty }
        let markerLimit = 40
        let legend = showLegend ? series.enumerated().map { index, s in
            LegendEntry(name: s.name, colour: Palette.colour(forSeries: index), dash: Palette.dash(forSeries: index),
                        marker: s.points.count <= markerLimit)
        } : []
        let frame = CartesianFrame(width: Double(width), height: Double(height), title: title, xLabel: xLabel,
                                   yLabel: yLabel, x: xScale, y: yScale, legend: legend)
        var canvas = SVGCanvas(width: Double(width), height: Double(height))
        frame.drawFurniture(into: &canvas)
        guard hasData else {
            frame.drawNoData("no data", into: &canvas)
            return canvas.document(title: title)
        }
        for (index, s) in series.enumerated() {
            let band = s.band.filter { drawable((x: $0.x, y: $0.low)) && drawable((x: $0.x, y: $0.high)) }
            guard band.count >= 2 else { continue }
            let upper = band.map { (x: frame.horizontal($0.x), y: frame.vertical($0.high)) }
            let lower = band.reversed().map { (x: frame.horizontal($0.x), y: frame.vertical($0.low)) }
            canvas.polygon(upper + lower, fill: Palette.colour(forSeries: index), opacity: 0.18, label: s.name + " band")
        }
        for (index, s) in series.enumerated() {
            let colour = Palette.colour(forSeries: index)
            let pixels = segments(of: s).map { run in
                Self.thinned(run.map { (x: frame.horizontal($0.x), y: frame.vertical($0.y)) },
                             maxPoints: Int(frame.plotWidth) * 2)
            }
            canvas.path(segments: pixels, stroke: colour, dash: Palette.dash(forSeries: index), label: s.name)
            if s.points.count <= markerLimit {
                for point in pixels.joined() { canvas.circle(cx: point.x, cy: point.y, radius: 2.5, fill: colour) }
            }
        }
        return canvas.document(title: title)
    }

    /// Keeps the first, lowest, highest and last point of each pixel-wide
    /// bucket, in order: a 100 000-step curve keeps its shape in a small path.
    static func thinned(_ points: [(x: Double, y: Double)], maxPoints: Int) -> [(x: Double, y: Double)] {
        guard points.count > maxPoints, maxPoints >= 8 else { return points }
        let buckets = maxPoints / 4
        var kept: [(x: Double, y: Double)] = []
        for bucket in 0..<buckets {
            let start = bucket * points.count / buckets, end = (bucket + 1) * points.count / buckets
            guard start < end else { continue }
            let slice = points[start..<end]
            var indices = [start, end - 1]
            if let low = slice.indices.min(by: { points[$0].y < points[$1].y }) { indices.append(low) }
            if let high = slice.indices.max(by: { points[$0].y < points[$1].y }) { indices.append(high) }
            for index in Set(indices).sorted() { kept.append(points[index]) }
        }
        return kept
    }

    // MARK: - Text

    /// A braille plot of every series (`height` rows) with y tick labels and an
    /// x axis, then one line per series: a sparkline with its first, lowest and
    /// last values.
    public func text(width: Int) -> String { text(width: width, height: 10) }

    public func text(width: Int, height: Int) -> String {
        var lines: [String] = []
        if !title.isEmpty { lines.append(title) }
        guard hasData else {
            lines.append("(no data)")
            return lines.joined(separator: "\n")
        }
        let (xScale, yScale) = scales()
        let yLabels = yScale.ticks.map { yScale.label($0) }
        let labelWidth = max(yLabels.map(\.count).max() ?? 1, 1)
        let columns = max(8, width - labelWidth - 2)
        let rows = max(2, height)
        var canvas = BrailleCanvas(columns: columns, rows: rows)
        func dot(_ point: (x: Double, y: Double)) -> (x: Int, y: Int) {
            let x = Int((xScale.fraction(point.x) * Double(canvas.dotWidth - 1)).rounded())
            let y = Int(((1 - yScale.fraction(point.y)) * Double(canvas.dotHeight - 1)).rounded())
            return (x, y)
        }
        for s in series {
            for run in segments(of: s) {
                var previous = dot(run[0])
                canvas.setDot(x: previous.x, y: previous.y)
                for point in run.dropFirst() {
                    let next = dot(point)
                    canvas.drawLine(from: previous, to: next)
                    previous = next
                }
            }
        }
        var rowLabels = Array(repeating: "", count: rows)
        for (tick, label) in zip(yScale.ticks, yLabels) {
            let row = Int(((1 - yScale.fraction(tick)) * Double(canvas.dotHeight - 1)).rounded()) / 4
            if row >= 0 && row < rows && rowLabels[row].isEmpty { rowLabels[row] = label }
        }
        for (row, plotLine) in canvas.lines().enumerated() {
            let label = rowLabels[row]
            lines.append(TextCell.pad(label, to: labelWidth, .right) + (label.isEmpty ? " │" : " ┤") + plotLine)
        }
        lines.append(String(repeating: " ", count: labelWidth + 1) + "└" + String(repeating: "─", count: columns))
        lines.append(axisLabelLine(xScale, offset: labelWidth + 2, columns: columns))
        if !xLabel.isEmpty {
            lines.append(TextCell.pad(xLabel, to: labelWidth + 2 + columns, .center))
        }
        lines.append(contentsOf: seriesSummaries(width: width))
        return lines.map(Self.trimmingTrailingSpaces).joined(separator: "\n")
    }

    /// x tick labels placed under their columns, skipping any that would collide.
    private func axisLabelLine(_ scale: AxisScale, offset: Int, columns: Int) -> String {
        var characters = Array(repeating: Character(" "), count: offset + columns + 8)
        var nextFree = 0
        for tick in scale.ticks {
            let label = Array(scale.label(tick))
            let column = offset + Int((scale.fraction(tick) * Double(columns * 2 - 1)).rounded()) / 2
            let start = min(max(column - label.count / 2, offset - 1), offset + columns - label.count)
            guard start >= nextFree, start >= 0 else { continue }
            for (index, character) in label.enumerated() { characters[start + index] = character }
            nextFree = start + label.count + 1
        }
        return String(characters)
    }

    private func seriesSummaries(width: Int) -> [String] {
        var nameWidth = min(20, series.map(\.name.count).max() ?? 0)
        let summaries = series.map { s -> (values: [Double], summary: String)? in
            let ys = s.points.filter(drawable).map(\.y)
            guard let first = ys.first, let last = ys.last, let low = ys.min() else { return nil }
            let summary = "first " + NumberFormat.compact(first) + " · min " + NumberFormat.compact(low)
                + " · last " + NumberFormat.compact(last)
            return (logarithmicY ? ys.map(commonLogarithm) : ys, summary)
        }
        let summaryWidth = summaries.compactMap { $0?.summary.count }.max() ?? 0
        // Room beside the numbers goes to the names (keeping 8 for a sparkline), the rest to the sparkline.
        let room = width - summaryWidth - 6
        nameWidth = min(nameWidth, max(4, room - 8))
        let sparkWidth = max(4, min(24, room - nameWidth))
        return zip(series, summaries).map { s, summary in
            let name = "  " + TextCell.pad(TextCell.truncate(s.name, to: nameWidth), to: nameWidth, .left) + "  "
            guard let summary else { return name + "(no data)" }
            let spark = UnicodeBars.sparkline(UnicodeBars.bucketMeans(summary.values, count: sparkWidth))
            return TextCell.truncate(name + TextCell.pad(spark, to: sparkWidth, .left) + "  " + summary.summary, to: width)
        }
    }

    static func trimmingTrailingSpaces(_ line: String) -> String {
        var result = Substring(line)
        while result.last == " " { result = result.dropLast() }
        return String(result)
    }
}

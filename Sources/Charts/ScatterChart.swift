/// Named points, each with an optional ± spread on either axis: one point per
/// strategy of a comparison, placed by two of its measurements (learning
/// against forgetting).
///
///     let chart = ScatterChart(title: "forgetting against learning", xLabel: "eval finetune",
///                              yLabel: "forgetting", points: [.init(name: "q,v", x: 0.30, y: 4.9, xSpread: 0.01, ySpread: 0.4)])
///     chart.svg()     // image/svg+xml: a marker per point, ± bars, a legend
///     chart.text()    // a grid with a letter per point, then a key with the values
///
/// Points with a non-finite coordinate are left out and listed as such.
public struct ScatterChart: Chart {
    public struct Point: Sendable {
        public var name: String
        public var x: Double
        public var y: Double
        /// Half-widths of the error bars (a standard deviation over runs); nil draws none.
        public var xSpread: Double?
        public var ySpread: Double?

        public init(name: String, x: Double, y: Double, xSpread: Double? = nil, ySpread: Double? = nil) {
            self.name = name
            self.x = x
            self.y = y
            self.xSpread = xSpread
            self.ySpread = ySpread
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var points: [Point]
    /// Size of the SVG in pixels.
    public var width: Int = 640
    public var height: Int = 360

    public init(title: String = "", xLabel: String = "", yLabel: String = "", points: [Point] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.points = points
    }

    private static func drawable(_ point: Point) -> Bool { isPlottable(point.x) && isPlottable(point.y) }

    private static func spread(_ value: Double?) -> Double {
        guard let value, isPlottable(value) else { return 0 }
        return abs(value)
    }

    private func scales() -> (x: AxisScale, y: AxisScale) {
        let shown = points.filter(Self.drawable)
        // The axes cover every error bar, not only the centres.
        let xs = shown.flatMap { [$0.x - Self.spread($0.xSpread), $0.x + Self.spread($0.xSpread)] }
        let ys = shown.flatMap { [$0.y - Self.spread($0.ySpread), $0.y + Self.spread($0.ySpread)] }
        return (AxisScale.linear(covering: xs, targetTickCount: 7), AxisScale.linear(covering: ys))
    }

    /// The letter that marks point `index` in the text grid: a, b, …, z, then A, B, ….
    static func letter(_ index: Int) -> Character {
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return index < letters.count ? letters[index] : "+"
    }

    // MARK: - SVG

    public func svg() -> String {
        let (xScale, yScale) = scales()
        let legend = points.enumerated().map { index, point in
            LegendEntry(name: point.name, colour: Palette.colour(forSeries: index), dash: nil, marker: true, swatch: false)
        }
        let frame = CartesianFrame(width: Double(width), height: Double(height), title: title, xLabel: xLabel,
                                   yLabel: yLabel, x: xScale, y: yScale, legend: legend)
        var canvas = SVGCanvas(width: Double(width), height: Double(height))
        frame.drawFurniture(into: &canvas)
        guard points.contains(where: Self.drawable) else {
            frame.drawNoData("no data", into: &canvas)
            return canvas.document(title: title)
        }
        let cap = 3.0
        for (index, point) in points.enumerated() where Self.drawable(point) {
            let colour = Palette.colour(forSeries: index)
            let px = frame.horizontal(point.x), py = frame.vertical(point.y)
            let dx = Self.spread(point.xSpread), dy = Self.spread(point.ySpread)
            if dx > 0 {
                let left = frame.horizontal(point.x - dx), right = frame.horizontal(point.x + dx)
                canvas.line(x1: left, y1: py, x2: right, y2: py, stroke: colour, strokeWidth: 1.5)
                canvas.line(x1: left, y1: py - cap, x2: left, y2: py + cap, stroke: colour, strokeWidth: 1.5)
                canvas.line(x1: right, y1: py - cap, x2: right, y2: py + cap, stroke: colour, strokeWidth: 1.5)
            }
            if dy > 0 {
                let low = frame.vertical(point.y - dy), high = frame.vertical(point.y + dy)
                canvas.line(x1: px, y1: low, x2: px, y2: high, stroke: colour, strokeWidth: 1.5)
                canvas.line(x1: px - cap, y1: low, x2: px + cap, y2: low, stroke: colour, strokeWidth: 1.5)
                canvas.line(x1: px - cap, y1: high, x2: px + cap, y2: high, stroke: colour, strokeWidth: 1.5)
            }
            canvas.circle(cx: px, cy: py, radius: 4.5, fill: colour, stroke: Palette.background)
        }
        return canvas.document(title: title)
    }

    // MARK: - Text

    /// A grid (`height` rows) with each point's letter at its place (`*` where
    /// two fall in one cell), y tick labels and an x axis, then a key: letter,
    /// name, x ± spread, y ± spread.
    public func text(width: Int) -> String { text(width: width, height: 12) }

    public func text(width: Int, height: Int) -> String {
        var lines: [String] = []
        if !title.isEmpty { lines.append(title) }
        guard points.contains(where: Self.drawable) else {
            lines.append("(no data)")
            return lines.joined(separator: "\n")
        }
        let (xScale, yScale) = scales()
        let yLabels = yScale.ticks.map { yScale.label($0) }
        let labelWidth = max(yLabels.map(\.count).max() ?? 1, 1)
        let columns = max(8, width - labelWidth - 2)
        let rows = max(3, height)
        var grid = Array(repeating: Array(repeating: Character(" "), count: columns), count: rows)
        func cell(_ x: Double, _ y: Double) -> (column: Int, row: Int) {
            let column = Int((xScale.fraction(x) * Double(columns - 1)).rounded())
            let row = Int(((1 - yScale.fraction(y)) * Double(rows - 1)).rounded())
            return (min(max(column, 0), columns - 1), min(max(row, 0), rows - 1))
        }
        for (index, point) in points.enumerated() where Self.drawable(point) {
            let (column, row) = cell(point.x, point.y)
            grid[row][column] = grid[row][column] == " " ? Self.letter(index) : "*"
        }
        var rowLabels = Array(repeating: "", count: rows)
        for (tick, label) in zip(yScale.ticks, yLabels) {
            let row = Int(((1 - yScale.fraction(tick)) * Double(rows - 1)).rounded())
            if row >= 0 && row < rows && rowLabels[row].isEmpty { rowLabels[row] = label }
        }
        for row in 0..<rows {
            let label = rowLabels[row]
            lines.append(TextCell.pad(label, to: labelWidth, .right) + (label.isEmpty ? " │" : " ┤") + String(grid[row]))
        }
        lines.append(String(repeating: " ", count: labelWidth + 1) + "└" + String(repeating: "─", count: columns))
        lines.append(axisLabelLine(xScale, offset: labelWidth + 2, columns: columns))
        if !xLabel.isEmpty { lines.append(TextCell.pad(xLabel, to: labelWidth + 2 + columns, .center)) }
        if !yLabel.isEmpty { lines.append("y: " + yLabel) }
        let nameWidth = min(20, points.map(\.name.count).max() ?? 0)
        for (index, point) in points.enumerated() {
            let name = TextCell.pad(TextCell.truncate(point.name, to: nameWidth), to: nameWidth, .left)
            let values = Self.drawable(point)
                ? "x " + Self.value(point.x, point.xSpread) + "   y " + Self.value(point.y, point.ySpread)
                : "(not drawn: no finite value)"
            lines.append(TextCell.truncate("  \(Self.letter(index))  \(name)  \(values)", to: width))
        }
        return lines.map(LineChart.trimmingTrailingSpaces).joined(separator: "\n")
    }

    private static func value(_ centre: Double, _ spread: Double?) -> String {
        NumberFormat.compact(centre) + (spread.map { isPlottable($0) ? " ± " + NumberFormat.compact($0) : "" } ?? "")
    }

    /// x tick labels under their columns, skipping any that would collide.
    private func axisLabelLine(_ scale: AxisScale, offset: Int, columns: Int) -> String {
        var characters = Array(repeating: Character(" "), count: offset + columns + 8)
        var nextFree = 0
        for tick in scale.ticks {
            let label = Array(scale.label(tick))
            let column = offset + Int((scale.fraction(tick) * Double(columns - 1)).rounded())
            let start = min(max(column - label.count / 2, offset - 1), offset + columns - label.count)
            guard start >= nextFree, start >= 0 else { continue }
            for (index, character) in label.enumerated() { characters[start + index] = character }
            nextFree = start + label.count + 1
        }
        return String(characters)
    }
}

/// Several charts one above the other in one SVG document (each keeps its own
/// size and drawing) and in one text, separated by a blank line.
public struct ChartStack: Chart {
    public var charts: [(chart: any Chart, width: Int, height: Int)]

    public init(_ charts: [(chart: any Chart, width: Int, height: Int)]) { self.charts = charts }

    public func svg() -> String {
        let width = charts.map(\.width).max() ?? 0
        let height = charts.map(\.height).reduce(0, +)
        var output = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\">\n"
        var top = 0
        for entry in charts {
            // A nested <svg> is placed by its x and y; the inner document keeps its own viewBox.
            let inner = entry.chart.svg()
            output += (inner.hasPrefix("<svg ") ? "<svg x=\"0\" y=\"\(top)\" " + inner.dropFirst(5) : inner) + "\n"
            top += entry.height
        }
        return output + "</svg>"
    }

    public func text(width: Int) -> String {
        charts.map { $0.chart.text(width: width) }.joined(separator: "\n\n")
    }
}

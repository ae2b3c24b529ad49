/// A grid of values in a known range, typically LoRA's φ(i, j) subspace
/// similarity in [0, 1]: row i against column j, a colour per cell, a colour
/// scale, optional values printed in the cells.
///
///     let map = Heatmap(title: "φ(r8, r64)", values: grid, rowTitle: "i (r=8)", columnTitle: "j (r=64)")
public struct Heatmap: Chart {
    public var title: String
    /// `values[row][column]`; rows may be ragged (missing cells are drawn empty).
    public var values: [[Double]]
    public var rowLabels: [String]
    public var columnLabels: [String]
    public var rowTitle: String
    public var columnTitle: String
    /// The values mapped to the ends of the colour scale.
    public var range: ClosedRange<Double>
    /// Prints each value in its cell (SVG: when cells are large enough).
    public var showsValues: Bool

    /// Row and column labels default to 1, 2, 3, …
    public init(title: String = "", values: [[Double]], rowLabels: [String]? = nil, columnLabels: [String]? = nil,
                rowTitle: String = "i", columnTitle: String = "j", range: ClosedRange<Double> = 0...1,
                showsValues: Bool = false) {
        self.title = title
        self.values = values
        let columnCount = values.map(\.count).max() ?? 0
        self.rowLabels = rowLabels ?? values.indices.map { String($0 + 1) }
        self.columnLabels = columnLabels ?? (0..<columnCount).map { String($0 + 1) }
        self.rowTitle = rowTitle
        self.columnTitle = columnTitle
        self.range = range
        self.showsValues = showsValues
    }

    private var rowCount: Int { values.count }
    private var columnCount: Int { values.map(\.count).max() ?? 0 }

    private func value(row: Int, column: Int) -> Double {
        column < values[row].count ? values[row][column] : .nan
    }

    /// Position of `value` on the colour scale, in [0, 1]; NaN when not finite.
    private func fraction(_ value: Double) -> Double {
        guard value.isFinite else { return .nan }
        let span = range.upperBound - range.lowerBound
        return span > 0 ? min(1, max(0, (value - range.lowerBound) / span)) : 0.5
    }

    private func label(_ labels: [String], _ index: Int) -> String {
        index < labels.count ? labels[index] : String(index + 1)
    }

    public func svg() -> String {
        let rows = rowCount, columns = columnCount
        let cell = max(6, min(44, 420 / Double(max(1, max(rows, columns)))))
        let rowLabelWidth = (0..<rows).map { SVGCanvas.estimatedWidth(of: label(rowLabels, $0), fontSize: 11) }.max() ?? 0
        let left = 14 + 20 + rowLabelWidth + 6
        let top: Double = title.isEmpty ? 16 : 42
        let gridWidth = cell * Double(columns), gridHeight = cell * Double(rows)
        let scaleX = left + gridWidth + 24
        let width = max(scaleX + 70, title.isEmpty ? 0 : SVGCanvas.estimatedWidth(of: title, fontSize: 15) + 30)
        let height = top + max(gridHeight, rows == 0 ? 120 : 100) + 48
        var canvas = SVGCanvas(width: width, height: height)
        if !title.isEmpty {
            canvas.text(title, x: width / 2, y: 20, anchor: .middle, fontSize: 15, bold: true)
        }
        guard rows > 0, columns > 0 else {
            canvas.text("no data", x: width / 2, y: top + 50, anchor: .middle, fontSize: 14, fill: Palette.mutedText)
            return canvas.document(title: title)
        }
        // Small cells: label 1, 5, 10, 15, … (a 1-2-5 stride) rather than every cell.
        let labelStride = [1, 2, 5, 10, 20, 50, 100].first { Double($0) * cell >= 14 } ?? 100
        func labelled(_ index: Int) -> Bool { index == 0 || (index + 1) % labelStride == 0 }
        for row in 0..<rows {
            for column in 0..<columns {
                let value = value(row: row, column: column), position = fraction(value)
                let x = left + Double(column) * cell, y = top + Double(row) * cell
                canvas.rect(x: x, y: y, width: cell, height: cell,
                            fill: position.isNaN ? Palette.missing : Palette.sequential(position),
                            stroke: cell >= 12 ? Palette.background : nil, crispEdges: cell < 12)
                if showsValues && value.isFinite && cell >= 26 {
                    canvas.text(NumberFormat.fixed(value, decimals: 2), x: x + cell / 2, y: y + cell / 2,
                                anchor: .middle, fontSize: cell >= 36 ? 11 : 9,
                                fill: Palette.needsLightText(onSequential: position) ? "#ffffff" : "#000000")
                }
            }
            if labelled(row) {
                canvas.text(label(rowLabels, row), x: left - 6, y: top + (Double(row) + 0.5) * cell, anchor: .end,
                            fontSize: 11, fill: Palette.mutedText)
            }
        }
        for column in 0..<columns where labelled(column) {
            canvas.text(label(columnLabels, column), x: left + (Double(column) + 0.5) * cell, y: top + gridHeight + 12,
                        anchor: .middle, fontSize: 11, fill: Palette.mutedText)
        }
        canvas.text(columnTitle, x: left + gridWidth / 2, y: top + gridHeight + 32, anchor: .middle)
        canvas.text(rowTitle, x: 16, y: top + gridHeight / 2, anchor: .middle, rotation: -90)
        drawColourScale(x: scaleX, y: top, height: max(gridHeight, 100), into: &canvas)
        return canvas.document(title: title)
    }

    /// A vertical strip of the colour ramp (small rects, so no gradient ids can
    /// clash between several SVGs inlined in one notebook) with ticks.
    private func drawColourScale(x: Double, y: Double, height: Double, into canvas: inout SVGCanvas) {
        let steps = 40, stripWidth: Double = 14
        for step in 0..<steps {
            let top = y + height * Double(step) / Double(steps)
            canvas.rect(x: x, y: top, width: stripWidth, height: height / Double(steps) + 0.5,
                        fill: Palette.sequential(1 - (Double(step) + 0.5) / Double(steps)))
        }
        canvas.rect(x: x, y: y, width: stripWidth, height: height, fill: "none", stroke: Palette.axis)
        let scale = AxisScale.linear(covering: [range.lowerBound, range.upperBound], targetTickCount: 5)
        for tick in scale.ticks where range.contains(tick) {
            let span = range.upperBound - range.lowerBound
            let ty = y + height * (1 - (span > 0 ? (tick - range.lowerBound) / span : 0.5))
            canvas.line(x1: x + stripWidth, y1: ty, x2: x + stripWidth + 4, y2: ty, stroke: Palette.axis)
            canvas.text(scale.label(tick), x: x + stripWidth + 7, y: ty, fontSize: 11, fill: Palette.mutedText)
        }
    }

    /// Shade glyphs, two per cell (░▒▓█ in five equal bins of the range), with
    /// row and column labels and a key; with `showsValues`, the numbers instead.
    public func text(width: Int) -> String {
        var lines: [String] = []
        if !title.isEmpty { lines.append(title) }
        let rows = rowCount, columns = columnCount
        guard rows > 0, columns > 0 else {
            lines.append("(no data)")
            return lines.joined(separator: "\n")
        }
        let rowLabelWidth = max(rowTitle.count, (0..<rows).map { label(rowLabels, $0).count }.max() ?? 1)
        let widestColumnLabel = (0..<columns).map { label(columnLabels, $0).count }.max() ?? 1
        let prefixWidth = rowLabelWidth + 3
        // Two glyphs per cell keep cells roughly square; one when that is what fits (r = 64).
        var cellWidth = showsValues ? 5 : 2
        if !showsValues && prefixWidth + columns * 2 > width { cellWidth = 1 }
        let separator = showsValues ? " " : ""
        let visibleColumns = max(1, min(columns, (width - prefixWidth) / (cellWidth + separator.count)))
        var header = TextCell.pad(rowTitle + "\\" + columnTitle, to: prefixWidth, .left)
        if header.count > prefixWidth { header = TextCell.pad(rowTitle, to: prefixWidth, .left) }
        // Column labels start above their cell; a label that would touch the previous one is skipped.
        let pitch = cellWidth + separator.count
        var columnHeader = Array(repeating: Character(" "), count: visibleColumns * pitch + widestColumnLabel)
        let labelStride = [1, 2, 5, 10, 20, 50, 100].first { $0 * pitch >= widestColumnLabel + 1 } ?? 100
        var nextFree = 0
        for column in 0..<visibleColumns where column == 0 || (column + 1) % labelStride == 0 {
            let text = Array(label(columnLabels, column))
            let start = showsValues ? column * pitch + cellWidth - text.count : column * pitch
            guard start >= nextFree, start >= 0, prefixWidth + start + text.count <= width else { continue }
            for (offset, character) in text.enumerated() { columnHeader[start + offset] = character }
            nextFree = start + text.count + 1
        }
        let columnHeaderText = String(columnHeader)
        lines.append(header + columnHeaderText)
        for row in 0..<rows {
            var line = TextCell.pad(label(rowLabels, row), to: rowLabelWidth, .right) + " │ "
            for column in 0..<visibleColumns {
                let value = value(row: row, column: column)
                if showsValues {
                    line += TextCell.pad(value.isFinite ? NumberFormat.fixed(value, decimals: 2) : "–", to: cellWidth, .right) + separator
                } else {
                    line += String(repeating: UnicodeBars.shade(fraction(value)), count: cellWidth)
                }
            }
            lines.append(line)
        }
        if visibleColumns < columns {
            lines.append(TextCell.truncate("(\(columns - visibleColumns) more columns not shown)", to: width))
        }
        if !showsValues {
            let low = range.lowerBound, step = (range.upperBound - range.lowerBound) / 5
            let key = (0..<5).map { level in
                "\(UnicodeBars.shades[level] == " " ? "' '" : String(UnicodeBars.shades[level])) "
                    + NumberFormat.compact(low + Double(level) * step, significantDigits: 2) + "–"
                    + NumberFormat.compact(low + Double(level + 1) * step, significantDigits: 2)
            }
            // The key wraps rather than overrun a narrow terminal.
            var keyLine = "key:"
            for entry in key {
                if keyLine.count + 2 + entry.count > width { lines.append(keyLine); keyLine = "    " }
                keyLine += "  " + entry
            }
            lines.append(keyLine)
        }
        return lines.map(LineChart.trimmingTrailingSpaces).joined(separator: "\n")
    }
}

import Testing
import Charts

/// Length of a Unicode bar in eighths of a cell.
func eighths(in text: Substring) -> Int {
    let partial: [Character: Int] = ["▏": 1, "▎": 2, "▍": 3, "▌": 4, "▋": 5, "▊": 6, "▉": 7, "█": 8]
    return text.reduce(0) { $0 + (partial[$1] ?? 0) }
}

@Suite struct BarChartTests {
    @Test func textBarsAreProportionalToValues() {
        let chart = BarChart(title: "final loss", bars: [("q,v", 1), ("attn", 2.5), ("all-linear", 4)])
        let lines = chart.text(width: 50).split(separator: "\n").dropFirst()
        let lengths = lines.prefix(3).map(eighths)
        #expect(lengths.count == 3)
        let longest = Double(lengths[2])
        #expect(abs(Double(lengths[0]) / longest - 0.25) <= 1 / longest)
        #expect(abs(Double(lengths[1]) / longest - 0.625) <= 1 / longest)
        #expect(lines.first?.hasSuffix(" 1") == true)
        // Values line up in one column.
        let ends = lines.prefix(3).map(\.count)
        #expect(Set(ends).count == 1)
    }

    @Test func groupedSvgHasABarPerValueAndALegend() {
        let chart = BarChart(title: "Loss by strategy", valueLabel: "loss", categories: ["q,v", "ffn", "all"],
                             series: [.init(name: "train", values: [2.3, 2.1, 1.9]),
                                      .init(name: "eval", values: [2.5, 2.4, -0.5])])
        let parsed = ParsedXML(chart.svg())
        #expect(parsed.isWellFormed, "\(parsed.error ?? "")")
        let colours = ["#0072B2", "#D55E00"]
        let bars = parsed.elements(named: "rect").filter { colours.contains($0.attributes["fill"] ?? "") }
        #expect(bars.count == 6 + 2)  // six bars plus two legend swatches
        for label in ["train", "eval", "q,v", "ffn", "all", "2.3", "-0.5", "loss"] {
            #expect(parsed.texts.contains(label), "missing \(label)")
        }
        // Bar widths are proportional to the values.
        let widths = bars.compactMap { Double($0.attributes["width"] ?? "") }.filter { $0 > 12 }
        let ratio = (widths.max() ?? 0) / (widths.min() ?? 1)
        #expect(abs(ratio - 2.5 / 0.5) < 0.1)
    }

    @Test func missingValuesSayNotAvailable() {
        let chart = BarChart(bars: [("a", .nan), ("b", 1)])
        #expect(ParsedXML(chart.svg()).texts.contains("n/a"))
        #expect(chart.text().contains("n/a"))
        let empty = BarChart(bars: [])
        #expect(ParsedXML(empty.svg()).texts.contains("no data"))
        #expect(empty.text().contains("no data"))
    }
}

@Suite struct TableTests {
    let table = Table(header: ["strategy", "params", "final loss"], rows: [
        ["q,v", "8,192", "2.31"],
        ["all-linear <&>", "1,234,567", "1.9"],
        ["ffn", "65,536", "NaN"],
    ])

    @Test func textColumnsAlignAndNumbersAlignRight() {
        let lines = table.text().split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        // Right-aligned numeric columns end at the same column on every line.
        let paramsEnd = lines[0].range(of: "params")!.upperBound
        let endOffset = lines[0].distance(from: lines[0].startIndex, to: paramsEnd)
        for line in [lines[2], lines[3], lines[4]] {
            let index = line.index(line.startIndex, offsetBy: endOffset - 1)
            #expect(line[index].isNumber, "'\(line)'")
            #expect(line[line.index(after: index)] == " ")
        }
        #expect(lines.dropFirst().allSatisfy { $0.count == lines[1].count })
        #expect(table.alignment(ofColumn: 0) == .left)
        #expect(table.alignment(ofColumn: 1) == .right && table.alignment(ofColumn: 2) == .right)
    }

    @Test func boxedTextHasEqualWidthLines() {
        let lines = table.text(boxed: true).split(separator: "\n")
        #expect(lines.count == 7)
        #expect(Set(lines.map(\.count)).count == 1)
        #expect(lines.first?.hasPrefix("┌") == true && lines.last?.hasPrefix("└") == true)
    }

    @Test func htmlIsWellFormedAndEscaped() {
        let html = Table(title: "cmp \"x\"", header: table.header, rows: table.rows).html()
        #expect(html.contains("all-linear &lt;&amp;&gt;"))
        let parsed = ParsedXML(html)
        #expect(parsed.isWellFormed, "\(parsed.error ?? "")")
        #expect(parsed.elements(named: "tr").count == 4)
        #expect(parsed.elements(named: "td").map(\.text).contains("all-linear <&>"))
        #expect(parsed.elements(named: "th").last?.attributes["style"]?.hasPrefix("text-align:right") == true)
        #expect(parsed.elements(named: "caption").first?.text == "cmp \"x\"")
    }
}

@Suite struct ProgressViewTests {
    @Test func progressLineShowsStepBarPercentLossAndTime() {
        let view = ProgressView(step: 120, total: 300, loss: 2.314, elapsed: 3.1)
        let line = view.text()
        #expect(line.hasPrefix("step 120/300 ["))
        #expect(line.contains("] 40% loss 2.314 · 3.1 s"))
        #expect(line.contains("~4.7 s left"))
        let bar = line.split(separator: "[")[1].split(separator: "]")[0]
        #expect(bar.count == view.barWidth)
        #expect(eighths(in: bar) == Int((0.4 * Double(view.barWidth) * 8).rounded()))
        #expect(!line.contains("\n"))
    }

    @Test func progressHandlesEdgeCases() {
        #expect(ProgressView(step: 0, total: 0, elapsed: 0).text().contains("0%"))
        #expect(ProgressView(step: 500, total: 300, loss: .nan, elapsed: .nan).text().contains("100% loss NaN"))
    }

    @Test func htmlEmbedsTheLiveLossChart() {
        let chart = LineChart(title: "loss", series: [.init(name: "run", values: [3, 2.5, 2.2])])
        let html = ProgressView(step: 3, total: 10, loss: 2.2, elapsed: 1).html(lossChart: chart)
        let parsed = ParsedXML(html)
        #expect(parsed.isWellFormed, "\(parsed.error ?? "")")
        #expect(parsed.elements(named: "svg").count == 1)
        #expect(parsed.elements(named: "path").count == 1)
        #expect(parsed.elements.contains { $0.attributes["style"]?.contains("width:30%") == true })
        #expect(!html.contains("<script"))
    }
}

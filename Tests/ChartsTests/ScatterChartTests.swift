import Testing
import Charts

@Suite struct ScatterChartTests {
    /// Three strategies: a learns most and forgets most, c the opposite, b without spreads.
    func tradeOff() -> ScatterChart {
        ScatterChart(title: "forgetting against learning", xLabel: "eval finetune", yLabel: "forgetting", points: [
            .init(name: "all-linear", x: 0.16, y: 4.1, xSpread: 0.004, ySpread: 0.2),
            .init(name: "q,v", x: 0.30, y: 4.9),
            .init(name: "q", x: 0.74, y: 1.8, xSpread: 0.07, ySpread: 0.09),
        ])
    }

    @Test func svgHasAMarkerPerPointPlacedByItsValuesAndBarsForItsSpreads() throws {
        let parsed = ParsedXML(tradeOff().svg())
        #expect(parsed.isWellFormed, "\(parsed.error ?? "")")
        // The legend draws a dot per entry too; the plot's markers are the larger ones.
        let markers = parsed.elements(named: "circle").filter { $0.attributes["r"] == "4.5" }
        #expect(markers.count == 3)
        let xs = markers.compactMap { $0.attributes["cx"].flatMap(Double.init) }
        let ys = markers.compactMap { $0.attributes["cy"].flatMap(Double.init) }
        #expect(xs[0] < xs[1] && xs[1] < xs[2], "left to right as the loss grows: \(xs)")
        #expect(ys[1] < ys[0] && ys[0] < ys[2], "SVG y grows downward: q,v forgets most, q least: \(ys)")
        // Two points with spreads: a bar and two caps per axis each; none for the point without.
        let bars = parsed.elements(named: "line").filter { $0.attributes["stroke-width"] == "1.5" }
        #expect(bars.count == 2 * 6)
        #expect(parsed.texts.contains("all-linear") && parsed.texts.contains("q,v") && parsed.texts.contains("q"))
        #expect(parsed.texts.contains("eval finetune") && parsed.texts.contains("forgetting"))
    }

    @Test func theAxesCoverEveryErrorBar() throws {
        let chart = ScatterChart(points: [.init(name: "wide", x: 1, y: 1, xSpread: 5, ySpread: 5), .init(name: "narrow", x: 2, y: 2)])
        let parsed = ParsedXML(chart.svg())
        let numbers = Set(parsed.texts.compactMap { Double($0) })
        #expect(numbers.contains { $0 <= -4 } && numbers.contains { $0 >= 6 }, "tick labels span 1 ± 5: \(numbers.sorted())")
    }

    @Test func textPlacesALetterPerPointAndKeysItsValues() {
        let text = tradeOff().text(width: 60)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "forgetting against learning")
        let grid = lines.filter { $0.contains("┤") || $0.contains("│") }
        let rowOf = { (letter: Character) in grid.firstIndex { $0.split(separator: "┤", maxSplits: 1).last?.contains(letter) == true
            || $0.split(separator: "│", maxSplits: 1).last?.contains(letter) == true } }
        let (a, b, c) = (rowOf("a"), rowOf("b"), rowOf("c"))
        #expect(a != nil && b != nil && c != nil, "\(text)")
        #expect(b! < a! && a! < c!, "b (forgets most) on the top row, c at the bottom:\n\(text)")
        #expect(lines.contains { $0.hasPrefix("  a  all-linear") && $0.contains("x 0.16 ± 4e-3") && $0.contains("y 4.1 ± 0.2") }, "\(text)")
        #expect(lines.contains { $0.hasPrefix("  b  q,v") && $0.hasSuffix("x 0.3   y 4.9") }, "\(text)")
        #expect(lines.allSatisfy { $0.count <= 60 }, "\(text)")
    }

    @Test func twoPointsInOneCellShowAStarAndNonFiniteOnesAreListedNotDrawn() {
        let chart = ScatterChart(points: [.init(name: "one", x: 1, y: 1), .init(name: "two", x: 1, y: 1), .init(name: "far", x: 5, y: 5),
                                          .init(name: "lost", x: .nan, y: 1)])
        let text = chart.text(width: 40)
        #expect(text.contains("*"), "\(text)")
        #expect(text.contains("d  lost  (not drawn: no finite value)"), "\(text)")
        #expect(ParsedXML(chart.svg()).elements(named: "circle").filter { $0.attributes["r"] == "4.5" }.count == 3)
        #expect(ScatterChart(points: [.init(name: "nan", x: .nan, y: .nan)]).text(width: 40).contains("(no data)"))
    }

    @Test func aStackKeepsEachChartAtItsOffsetInOneDocument() throws {
        let line = LineChart(title: "loss", series: [.init(name: "q", values: [3, 2, 1])])
        let stack = ChartStack([(line, line.width, line.height), (tradeOff(), 640, 360)])
        let svg = stack.svg()
        let parsed = ParsedXML(svg)
        #expect(parsed.isWellFormed, "\(parsed.error ?? "")")
        let documents = parsed.elements(named: "svg")
        #expect(documents.count == 3, "the outer document and the two charts")
        #expect(documents.first?.attributes["height"] == "\(line.height + 360)")
        #expect(documents.dropFirst().map { $0.attributes["y"] } == ["0", "\(line.height)"])
        #expect(stack.text(width: 72) == line.text(width: 72) + "\n\n" + tradeOff().text(width: 72))
    }
}

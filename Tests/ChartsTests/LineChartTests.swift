import Testing
import Charts

@Suite struct LineChartTests {
    func lossCurve(start: Double, decay: Double, steps: Int) -> [(x: Double, y: Double)] {
        (0..<steps).map { step in (Double(step), start * 1 / (1 + decay * Double(step))) }
    }

    func twoRuns() -> LineChart {
        LineChart(title: "Loss", xLabel: "step", yLabel: "loss", series: [
            .init(name: "r=4", points: lossCurve(start: 3, decay: 0.05, steps: 60)),
            .init(name: "r=64", points: lossCurve(start: 3, decay: 0.09, steps: 60)),
        ])
    }

    @Test func svgIsWellFormedWithOnePathPerSeriesAndLegend() throws {
        let chart = twoRuns()
        let parsed = ParsedXML(chart.svg())
        #expect(parsed.isWellFormed, "\(parsed.error ?? "")")
        let paths = parsed.elements(named: "path")
        #expect(paths.count == 2)
        #expect(paths.map { $0.attributes["data-series"] } == ["r=4", "r=64"])
        #expect(Set(paths.compactMap { $0.attributes["stroke"] }).count == 2)
        #expect(parsed.texts.contains("r=4") && parsed.texts.contains("r=64"))
        #expect(parsed.texts.contains("Loss") && parsed.texts.contains("step") && parsed.texts.contains("loss"))
        // A white background so the chart reads in dark notebook themes too.
        #expect(parsed.elements(named: "rect").first?.attributes["fill"] == "#ffffff")
        #expect(!chart.svg().contains("<script"))
    }

    /// A band is one filled polygon per series, under its line, spanning low to high.
    @Test func bandsAreDrawnUnderTheirLinesAndWidenTheAxis() throws {
        let chart = LineChart(title: "Seeds", xLabel: "step", yLabel: "loss", series: [
            LineChart.Series(name: "q", values: [3, 2, 1], low: [3.5, 2.5, 0.5], high: [4, 2.8, 1.5]),
            LineChart.Series(name: "v", values: [3, 2.5, 2]),
        ])
        let parsed = ParsedXML(chart.svg())
        #expect(parsed.isWellFormed, "\(parsed.error ?? "")")
        let polygons = parsed.elements(named: "polygon")
        #expect(polygons.map { $0.attributes["data-band"] } == ["q band"], "only the series with a band gets one")
        let corners = try #require(polygons.first?.attributes["points"]).split(separator: " ")
        #expect(corners.count == 6, "three high corners, then three low ones back")
        // The band's top (4) lies above the highest line point (3): the axis covers it.
        let heights = corners.compactMap { Double($0.split(separator: ",")[1]) }
        let linePath = try #require(parsed.elements(named: "path").first { $0.attributes["data-series"] == "q" }?.attributes["d"])
        let lineHeights = linePath.split(separator: " ").compactMap { Double($0.filter { $0.isNumber || $0 == "." }) }
        #expect(heights.min()! < lineHeights.min()!, "the band reaches higher on screen (smaller y) than the line")
        let svg = chart.svg()
        #expect(svg.range(of: "<polygon")!.lowerBound < svg.range(of: "data-series=\"q\"")!.lowerBound, "bands come first, lines on top")
    }

    @Test func pathFollowsTheDataDownward() throws {
        let chart = LineChart(series: [.init(name: "", values: [4, 3, 2, 1])])
        let parsed = ParsedXML(chart.svg())
        let data = try #require(parsed.elements(named: "path").first?.attributes["d"])
        let ys = data.split(separator: " ").enumerated().filter { $0.offset % 2 == 1 }.compactMap { Double($0.element) }
        #expect(ys.count == 4)
        #expect(zip(ys, ys.dropFirst()).allSatisfy { $0 < $1 }, "SVG y grows downward as the loss falls: \(ys)")
    }

    @Test func escapesMarkupInLabels() {
        let label = "a<b & \"c\" 'd'"
        let chart = LineChart(title: label, xLabel: label, yLabel: "y<", series: [.init(name: label, values: [1, 2])])
        let svg = chart.svg()
        #expect(!svg.contains("a<b"))
        #expect(svg.contains("a&lt;b &amp; &quot;c&quot; &#39;d&#39;"))
        let parsed = ParsedXML(svg)
        #expect(parsed.isWellFormed)
        #expect(parsed.texts.filter { $0 == label }.count >= 3)  // title, x label, legend
        #expect(parsed.elements(named: "path").first?.attributes["data-series"] == label)
    }

    @Test func emptyAndNonFiniteDataSayNoData() {
        let charts = [
            LineChart(title: "empty"),
            LineChart(series: [.init(name: "nan", values: [.nan, .infinity, -.infinity])]),
            LineChart(logarithmicY: true, series: [.init(name: "nonpositive", values: [0, -1])]),
        ]
        for chart in charts {
            let parsed = ParsedXML(chart.svg())
            #expect(parsed.isWellFormed)
            #expect(parsed.texts.contains("no data"))
            #expect(chart.text().contains("no data"))
        }
    }

    @Test func nonFinitePointsBreakTheLineInsteadOfPoisoningIt() throws {
        let chart = LineChart(series: [.init(name: "diverged", values: [3, 2, .nan, 1.5, 1])])
        let svg = chart.svg()
        #expect(!svg.contains("NaN") && !svg.contains("inf"))
        let data = try #require(ParsedXML(svg).elements(named: "path").first?.attributes["d"])
        #expect(data.filter { $0 == "M" }.count == 2)
        #expect(data.filter { $0 == "L" }.count == 2)
    }

    @Test func logarithmicAxisLabelsPowersOfTen() {
        let chart = LineChart(logarithmicY: true, series: [.init(name: "loss", values: [5, 0.5, 0.05, 0.01])])
        let texts = ParsedXML(chart.svg()).texts
        for label in ["0.01", "0.1", "1"] { #expect(texts.contains(label), "missing tick \(label)") }
    }

    @Test func renderingIsDeterministic() {
        #expect(twoRuns().svg() == twoRuns().svg())
        #expect(twoRuns().text() == twoRuns().text())
    }

    @Test func longSeriesAreThinnedButKeepTheirExtremes() throws {
        let values = (0..<50_000).map { 2 + Double($0 % 1000 == 0 ? 1 : 0) - Double($0) / 50_000 }
        let svg = LineChart(series: [.init(name: "long", values: values)]).svg()
        #expect(svg.utf8.count < 150_000)
        let data = try #require(ParsedXML(svg).elements(named: "path").first?.attributes["d"])
        let ys = data.split(separator: " ").enumerated().filter { $0.offset % 2 == 1 }.compactMap { Double($0.element) }
        let full = LineChart(series: [.init(name: "", values: [3, 1])])
        _ = full
        // The spikes to 3 must survive thinning: the smallest pixel y (highest value) is near the top.
        #expect((ys.min() ?? 1000) < 60)
    }

    @Test func textPlotHasAxesAndOneSummaryPerSeries() {
        let text = twoRuns().text(width: 70)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "Loss")
        #expect(lines.allSatisfy { $0.count <= 70 + 8 })
        #expect(lines.contains { $0.contains("└") })
        let summaries = lines.filter { $0.contains("first 3") }
        #expect(summaries.count == 2)
        #expect(summaries[0].contains("r=4") && summaries[1].contains("r=64"))
        // Braille dots are drawn.
        #expect(text.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) })
    }
}

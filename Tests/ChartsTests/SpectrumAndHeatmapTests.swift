import Testing
import Charts

@Suite struct SpectrumChartTests {
    let chart = SpectrumChart(title: "ΔW spectra", spectra: [
        .init(name: "layers.0.q", values: [8, 4, 2, 1, 1e-3, 5e-4, 1e-4, 5e-5]),
        .init(name: "layers.0.v", values: [5, 3, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01]),
    ], rank: 4)

    @Test func svgHasAPathPerMatrixLogTicksAndTheRankLine() {
        let parsed = ParsedXML(chart.svg())
        #expect(parsed.isWellFormed, "\(parsed.error ?? "")")
        #expect(parsed.elements(named: "path").map { $0.attributes["data-series"] } == ["layers.0.q", "layers.0.v"])
        #expect(parsed.texts.contains("top r = 4"))
        #expect(parsed.elements(named: "line").contains { $0.attributes["stroke-dasharray"] != nil })
        #expect(parsed.elements(named: "circle").count >= 16)  // markers
        for label in ["1e-4", "1e-3", "0.01", "0.1", "1", "10"] { #expect(parsed.texts.contains(label)) }
    }

    @Test func textBarsAreLogarithmicAndOrdered() {
        let text = chart.text(width: 60)
        let rows = text.split(separator: "\n").filter { $0.contains("σ") && $0.contains("█") }
        #expect(rows.count == 16)
        func barLength(_ row: Substring) -> Int { row.filter { "█▉▊▋▌▍▎▏".contains($0) }.count }
        let first = rows.prefix(8).map(barLength)
        #expect(zip(first, first.dropFirst()).allSatisfy { $0 >= $1 })
        // Log scale: halving σ (8 → 4 → 2 → 1) shortens the bar by equal steps.
        let drops = zip(first.prefix(4), first.dropFirst().prefix(3)).map { $0 - $1 }
        #expect((drops.max() ?? 0) - (drops.min() ?? 0) <= 1)
        #expect(text.contains("top r = 4"))
    }

    @Test func zerosAndEmptySpectraDoNotCrash() {
        let empty = SpectrumChart(spectra: [])
        #expect(ParsedXML(empty.svg()).texts.contains("no data"))
        #expect(empty.text().contains("no data"))
        let degenerate = SpectrumChart(spectra: [.init(name: "zero", values: [0, 0, .nan])], rank: 2)
        #expect(ParsedXML(degenerate.svg()).isWellFormed)
        #expect(degenerate.text().contains("no data"))
        let mixed = SpectrumChart(spectra: [.init(name: "rank1", values: [3, 0, 0])])
        #expect(ParsedXML(mixed.svg()).isWellFormed)
        #expect(mixed.text().contains("σ2"))
    }
}

@Suite struct HeatmapTests {
    let grid: [[Double]] = [[1, 0.75, 0.5], [0.25, 0, 0.6]]

    @Test func svgColoursCellsAlongTheScaleAndLabelsAxes() {
        let map = Heatmap(title: "φ(A, B)", values: grid, rowTitle: "i (A)", columnTitle: "j (B)", showsValues: true)
        let parsed = ParsedXML(map.svg())
        #expect(parsed.isWellFormed, "\(parsed.error ?? "")")
        let fills = parsed.elements(named: "rect").compactMap { $0.attributes["fill"] }
        #expect(fills.contains("#fde725"))  // value 1: the bright end of viridis
        #expect(fills.contains("#440154"))  // value 0: the dark end
        for label in ["1", "2", "3", "i (A)", "j (B)", "0.75", "0.25", "φ(A, B)"] {
            #expect(parsed.texts.contains(label), "missing \(label)")
        }
        // Values on dark cells are white, on bright cells black.
        let zeroLabel = parsed.elements(named: "text").first { $0.text == "0.00" }
        #expect(zeroLabel?.attributes["fill"] == "#ffffff")
    }

    @Test func textUsesShadesInProportion() {
        let text = Heatmap(values: grid).text()
        let lines = text.split(separator: "\n").map(String.init)
        let firstRow = lines.first { $0.hasPrefix("1 │ ") }
        #expect(firstRow == "1 │ ██▓▓▒▒", "\(text)")
        let secondRow = lines.first { $0.hasPrefix("2 │ ") }
        #expect(secondRow == "2 │ ░░  ▓▓", "\(text)")
        // Column labels sit above their cells.
        let header = Array(lines[0])
        #expect(header.count >= 8 && header[4] == "1" && header[6] == "2" && header[8] == "3", "\(text)")
        #expect(text.contains("key:"))
    }

    @Test func emptyRaggedAndNaNGridsRender() {
        #expect(ParsedXML(Heatmap(values: []).svg()).texts.contains("no data"))
        #expect(Heatmap(values: []).text().contains("no data"))
        let ragged = Heatmap(title: "<&>", values: [[0.5, .nan], [1]])
        #expect(ParsedXML(ragged.svg()).isWellFormed)
        #expect(ragged.text().contains("·"))
    }
}

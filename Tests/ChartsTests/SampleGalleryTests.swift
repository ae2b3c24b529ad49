import Foundation
import Testing
import Charts

/// Renders one realistic sample of every chart and checks each is well-formed.
/// With CHARTS_SAMPLE_DIR set, also writes them there (SVG, HTML and text) so
/// a person can look at them.
@Suite struct SampleGalleryTests {
    static func samples() -> [(name: String, svg: String, text: String)] {
        func curve(_ start: Double, _ floor: Double, _ rate: Double) -> [(x: Double, y: Double)] {
            (0...200).map { step in
                let wobble = 0.04 * Double((step * 7919) % 13) / 13
                return (Double(step), floor + (start - floor) * 1 / (1 + rate * Double(step)) + wobble)
            }
        }
        let loss = LineChart(title: "Fine-tuning loss", xLabel: "step", yLabel: "loss", series: [
            .init(name: "q,v r=4", points: curve(3.2, 1.6, 0.05)),
            .init(name: "all-linear r=8", points: curve(3.2, 1.3, 0.08)),
            .init(name: "full FFN", points: curve(3.2, 1.1, 0.12)),
        ])
        let logLoss = LineChart(title: "Pre-training loss (log)", xLabel: "step", yLabel: "loss", logarithmicY: true,
                                series: [.init(name: "tiny", points: (1...300).map { (Double($0), 8 / Double($0).squareRoot()) })])
        let spectrum = SpectrumChart(title: "Singular values of ΔW", spectra: [
            .init(name: "layers.0.q (LoRA r=4)", values: [2.1, 1.4, 0.9, 0.6] + (0..<12).map { 1e-6 * pow(0.7, Double($0)) }),
            .init(name: "layers.0.q (full)", values: (0..<16).map { 1.8 * pow(0.62, Double($0)) }),
        ], rank: 4)
        var phi: [[Double]] = []
        for i in 0..<8 { phi.append((0..<8).map { j in i == j ? 0.9 - 0.08 * Double(i) : max(0, 0.5 - 0.12 * Double(abs(i - j))) }) }
        let heatmap = Heatmap(title: "φ(r8, r64), layers.0.q", values: phi, rowTitle: "i (r8)", columnTitle: "j (r64)",
                              showsValues: true)
        let bars = BarChart(title: "Final loss by target set", valueLabel: "loss", categories: ["square", "q,v", "attn", "all-linear"],
                            series: [.init(name: "train", values: [1.92, 2.05, 1.88, 1.71]),
                                     .init(name: "eval", values: [2.10, 2.19, 2.04, 1.95])])
        return [("loss", loss.svg(), loss.text()), ("loss-log", logLoss.svg(), logLoss.text()),
                ("spectrum", spectrum.svg(), spectrum.text()), ("heatmap", heatmap.svg(), heatmap.text() + "\n\n" + Heatmap(values: phi).text()),
                ("bars", bars.svg(), bars.text())] + edgeSamples()
    }

    /// A large φ grid and charts with nothing drawable.
    static func edgeSamples() -> [(name: String, svg: String, text: String)] {
        let grid: [[Double]] = (0..<64).map { i in
            (0..<64).map { j in
                let distance = Double((i - j) * (i - j))
                return exp(-distance / 20) * (1 - Double(i) / 80)
            }
        }
        let large = Heatmap(title: "φ, r = 64", values: grid)
        let empty = LineChart(title: "Loss <none yet>", xLabel: "step", yLabel: "loss",
                              series: [.init(name: "diverged", values: [.nan, .infinity])])
        return [("heatmap-64", large.svg(), large.text()), ("empty", empty.svg(), empty.text())]
    }

    @Test func samplesRenderIdenticallyTwice() {
        let first = Self.samples(), second = Self.samples()
        #expect(first.map(\.svg) == second.map(\.svg))
        #expect(first.map(\.text) == second.map(\.text))
    }

    @Test func everySampleIsWellFormedAndNonTrivial() throws {
        for sample in Self.samples() {
            let parsed = ParsedXML(sample.svg)
            #expect(parsed.isWellFormed, "\(sample.name): \(parsed.error ?? "")")
            if sample.name == "empty" {
                #expect(sample.text.contains("no data") && parsed.texts.contains("no data"))
                continue
            }
            #expect(parsed.elements.count > 20, "\(sample.name) draws something")
            #expect(sample.text.split(separator: "\n").count > 4)
        }
        guard let directory = ProcessInfo.processInfo.environment["CHARTS_SAMPLE_DIR"] else { return }
        for sample in Self.samples() {
            try sample.svg.write(toFile: directory + "/" + sample.name + ".svg", atomically: true, encoding: .utf8)
            try sample.text.write(toFile: directory + "/" + sample.name + ".txt", atomically: true, encoding: .utf8)
        }
        let table = Table(title: "compare", header: ["strategy", "params", "final loss", "eval"], rows: [
            ["square", NumberFormat.grouped(16384), "1.92", "2.10"], ["all-linear <b>", NumberFormat.grouped(1_204_224), "1.71", "1.95"],
        ])
        try (table.text() + "\n\n" + table.text(boxed: true) + "\n\n"
             + ProgressView(step: 120, total: 300, loss: 2.314, elapsed: 3.1).text())
            .write(toFile: directory + "/table.txt", atomically: true, encoding: .utf8)
        let progress = ProgressView(step: 120, total: 300, loss: 2.314, elapsed: 3.1)
        let live = LineChart(title: "loss", xLabel: "step", series: [.init(name: "run", values: (1...120).map { 3 / (1 + 0.02 * Double($0)) })])
        try ("<html><body>" + table.html() + progress.html(lossChart: live) + "</body></html>")
            .write(toFile: directory + "/progress.html", atomically: true, encoding: .utf8)
    }
}

@Suite struct TextWidthTests {
    @Test func everyTextRenderingFitsItsWidth() {
        let longName = String(repeating: "layers.0.self_attn.q_proj ", count: 2)
        let charts: [any Chart] = [
            LineChart(title: "loss", series: [.init(name: longName, values: (1...500).map { 1 / Double($0) }),
                                              .init(name: "b", values: [0.5, 0.25, 0.125])]),
            SpectrumChart(spectra: [.init(name: longName, values: (1...64).map { 1 / Double($0 * $0) })], rank: 8),
            Heatmap(values: (0..<64).map { i in (0..<64).map { j in Double((i * j) % 11) / 10 } }),
            Heatmap(values: [[0.5, 1], [0, 0.2]], showsValues: true),
            BarChart(bars: [(longName, 12345.678), ("short", -3)]),
        ]
        for width in [40, 60, 72, 100] {
            for chart in charts {
                let lines = chart.text(width: width).split(separator: "\n")
                let widest = lines.map(\.count).max() ?? 0
                #expect(widest <= width, "\(type(of: chart)) at \(width): \(widest) columns")
            }
        }
    }

    @Test func wideHeatmapFallsBackToOneGlyphPerCell() {
        let grid = (0..<64).map { i in (0..<64).map { j in i == j ? 1.0 : 0 } }
        let lines = Heatmap(values: grid).text(width: 72).split(separator: "\n").map(String.init)
        let row10 = lines.first { $0.hasPrefix("10 │ ") }
        // The diagonal: row 10 has its single full cell in column 10.
        #expect(row10.map { Array($0)[5 + 9] } == "█")
        #expect(lines.contains { $0.contains("more columns not shown") } == false)
    }
}

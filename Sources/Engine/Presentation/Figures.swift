import Charts

/// A chart as a result carries it: SVG for notebooks, aligned text with
/// Unicode bars for terminals.
struct Figure {
    var svg: String
    var text: String
}

/// The charts of the language's results, drawn by the Charts module.
enum Figures {
    static func lossChart(title: String, curves: [(name: String, losses: [Float])]) -> Figure? {
        let drawn = curves.filter { !$0.losses.isEmpty }
        guard !drawn.isEmpty else { return nil }
        let chart = lossLineChart(title: title, curves: drawn)
        return Figure(svg: chart.svg(), text: chart.text(width: 72))
    }

    static func lossLineChart(title: String, curves: [(name: String, losses: [Float])]) -> LineChart {
        LineChart(title: title, xLabel: "step", yLabel: "loss",
                  series: curves.map { LineChart.Series(name: $0.name, values: $0.losses.map(Double.init)) })
    }

    /// One mean curve per name with a min–max band over its runs (seeds).
    static func bandChart(title: String, curves: [(name: String, runs: [[Float]])]) -> Figure? {
        bandLineChart(title: title, curves: curves).map { Figure(svg: $0.svg(), text: $0.text(width: 72)) }
    }

    static func bandLineChart(title: String, curves: [(name: String, runs: [[Float]])]) -> LineChart? {
        let series: [LineChart.Series] = curves.compactMap { curve in
            let length = curve.runs.map(\.count).min() ?? 0
            guard length > 0 else { return nil }
            let columns = (0..<length).map { step in curve.runs.map { Double($0[step]) } }
            return LineChart.Series(name: curve.name, values: columns.map { $0.reduce(0, +) / Double($0.count) },
                                    low: columns.map { $0.min()! }, high: columns.map { $0.max()! })
        }
        guard !series.isEmpty else { return nil }
        return LineChart(title: title, xLabel: "step", yLabel: "loss", series: series)
    }

    /// Learning against forgetting, a point per strategy (Biderman et al. 2024,
    /// "LoRA learns less and forgets less", plot this trade-off): x the held-out
    /// fine-tuning loss (left = learned more), y the rise of the held-out
    /// pre-training loss (up = forgot more), each mean ± sd over seeds.
    static func learningAgainstForgetting(_ points: [ScatterChart.Point], seeds: Int) -> ScatterChart? {
        guard !points.isEmpty else { return nil }
        return ScatterChart(title: "forgetting against learning" + (seeds > 1 ? " (mean ± sd over seeds)" : ""),
                            xLabel: "eval finetune (held-out fine-tuning loss; lower = learned more)",
                            yLabel: "forgetting (rise of the held-out pre-training loss)", points: points)
    }

    /// Charts one above the other: one SVG document, one text.
    static func stacked(_ charts: [any Chart & Sized]) -> Figure? {
        guard !charts.isEmpty else { return nil }
        let stack = ChartStack(charts.map { ($0, $0.width, $0.height) })
        return Figure(svg: stack.svg(), text: stack.text(width: 72))
    }
}

/// A chart that knows its SVG size, so that charts can be stacked.
protocol Sized {
    var width: Int { get }
    var height: Int { get }
}

extension LineChart: Sized {}
extension ScatterChart: Sized {}

extension Figures {

    /// One measured value against a swept parameter, with its min–max band.
    static func sweepChart(title: String, xLabel: String, points: [(x: Double, mean: Double, low: Double, high: Double)]) -> Figure? {
        guard !points.isEmpty else { return nil }
        var series = LineChart.Series(name: "eval finetune", points: points.map { ($0.x, $0.mean) })
        series.band = points.map { ($0.x, $0.low, $0.high) }
        let chart = LineChart(title: title, xLabel: xLabel, yLabel: "loss", series: [series])
        return Figure(svg: chart.svg(), text: chart.text(width: 72))
    }

    static func spectrumChart(title: String, spectra: [(name: String, values: [Float])], rank: Int?) -> Figure? {
        guard spectra.contains(where: { $0.values.contains { $0 > 0 } }) else { return nil }
        let chart = SpectrumChart(title: title, spectra: spectra.map { .init(name: $0.name, values: $0.values.map(Double.init)) }, rank: rank)
        // Several spectra on a terminal: the top few values of each are enough.
        return Figure(svg: chart.svg(), text: chart.text(width: 72, maxRows: spectra.count > 1 ? 6 : 16))
    }

    static func heatmap(title: String, values: [[Double]], rowTitle: String, columnTitle: String) -> Figure? {
        guard !values.isEmpty else { return nil }
        let chart = Heatmap(title: title, values: values, rowTitle: rowTitle, columnTitle: columnTitle)
        return Figure(svg: chart.svg(), text: chart.text(width: 72))
    }
}

extension ResultTable {
    /// The table with a chart: text below the table, SVG beside the HTML table.
    func bundle(with figure: Figure?) -> MimeBundle {
        guard let figure else { return bundle }
        return MimeBundle(plain: plainText + "\n\n" + figure.text, html: html + "\n" + figure.svg, svg: figure.svg)
    }
}

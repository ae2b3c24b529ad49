/// The charts results carry as SVG. Drawn by the Charts module once it lands;
/// until then results are text and tables only.
enum Figures {
    static func lossChart(title: String, curves: [(name: String, losses: [Float])]) -> String? { nil }

    static func spectrumChart(title: String, spectra: [(name: String, values: [Float])], rank: Int?) -> String? { nil }

    static func heatmap(title: String, values: [[Double]], rowTitle: String, columnTitle: String) -> String? { nil }
}

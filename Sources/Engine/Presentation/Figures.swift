/// The charts results carry as SVG. Drawn by the Charts module once it lands;
/// until then results are text and tables only.
enum Figures {
    static func lossChart(title: String, curves: [(name: String, losses: [Float])]) -> String? { nil }
}

import Charts
import Foundation
import MiniMind

/// A live progress output: one display (with an id) created at the start and
/// replaced in place as training goes — a progress line for terminals, a bar
/// and a loss chart for notebooks.
final class ProgressDisplay {
    private let context: CommandContext
    private let label: String
    private let displayID: String
    private var lastUpdate = Date.distantPast
    /// Earlier curves to draw beside the live one (compare).
    var background: [(name: String, losses: [Float])] = []

    init(context: CommandContext, label: String, total: Int) {
        self.context = context
        self.label = label
        displayID = "loralab-progress-" + UUID().uuidString
        context.publish(.display(bundle(step: 0, total: total, records: [], seconds: 0, note: nil), displayID: displayID))
    }

    /// At most five updates a second, so a fast loop does not flood the front end.
    func update(step: Int, total: Int, records: [StepRecord], seconds: Double) {
        let now = Date()
        guard now.timeIntervalSince(lastUpdate) >= 0.2 else { return }
        lastUpdate = now
        context.publish(.updateDisplay(bundle(step: step, total: total, records: records, seconds: seconds, note: nil), displayID: displayID))
    }

    func finish(step: Int, total: Int, records: [StepRecord], seconds: Double, note: String?) {
        context.publish(.updateDisplay(bundle(step: step, total: total, records: records, seconds: seconds, note: note), displayID: displayID))
    }

    private func bundle(step: Int, total: Int, records: [StepRecord], seconds: Double, note: String?) -> MimeBundle {
        let view = ProgressView(step: step, total: total, loss: records.last.map { Double($0.loss) }, elapsed: seconds)
        let suffix = note.map { " · " + $0 } ?? ""
        let chart = Figures.lossLineChart(title: "\(label) loss",
                                          curves: background + [(label, records.map(\.loss))])
        let hasCurve = !records.isEmpty || background.contains { !$0.losses.isEmpty }
        return MimeBundle(plain: "\(label) " + view.text() + suffix,
                          html: "<div><code>\(HTML.escape(label))</code>\(HTML.escape(suffix))</div>" + view.html(lossChart: hasCurve ? chart : nil))
    }
}

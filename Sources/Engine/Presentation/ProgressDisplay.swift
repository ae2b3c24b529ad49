import Charts
import Foundation
import MiniMind

/// A live progress output: one display (with an id) created when the
/// command's first run begins and replaced in place as training goes — a
/// progress line for terminals, a bar and a loss chart for notebooks. The Lab
/// drives it through `TrainingObserver`. A series of runs (`compare`, `sweep`,
/// `cache check`) shares the one display, each run drawn beside the curves
/// finished before it: a display per run left a notebook cell holding a chart
/// per run it trained (19 for a 40-run `compare`, 1.7 MB).
final class ProgressDisplay: TrainingObserver {
    private let context: CommandContext
    private var label = ""
    private var displayID = ""
    private var lastUpdate = Date.distantPast
    /// Earlier curves to draw beside the live one (compare).
    private var background: [LossCurve] = []

    init(context: CommandContext) {
        self.context = context
    }

    func began(_ run: ObservedRun) {
        label = run.part.map { "compare \($0.number)/\($0.of) \(run.name)" } ?? run.name
        background = run.earlier
        lastUpdate = .distantPast
        let start = bundle(step: 0, total: run.steps, records: [], seconds: 0, note: nil)
        if displayID.isEmpty {
            displayID = "loralab-progress-" + UUID().uuidString
            context.publish(.display(start, displayID: displayID))
        } else {
            context.publish(.updateDisplay(start, displayID: displayID))
        }
    }

    /// At most five updates a second, so a fast loop does not flood the front end.
    func progressed(step: Int, total: Int, records: [StepRecord], seconds: Double) {
        let now = Date()
        guard now.timeIntervalSince(lastUpdate) >= 0.2 else { return }
        lastUpdate = now
        context.publish(.updateDisplay(bundle(step: step, total: total, records: records, seconds: seconds, note: nil), displayID: displayID))
    }

    func ended(step: Int, total: Int, records: [StepRecord], seconds: Double, how: TrainingRun.Ending) {
        let note: String? = switch how {
        case .completed: nil
        case .interrupted: "interrupted"
        case .diverged(let number): "diverged at step \(number)"
        case .stopped(let number): "stopped before step \(number)"
        }
        context.publish(.updateDisplay(bundle(step: step, total: total, records: records, seconds: seconds, note: note), displayID: displayID))
    }

    private func bundle(step: Int, total: Int, records: [StepRecord], seconds: Double, note: String?) -> MimeBundle {
        let view = ProgressView(step: step, total: total, loss: records.last.map { Double($0.loss) }, elapsed: seconds)
        let suffix = note.map { " · " + $0 } ?? ""
        let chart = Figures.lossLineChart(title: "\(label) loss",
                                          curves: background + [(label, records.map(\.loss))])
        let hasCurve = !records.isEmpty || background.contains { !$0.losses.isEmpty }
        // The chart also as image/svg+xml, so that a notebook converted to HTML, or a
        // front end without HTML, keeps it as a picture.
        return MimeBundle(plain: "\(label) " + view.text() + suffix,
                          html: "<div><code>\(HTML.escape(label))</code>\(HTML.escape(suffix))</div>" + view.html(lossChart: hasCurve ? chart : nil),
                          svg: hasCurve ? chart.svg() : nil)
    }
}

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
        let fraction = total > 0 ? Double(step) / Double(total) : 1
        let width = 24
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        var parts = ["\(label) \(bar) \(step)/\(total)"]
        if let last = records.last { parts.append("loss \(String(format: "%.4f", last.loss))") }
        if seconds > 0, step > 0 {
            let rate = Double(step) / seconds
            parts.append(String(format: "%.1f steps/s", rate))
            if step < total, note == nil { parts.append("eta \(Int((Double(total - step) / rate).rounded()))s") }
        }
        if let note { parts.append(note) }
        let line = parts.joined(separator: "  ")
        var html = "<div class=\"loralab-progress\"><progress value=\"\(step)\" max=\"\(max(total, 1))\" style=\"width:24em\"></progress> "
            + HTML.escape(parts.dropFirst().joined(separator: " · ")) + " <code>\(HTML.escape(label)) \(step)/\(total)</code></div>"
        if let svg = Figures.lossChart(title: label, curves: background + [(label, records.map(\.loss))]) {
            html += "\n" + svg
        }
        return MimeBundle(plain: line, html: html)
    }
}

/// One moment of a training run, rendered as a terminal progress line or as
/// HTML for a notebook display that is replaced in place as training goes on.
///
///     ProgressView(step: 120, total: 300, loss: 2.314, elapsed: 3.1).text()
///     // step 120/300 [██████████▍              ] 40% loss 2.314 · 3.1 s · ~4.7 s left
public struct ProgressView: Sendable {
    public var step: Int
    public var total: Int
    /// The latest loss, if one is known yet.
    public var loss: Double?
    /// Seconds since training started.
    public var elapsed: Double
    /// Width of the text bar in characters.
    public var barWidth: Int = 24

    public init(step: Int, total: Int, loss: Double? = nil, elapsed: Double) {
        self.step = step
        self.total = total
        self.loss = loss
        self.elapsed = elapsed
    }

    /// Completed fraction in [0, 1] (0 when `total` is not positive).
    public var fraction: Double {
        total > 0 ? min(1, max(0, Double(step) / Double(total))) : 0
    }

    private var percent: String { String(Int((fraction * 100).rounded(.down))) + "%" }

    private var lossText: String? { loss.map { NumberFormat.compact($0, significantDigits: 4) } }

    /// Remaining time extrapolated from the pace so far.
    private var remaining: String? {
        guard step > 0, step < total, elapsed.isFinite, elapsed > 0 else { return nil }
        return "~" + NumberFormat.duration(elapsed / Double(step) * Double(total - step)) + " left"
    }

    /// `step 120/300 [██████████▍     ] 40% loss 2.314 · 3.1 s · ~4.7 s left` (one line, no newline).
    public func text() -> String {
        var line = "step \(step)/\(total) ["
        line += UnicodeBars.bar(length: fraction * Double(barWidth), maxLength: barWidth, padded: true) + "] "
        line += percent
        if let lossText { line += " loss " + lossText }
        line += " · " + NumberFormat.duration(elapsed)
        if let remaining { line += " · " + remaining }
        return line
    }

    /// A progress bar and status line as HTML, followed by `lossChart`'s SVG
    /// when given (the live loss curve). Neutral colours that read in light
    /// and dark themes; no JavaScript.
    public func html(lossChart: LineChart? = nil) -> String {
        var html = "<div style=\"font-size:13px;margin:4px 0\">"
        html += "<div style=\"display:flex;align-items:center;gap:10px\">"
        html += "<div role=\"progressbar\" aria-valuemin=\"0\" aria-valuemax=\"\(total)\" aria-valuenow=\"\(step)\""
        html += " style=\"width:320px;height:12px;border:1px solid #888;border-radius:3px;background:rgba(128,128,128,0.15);overflow:hidden\">"
        html += "<div style=\"width:" + NumberFormat.fixed(fraction * 100, decimals: 1, trimmingZeros: true)
        html += "%;height:100%;background:#0072B2\"></div></div>"
        var status = "step \(step)/\(total) · " + percent
        if let lossText { status += " · loss " + lossText }
        status += " · " + NumberFormat.duration(elapsed)
        if let remaining { status += " · " + remaining }
        html += "<span style=\"font-variant-numeric:tabular-nums\">" + Markup.escape(status) + "</span></div>"
        if let lossChart { html += "<div style=\"margin-top:6px\">" + lossChart.svg() + "</div>" }
        return html + "</div>"
    }
}

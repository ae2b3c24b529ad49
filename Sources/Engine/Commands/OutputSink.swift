/// Orders a cell's outputs the way the front ends expect: the result of the
/// last command that produced one becomes the cell's `.result`; earlier results
/// go out as `.display` as soon as anything follows them, so the order on
/// screen is the order of the commands.
final class OutputSink {
    private let emit: (EngineEvent) -> Void
    private var pendingResult: MimeBundle?

    init(emit: @escaping (EngineEvent) -> Void) { self.emit = emit }

    /// A command's result: held back in case it is the cell's last.
    func result(_ bundle: MimeBundle) {
        flushPendingResult()
        pendingResult = bundle
    }

    func publish(_ event: EngineEvent) {
        if case .clearOutput = event {
            // Clearing the output also drops a result not yet shown.
            pendingResult = nil
        }
        flushPendingResult()
        emit(event)
    }

    /// Sends a held result as an ordinary display (another output follows, or the cell failed).
    func flushPendingResult() {
        if let bundle = pendingResult {
            pendingResult = nil
            emit(.display(bundle, displayID: nil))
        }
    }

    /// The cell finished: the held result is the cell's result.
    func finish() {
        if let bundle = pendingResult {
            pendingResult = nil
            emit(.result(bundle))
        }
    }
}

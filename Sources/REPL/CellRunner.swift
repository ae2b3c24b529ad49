import Engine

/// Runs one cell through the engine and renders everything it publishes,
/// then its error if it failed. Shared by the REPL, piped input and scripts.
public struct CellRunner {
    public let engine: Engine
    public let renderer: EventRenderer

    public init(engine: Engine, renderer: EventRenderer) {
        self.engine = engine
        self.renderer = renderer
    }

    /// What happened to one cell.
    public enum Outcome: Equatable {
        case succeeded
        case failed(ExecutionError)
        /// Ctrl-C arrived while it ran (it may still have ended normally,
        /// at the safe point where it stopped).
        case interrupted(ExecutionError?)
    }

    @discardableResult
    public func run(_ cell: String) -> Outcome {
        InterruptRouting.beginCommand(engine.cancellation)
        let outcome = engine.execute(cell, storeHistory: true) { event in
            renderer.render(event)
        }
        renderer.finishCell()
        let error: ExecutionError?
        if case .error(let failure) = outcome {
            renderer.renderError(failure)
            error = failure
        } else {
            error = nil
        }
        let interrupted = InterruptRouting.commandWasInterrupted
        engine.cancellation.clear()
        if interrupted { return .interrupted(error) }
        return error.map(Outcome.failed) ?? .succeeded
    }
}

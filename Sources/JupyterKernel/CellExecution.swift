import Engine
import Foundation

/// Runs one `execute_request` through the engine and turns what the engine
/// emits into iopub messages (streams, displays and their in-place updates,
/// the result, clear_output) and the pager into the reply's payload.
struct CellExecution {
    let engine: Engine
    let iopub: IOPubChannel

    struct Outcome {
        var reply: [String: Any]
        var failed: Bool
    }

    func run(_ request: IncomingMessage) -> Outcome {
        // The schema has checked the types (ContentSchema); only absent optionals default here.
        let code = request.content["code"] as? String ?? ""
        let silent = request.content["silent"] as? Bool ?? false
        // The protocol: silent implies store_history false.
        let storeHistory = !silent && (request.content["store_history"] as? Bool ?? true)

        // The execution count is the engine's, which it assigns as it takes
        // the cell; execute_input carries it, so it goes out just before the
        // cell's first output (or, for a cell without output, before the reply).
        var announced = false
        func announceInput() {
            guard !silent, !announced else { return }
            announced = true
            iopub.publish("execute_input", ["code": code, "execution_count": engine.executionCount], parent: request)
        }
        var payload: [[String: Any]] = []
        let outcome = engine.execute(code, storeHistory: storeHistory) { event in
            if case .page(let bundle) = event {
                payload.append(["source": "page", "data": bundle.data, "start": 0])
                return
            }
            // A silent cell publishes nothing (the protocol's rule); the pager
            // still answers because it travels in the reply.
            guard !silent else { return }
            announceInput()
            publish(event, executionCount: engine.executionCount, parent: request)
        }
        announceInput()
        let executionCount = engine.executionCount

        switch outcome {
        case .ok:
            return Outcome(reply: [
                "status": "ok",
                "execution_count": executionCount,
                "payload": payload,
                "user_expressions": [String: Any](),
            ], failed: false)
        case .error(let error):
            let traceback = error.traceback.isEmpty ? ["\(error.name): \(error.message)"] : error.traceback
            if !silent {
                iopub.publish("error", ["ename": error.name, "evalue": error.message, "traceback": traceback],
                              parent: request)
            }
            return Outcome(reply: [
                "status": "error",
                "execution_count": executionCount,
                "ename": error.name,
                "evalue": error.message,
                "traceback": traceback,
                "payload": payload,
                "user_expressions": [String: Any](),
            ], failed: true)
        }
    }

    /// The reply to an execute_request that was queued behind a failed cell
    /// sent with stop_on_error: it never runs.
    static func abortedReply(executionCount: Int) -> [String: Any] {
        [
            "status": "error",
            "execution_count": executionCount,
            "ename": "ExecutionAborted",
            "evalue": "not run: an earlier cell failed (stop_on_error)",
            "traceback": ["ExecutionAborted: not run: an earlier cell failed (stop_on_error)"],
            "payload": [[String: Any]](),
            "user_expressions": [String: Any](),
        ]
    }

    private func publish(_ event: EngineEvent, executionCount: Int, parent: IncomingMessage) {
        switch event {
        case .stream(let name, let text):
            iopub.publish("stream", ["name": name.rawValue, "text": text], parent: parent)
        case .display(let bundle, let displayID):
            var content: [String: Any] = ["data": bundle.data, "metadata": [String: Any]()]
            if let displayID { content["transient"] = ["display_id": displayID] }
            iopub.publish("display_data", content, parent: parent)
        case .updateDisplay(let bundle, let displayID):
            iopub.publish("update_display_data", [
                "data": bundle.data, "metadata": [String: Any](), "transient": ["display_id": displayID],
            ], parent: parent)
        case .result(let bundle):
            iopub.publish("execute_result", [
                "execution_count": executionCount, "data": bundle.data, "metadata": [String: Any](),
            ], parent: parent)
        case .clearOutput(let wait):
            iopub.publish("clear_output", ["wait": wait], parent: parent)
        case .page:
            break  // collected into the reply's payload by `run`
        }
    }
}

import Engine

/// A `history_request` (tail, range or search), answered from the engine's
/// history.
struct HistoryQuery {
    let content: [String: Any]

    init(_ content: [String: Any]) {
        self.content = content
    }

    func reply(from engine: Engine) -> [String: Any] {
        // Filled in once the engine exposes its history.
        ["status": "ok", "history": [[Any]]()]
    }
}

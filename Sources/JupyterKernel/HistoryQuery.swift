import Engine
import Foundation

/// A `history_request` — tail, range or search, as IPython defines them —
/// answered from the engine's history, which spans earlier sessions (kernel
/// restarts included).
struct HistoryQuery {
    let content: [String: Any]

    init(_ content: [String: Any]) {
        self.content = content
    }

    func reply(from engine: Engine) -> [String: Any] {
        let history = engine.history
        let entries: [HistoryEntry]
        switch content["hist_access_type"] as? String {
        case "tail":
            entries = history.tail(content["n"] as? Int ?? 10)
        case "range":
            entries = history.range(session: content["session"] as? Int ?? 0,
                                    start: content["start"] as? Int ?? 1,
                                    stop: content["stop"] as? Int)
        case "search":
            entries = history.search(pattern: content["pattern"] as? String ?? "*",
                                     count: content["n"] as? Int,
                                     unique: content["unique"] as? Bool ?? false)
        default:
            entries = []
        }
        // Outputs are not recorded; with output=true each input pairs with null.
        let withOutput = content["output"] as? Bool ?? false
        let rows: [[Any]] = entries.map { entry in
            [entry.session, entry.line, withOutput ? [entry.input, NSNull()] as [Any] : entry.input]
        }
        return ["status": "ok", "history": rows]
    }
}

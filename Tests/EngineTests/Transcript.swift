import Engine
import Foundation

/// What one `execute` published, in order, and how it ended.
struct Transcript {
    var events: [EngineEvent] = []
    var outcome: ExecutionOutcome = .ok

    var stdout: String { events.compactMap { if case .stream(.stdout, let text) = $0 { text } else { nil } }.joined() }
    var stderr: String { events.compactMap { if case .stream(.stderr, let text) = $0 { text } else { nil } }.joined() }
    var result: MimeBundle? { events.compactMap { if case .result(let bundle) = $0 { bundle } else { nil } }.last }
    var displays: [MimeBundle] { events.compactMap { if case .display(let bundle, _) = $0 { bundle } else { nil } } }
    var pages: [MimeBundle] { events.compactMap { if case .page(let bundle) = $0 { bundle } else { nil } } }
    var error: ExecutionError? { if case .error(let error) = outcome { error } else { nil } }
    var resultText: String { result?.plainText ?? "" }
}

extension Engine {
    /// An engine that keeps its history in memory, so tests never touch the user's file.
    static func forTesting() -> Engine { Engine(history: .inMemory()) }

    @discardableResult
    func run(_ code: String) -> Transcript {
        var transcript = Transcript()
        transcript.outcome = execute(code) { transcript.events.append($0) }
        return transcript
    }
}

/// The offset in Unicode scalars of the end of `code` (where a cursor sits after typing it).
func scalarCount(_ code: String) -> Int { code.unicodeScalars.count }

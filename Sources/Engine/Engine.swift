/// The engine: one session of the LoRA Lab command language.
///
/// PLACEHOLDER — the language issue fills this in. The signatures below are the
/// contract the front ends code against; keep them.
public final class Engine: @unchecked Sendable {
    /// Raise to stop the running command at its next safe point.
    public let cancellation = CancellationFlag()
    public let languageInfo = LanguageInfo()
    /// Incremented by every execute with `storeHistory`.
    public private(set) var executionCount = 0

    public init() {}

    /// Runs a cell (one or more lines), publishing outputs through `emit` as it goes.
    public func execute(_ code: String, storeHistory: Bool = true,
                        emit: (EngineEvent) -> Void) -> ExecutionOutcome {
        if storeHistory { executionCount += 1 }
        emit(.stream(.stdout, code + "\n"))
        return .ok
    }

    public func complete(_ code: String, cursor: Int) -> CompletionResult {
        CompletionResult(matches: [], cursorStart: cursor, cursorEnd: cursor)
    }

    /// Help for the word under the cursor, or nil when there is nothing to say.
    public func inspect(_ code: String, cursor: Int, detailLevel: Int = 0) -> MimeBundle? { nil }

    public func isComplete(_ code: String) -> Completeness { .complete }
}

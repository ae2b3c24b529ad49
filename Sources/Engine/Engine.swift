import MiniMind

/// The engine: one session of the LoRA Lab command language.
///
/// Front ends call it from one thread at a time (execute, complete, inspect,
/// isComplete); only `cancellation` is touched from other threads.
public final class Engine: @unchecked Sendable {
    // @unchecked: the session state is only used by the front end's single
    // execution thread; the cross-thread parts (cancellation, history) are
    // themselves Sendable.

    /// Raise to stop the running command at its next safe point.
    public let cancellation = CancellationFlag()
    public let languageInfo = LanguageInfo()
    /// Inputs of this and earlier sessions.
    public let history: History
    /// Incremented by every execute with `storeHistory`.
    public private(set) var executionCount = 0

    private let catalog = CommandCatalog.standard
    /// The session; read by tests (its fingerprint), changed only by `run`.
    private(set) var state = SessionState()
    /// Test-only failure injection: when set, the next command that reaches
    /// its last possible point — its handler has returned, nothing is
    /// committed yet — throws this instead of committing (and the hook clears).
    var failureAtCommit: (any Error)?

    /// A session whose history is `history` (`History.inMemory()` for none on disk).
    public init(history: History) {
        self.history = history
    }

    /// A session with the persistent history file (`LORALAB_HISTORY_FILE` or
    /// `~/.local/share/loralab/history.jsonl`).
    public convenience init() {
        self.init(history: History(fileURL: History.defaultFileURL()))
    }

    /// Runs a cell (one or more lines), publishing outputs through `emit` as it goes.
    /// Lines run in order; the first failing line stops the cell and is reported
    /// with its line, column and a caret. A failing command changes nothing.
    public func execute(_ code: String, storeHistory: Bool = true,
                        emit: (EngineEvent) -> Void) -> ExecutionOutcome {
        if storeHistory {
            executionCount += 1
            if !code.allSatisfy(\.isWhitespace) { history.append(line: executionCount, input: code) }
        }
        cancellation.clear()
        return withoutActuallyEscaping(emit) { emit in
            let sink = OutputSink(emit: emit)
            let context = CommandContext(output: sink, cancellation: cancellation, catalog: catalog)
            for line in CommandLexer.lines(of: code) {
                if let failure = run(line, context: context, source: code) {
                    sink.flushPendingResult()
                    return .error(failure)
                }
            }
            sink.finish()
            return .ok
        }
    }

    private func run(_ line: LogicalLine, context: CommandContext, source: String) -> ExecutionError? {
        var place = line.tokens.first?.start ?? line.start
        do {
            let command = try ParsedCommand(line)
            place = command.verb.start
            if command.asksForHelp {
                guard !catalog.forms(of: command.verb.text).isEmpty else {
                    throw CommandFailure(.name, "no command '\(command.verb.text)'"
                                         + NearestWord.hint(for: command.verb.text, among: catalog.verbs), at: command.verb.start)
                }
                context.publish(.page(MimeBundle(plain: HelpText.detail(of: command.verb.text, catalog))))
                return nil
            }
            let (spec, words) = try catalog.resolve(command)
            let invocation = try Invocation(spec: spec, command: command, words: words)
            // A command runs on a copy of the session's values, and its journal
            // records what it changes inside the models (docs/design.md, "Transactions").
            let journal = state.openJournal()
            var next = state
            do {
                let result = try spec.handler(invocation, &next, context)
                if let injected = failureAtCommit {
                    failureAtCommit = nil
                    throw injected
                }
                journal.commit()
                state = next
                if let result { context.output.result(result) }
            } catch {
                if journal.trainingStepsTaken > 0 {
                    // Training stopped between steps (interrupted, diverged, no
                    // batch, or a failure after its last step): the steps taken
                    // stay, and the handler has recorded them — loss history,
                    // optimizer, sampler — in `next`, consistent with the weights.
                    journal.commit()
                    state = next
                } else {
                    journal.rollBack()
                }
                throw error
            }
            return nil
        } catch let failure as CommandFailure {
            return ErrorReport.executionError(failure, at: failure.location ?? place, source: source)
        } catch {
            let failure = CommandFailure(.command, String(describing: error), at: place)
            return ErrorReport.executionError(failure, at: place, source: source)
        }
    }

    public func complete(_ code: String, cursor: Int) -> CompletionResult {
        Completer(catalog: catalog, vocabulary: state.vocabulary).complete(code, cursor: cursor)
    }

    /// Help for the word under the cursor, or nil when there is nothing to say:
    /// at `detailLevel` 0 the usage line and summary, at 1 the full help.
    public func inspect(_ code: String, cursor: Int, detailLevel: Int = 0) -> MimeBundle? {
        Inspector(catalog: catalog, state: state).inspect(code, cursor: cursor, detailLevel: detailLevel)
    }

    public func isComplete(_ code: String) -> Completeness {
        let lines = CommandLexer.lines(of: code)
        if let last = lines.last, last.endsInsideString || last.endsWithContinuation {
            return .incomplete(indent: "")
        }
        for line in lines {
            guard let command = try? ParsedCommand(line), (try? catalog.resolve(command)) != nil
                    || (command.asksForHelp && !catalog.forms(of: command.verb.text).isEmpty) else {
                return .invalid
            }
        }
        return .complete
    }
}

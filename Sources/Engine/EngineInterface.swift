import Synchronization

// The engine's public face, shared by every front end (Jupyter kernel, REPL,
// script runner). Following xeus's interpreter contract it is five calls —
// execute, complete, inspect, isComplete, and the language's info — plus a way
// to publish outputs (the `emit` callback) and a thread-safe interrupt.
// Nothing here knows about ZeroMQ or terminals.

/// One result in several representations, keyed by MIME type.
/// `text/plain` is always present; `text/html` and `image/svg+xml` where a
/// table or a chart says more.
public struct MimeBundle: Sendable, Equatable {
    public var data: [String: String]

    public init(plain: String, html: String? = nil, svg: String? = nil) {
        data = ["text/plain": plain]
        if let html { data["text/html"] = html }
        if let svg { data["image/svg+xml"] = svg }
    }

    public init(data: [String: String]) {
        precondition(data["text/plain"] != nil, "every bundle carries text/plain")
        self.data = data
    }

    public var plainText: String { data["text/plain"] ?? "" }
}

public enum StreamName: String, Sendable { case stdout, stderr }

/// What the engine publishes while it runs a cell, in order.
public enum EngineEvent: Sendable, Equatable {
    /// Text for standard output or error (`print`, `warn`).
    case stream(StreamName, String)
    /// A new output. When `displayID` is set, later `updateDisplay` events
    /// with the same id replace it in place (live progress and loss charts).
    case display(MimeBundle, displayID: String?)
    /// Replaces the output shown earlier under `displayID`.
    case updateDisplay(MimeBundle, displayID: String)
    /// The cell's result: the output of its last command that produced one
    /// (Jupyter's execute_result). Earlier results arrive as `display`.
    case result(MimeBundle)
    /// Clear the cell's output (`clear`); with `wait`, only when the next output arrives.
    case clearOutput(wait: Bool)
    /// Text for a pager (`lora?`): Jupyter's `page` payload, a pager or plain print elsewhere.
    case page(MimeBundle)
}

/// Why a cell failed. `traceback` is what a user should read, line by line:
/// the message, the failing source line and a caret under the column.
public struct ExecutionError: Error, Sendable, Equatable {
    /// A short class name: `SyntaxError`, `CommandError`, `Interrupted`, ...
    public var name: String
    /// One line: `line 2, col 14: unknown parameter 'rnak' for 'lora' (did you mean 'rank'?)`.
    public var message: String
    public var traceback: [String]
    /// 1-based line and column in the cell, when the error has a place.
    public var line: Int?
    public var column: Int?

    public init(name: String, message: String, traceback: [String], line: Int? = nil, column: Int? = nil) {
        self.name = name
        self.message = message
        self.traceback = traceback
        self.line = line
        self.column = column
    }
}

public enum ExecutionOutcome: Sendable, Equatable {
    case ok
    case error(ExecutionError)
}

/// Completion candidates for the text between `cursorStart` and `cursorEnd`
/// (offsets in Unicode scalars, as Jupyter's protocol counts them).
public struct CompletionResult: Sendable, Equatable {
    public var matches: [String]
    public var cursorStart: Int
    public var cursorEnd: Int

    public init(matches: [String], cursorStart: Int, cursorEnd: Int) {
        self.matches = matches
        self.cursorStart = cursorStart
        self.cursorEnd = cursorEnd
    }
}

/// Whether a cell can run as typed (Jupyter's is_complete).
public enum Completeness: Sendable, Equatable {
    case complete
    /// The cell continues (a trailing `\`, an open quote); `indent` is what to prefill.
    case incomplete(indent: String)
    /// The cell can never run as typed.
    case invalid
}

/// A request to stop the running command, safe to raise from any thread (a
/// Jupyter control socket, a SIGINT handler). Long commands check it between
/// training steps and stop cleanly, leaving the session consistent.
public final class CancellationFlag: Sendable {
    private let raised = Atomic<Bool>(false)
    public init() {}
    public func raise() { raised.store(true, ordering: .sequentiallyConsistent) }
    public func clear() { raised.store(false, ordering: .sequentiallyConsistent) }
    public var isRaised: Bool { raised.load(ordering: .sequentiallyConsistent) }
}

/// What a front end tells users about the language (Jupyter's language_info).
public struct LanguageInfo: Sendable {
    public let name = "loralab"
    public let version = "0.1.0"
    public let mimetype = "text/x-loralab"
    public let fileExtension = ".lora"
    public let pygmentsLexer = "text"
    public let codemirrorMode = "shell"
    public let banner = """
        LoRA Lab 0.1.0 — which matrices should LoRA adapt? Measure it.
        Type `help` for the commands, `help lora` or `lora?` for one in detail.
        """
    public let helpLinks: [(text: String, url: String)] = [
        ("LoRA Lab language", "https://github.com/loralab/loralab/blob/main/docs/language.md"),
    ]
    public init() {}
}

/// Why a command could not run, and where. The engine turns it into the
/// user-facing `ExecutionError` with the source line and a caret.
struct CommandFailure: Error, Sendable, Equatable {
    enum Kind: String, Sendable {
        /// The text cannot be read (an open quote, a stray `=`).
        case syntax = "SyntaxError"
        /// No such command, parameter, preset, matrix...
        case name = "NameError"
        /// A value of the wrong type or out of range.
        case argument = "ArgumentError"
        /// The command was understood but cannot run in this session.
        case command = "CommandError"
        /// Stopped by the user.
        case interrupted = "Interrupted"
        /// Training stopped because a step's loss or gradient was not finite.
        case diverged = "TrainingDiverged"
        /// Training stopped between steps because the next step could not run (no batch with targets).
        case stopped = "TrainingStopped"
    }

    var kind: Kind
    var message: String
    /// Where to put the caret; when nil, the engine points at the command's verb.
    var location: SourceLocation?

    init(_ kind: Kind, _ message: String, at location: SourceLocation? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
    }
}

/// Everything a session remembers between commands. A value: the engine hands
/// a command a copy and keeps it only when the command succeeds, so a failed
/// command leaves the session as it was.
struct SessionState {
    /// Seeds model initialisation, data order, dropout and sampling.
    var seed: UInt64 = 42
}

/// The handler of a command whose module has not landed yet: a clear error,
/// never a silent stub.
func unavailable(_ module: String) -> CommandHandler {
    { invocation, _, _ in
        throw CommandFailure(.unavailable, "'\(invocation.spec.name)' needs the \(module) module, which is not built yet",
                             at: invocation.verbLocation)
    }
}

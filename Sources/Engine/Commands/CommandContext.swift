/// What a running command may use besides the session: a way to publish
/// output while it works, the cancellation flag, and the catalog (for `help`).
struct CommandContext {
    let output: OutputSink
    let cancellation: CancellationFlag
    let catalog: CommandCatalog

    func print(_ text: String) { output.publish(.stream(.stdout, text.hasSuffix("\n") ? text : text + "\n")) }
    func warn(_ text: String) { output.publish(.stream(.stderr, text.hasSuffix("\n") ? text : text + "\n")) }
    func publish(_ event: EngineEvent) { output.publish(event) }
}

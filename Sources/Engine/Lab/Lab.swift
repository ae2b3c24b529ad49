/// The session's operations as plain Swift (docs/design.md, "The Lab layer").
///
/// A handler binds its `Invocation` into an options struct (defaults come
/// from the spec only, read once), calls one operation here, and presents the
/// value it returns. Operations never see `Invocation`, `MimeBundle` or text
/// meant for a person: they take options, change `state` or not, and return
/// values. Each area adds its operations in an `extension Lab` of its own file
/// in this folder.
struct Lab {
    var state: SessionState
    /// Raised from another thread to stop long work at its next step boundary.
    let cancellation: CancellationFlag

    init(state: SessionState, cancellation: CancellationFlag) {
        self.state = state
        self.cancellation = cancellation
    }

    /// The model and its training context, or the error every command gives before `model`.
    func requireModel() throws(CommandFailure) -> ModelLab {
        try state.requireLab()
    }
}

extension SessionState {
    func requireLab() throws(CommandFailure) -> ModelLab {
        guard let lab else {
            throw CommandFailure(.command, "no model yet: build one with `model tiny`")
        }
        return lab
    }
}

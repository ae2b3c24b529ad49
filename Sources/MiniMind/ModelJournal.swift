/// The undo record of one command over the models it may change: what the
/// command is about to change, kept just before it changes, so that a failing
/// command can leave every model exactly as it found it — without copying a
/// model per command (docs/design.md, "Transactions").
///
/// `enroll` notes the cheap things of a model up front: every tensor's
/// `requiresGrad`, every layer's update (which adapter object, or none) and
/// that update's own settings (merged or not, remembered norms, its dropout
/// stream). Tensor values are the expensive part and are copied lazily: a
/// `Parameter` hands its old values to the journal the first time the command
/// writes it through the journaled path (`Parameter.modifyValues` and what is
/// built on it). Tensors made during the command need no record: rolling back
/// the layers' updates drops them.
///
/// The exception is the optimizer step: AdamW writes through
/// `Parameter.trainingStorage` without a record (a journal would copy the whole
/// model on every `pretrain`). Training keeps its completed steps; the journal
/// only counts them (`trainingStepsTaken`) so that the engine knows.
public final class ModelJournal: @unchecked Sendable {
    // Sendable: used by the one thread that runs commands (the engine's).
    private var models: [(model: Model, trainingSteps: Int)] = []
    private var parameters: [Parameter] = []
    private var flags: [(Parameter, Bool)] = []
    private var updates: [(Linear, (any LinearUpdate)?)] = []
    private var updateStates: [() -> Void] = []
    private var oldValues: [(Parameter, [Float])] = []
    private var isOpen = true

    public init() {}

    /// Starts recording for `model`: from now on its tensors' first writes are journaled.
    public func enroll(_ model: Model) {
        precondition(isOpen, "the journal is closed")
        guard !models.contains(where: { $0.model === model }) else { return }
        models.append((model, model.trainingStepsApplied))
        for parameter in model.allParameters where parameter.journal !== self {
            precondition(parameter.journal == nil, "\(parameter.name) is already in another command's journal")
            parameter.journal = self
            parameter.journalHasOldValues = false
            parameters.append(parameter)
            flags.append((parameter, parameter.requiresGrad))
        }
        for linear in model.linears {
            updates.append((linear, linear.update))
            if let update = linear.update { updateStates.append(update.stateRestorer()) }
        }
    }

    /// Records a trainer's settings (a command may set its rate before it
    /// steps); its moments and history change only by steps, which are kept.
    public func enroll(_ trainer: Trainer) {
        precondition(isOpen, "the journal is closed")
        let config = trainer.config
        updateStates.append { trainer.config = config }
    }

    /// Called by a tensor just before its first write in this command.
    func saveValues(of parameter: Parameter) {
        oldValues.append((parameter, parameter.trainingStorage.array))
        parameter.journalHasOldValues = true
    }

    /// Optimizer steps applied to the enrolled models since they were enrolled.
    public var trainingStepsTaken: Int {
        models.reduce(0) { $0 + $1.model.trainingStepsApplied - $1.trainingSteps }
    }

    /// How many tensors had their values copied (for tests: a command copies what it writes, no more).
    public var journaledTensorCount: Int { oldValues.count }

    /// Keeps every change and stops recording.
    public func commit() { close() }

    /// Puts every enrolled model back as it was at `enroll` (except the
    /// optimizer's steps, which are not journaled), and stops recording.
    public func rollBack() {
        precondition(isOpen, "the journal is closed")
        for (linear, update) in updates { linear.update = update }
        for restore in updateStates { restore() }
        for (parameter, values) in oldValues.reversed() {
            parameter.trainingStorage.pointer.update(from: values, count: values.count)
        }
        for (parameter, flag) in flags where parameter.requiresGrad != flag { parameter.requiresGrad = flag }
        close()
    }

    private func close() {
        guard isOpen else { return }
        for parameter in parameters where parameter.journal === self {
            parameter.journal = nil
            parameter.journalHasOldValues = false
        }
        models = []
        parameters = []
        flags = []
        updates = []
        updateStates = []
        oldValues = []
        isOpen = false
    }
}

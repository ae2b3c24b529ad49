import MiniMind

/// `run save` / `run load` in memory, and the session settings (`set`, `reset`).
extension Lab {
    /// Snapshots the session's model under `name`; says whether it replaced a run.
    mutating func saveRun(named name: String) throws(CommandFailure) -> (replaced: Bool, lab: ModelLab) {
        let lab = try requireModel()
        let replaced = state.run(named: name) != nil
        state.runs.removeAll { $0.name == name }
        state.runs.append(SavedRun(name: name, lab: lab.snapshot(), finetuneSource: state.finetuneData?.source, seed: state.seed))
        return (replaced, lab)
    }

    /// Restores a copy of a saved run (the saved one stays as it is).
    mutating func loadRun(named name: String, at location: SourceLocation) throws(CommandFailure) -> SavedRun {
        let saved = try requireRun(named: name, at: location)
        _ = try replaceModel(with: saved.lab.snapshot())
        return saved
    }

    var savedRuns: [SavedRun] { state.runs }

    func requireRun(named name: String, at location: SourceLocation) throws(CommandFailure) -> SavedRun {
        if let run = state.run(named: name) { return run }
        let names = state.runs.map(\.name)
        throw CommandFailure(.name, "no saved run '\(name)'" + NearestWord.hint(for: name, among: names)
                             + (names.isEmpty ? " (none saved yet: `run save <name>`)" : " (saved: \(names.joined(separator: ", ")))"),
                             at: location)
    }

    /// `set seed=`: nil leaves it as it is. Returns the seed in force.
    mutating func setSeed(_ seed: UInt64?) -> UInt64 {
        if let seed { state.seed = seed }
        return state.seed
    }

    mutating func reset() {
        state = SessionState()
    }
}

import MiniMind

extension SessionState {
    /// The undo journal of one command over everything the session holds by
    /// reference — the lab's model and optimizer and every saved run's — so
    /// that, with the copy of this value the engine keeps until the command
    /// succeeds, a failing command changes nothing (docs/design.md, "Transactions").
    func openJournal() -> ModelJournal {
        let journal = ModelJournal()
        for lab in [lab].compactMap({ $0 }) + runs.map(\.lab) {
            journal.enroll(lab.model)
            if let trainer = lab.stepper { journal.enroll(trainer) }
        }
        return journal
    }
}

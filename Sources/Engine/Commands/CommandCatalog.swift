/// Every command of the language, looked up by the words a line starts with.
struct CommandCatalog: Sendable {
    let specs: [CommandSpec]

    static let standard = CommandCatalog(specs: CoreCommands.specs + ModelCommands.specs + DataCommands.specs
                                         + LoRACommands.specs + TrainingCommands.specs
                                         + AnalysisCommands.specs + FileCommands.withFolderForms(RunCommands.specs) + SweepCommands.specs + CacheCommands.specs
                                         + FileCommands.specs)

    /// Verbs in the order `help` lists them, without repeats.
    var verbs: [String] {
        var seen: Set<String> = []
        return specs.map(\.verb).filter { seen.insert($0).inserted }
    }

    func forms(of verb: String) -> [CommandSpec] { specs.filter { $0.verb == verb } }

    /// Subverbs a verb takes as its first word (`merge`, `save`, `model`).
    func subverbs(of verb: String) -> [String] { forms(of: verb).compactMap(\.subverb) }

    /// Finds the form a command line means, and the words left for its positionals.
    func resolve(_ command: ParsedCommand) throws(CommandFailure) -> (CommandSpec, [Word]) {
        let forms = forms(of: command.verb.text)
        guard !forms.isEmpty else {
            throw CommandFailure(.name, "unknown command '\(command.verb.text)'" + NearestWord.hint(for: command.verb.text, among: verbs)
                                 + " (type `help` for the list)", at: command.verb.start)
        }
        let subverbs = forms.compactMap(\.subverb)
        if let first = command.words.first, !first.quoted,
           let form = forms.first(where: { $0.subverb == first.text }) {
            return (form, Array(command.words.dropFirst()))
        }
        if let plain = forms.first(where: { $0.subverb == nil }) {
            // A misspelt subverb (`lora mrege`) must not pass for a positional word.
            if let first = command.words.first, !first.quoted, plain.positionals.isEmpty,
               let near = NearestWord.suggestion(for: first.text, among: subverbs) {
                throw CommandFailure(.name, "unknown word '\(first.text)' for '\(command.verb.text)' (did you mean '\(near)'?)", at: first.start)
            }
            return (plain, command.words)
        }
        let expected = subverbs.map { "'\($0)'" }.joined(separator: " or ")
        guard let first = command.words.first else {
            throw CommandFailure(.argument, "'\(command.verb.text)' needs \(expected)", at: command.end)
        }
        throw CommandFailure(.name, "unknown word '\(first.text)' for '\(command.verb.text)', expected \(expected)"
                             + NearestWord.hint(for: first.text, among: subverbs), at: first.start)
    }
}

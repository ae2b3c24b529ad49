import Corpus

/// The words and tables of `data`.
enum DataReports {
    /// "pre-training", "fine-tuning": how tables and messages name a data role.
    static func roleName(_ role: DataRole) -> String {
        switch role {
        case .pretraining: "pre-training"
        case .fineTuning: "fine-tuning"
        }
    }

    static func chosen(_ choice: DataChoice, role: DataRole) -> MimeBundle {
        let dataset = choice.dataset
        return MimeBundle(plain: """
            \(roleName(role)) data: \(choice.source) (\(dataset.kind)) — \(dataset.description)
            \(dataset.train.count.grouped) training documents, \(dataset.tokenCount(in: .train).grouped) tokens; \
            \(dataset.validation.count.grouped) validation, \(dataset.tokenCount(in: .validation).grouped) tokens; \
            \(dataset.heldOut.count.grouped) held out, \(dataset.tokenCount(in: .heldOut).grouped) tokens
            """)
    }

    static func list(_ corpora: [BuiltinCorpus], chosen: [(role: DataRole, choice: DataChoice)]) -> MimeBundle {
        var table = ResultTable(["name", "kind", "description"])
        for corpus in corpora {
            table.append(["builtin:" + corpus.name, corpus.kind.description, corpus.description])
        }
        let named = chosen.map { "\(roleName($0.role)): \($0.choice.source)" }
        table.footer = named.isEmpty ? "none chosen yet" : "chosen — " + named.joined(separator: ", ")
        return table.bundle
    }
}

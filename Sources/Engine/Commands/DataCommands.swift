import Corpus
import Foundation

/// data pretrain | finetune | list.
enum DataCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("data", "pretrain", area: .data, summary: "choose the pre-training data",
                    positionals: [PositionalSpec("source", .dataSource, "builtin:<name> or a quoted file path")],
                    details: """
                    A file is MiniMind JSONL ({"text": ...} per line) or plain text (one
                    document per paragraph). Every tenth document is held out for `eval`.
                    """,
                    examples: ["data pretrain builtin:tinystories", "data pretrain \"notes.txt\""],
                    handler: { invocation, state, _ in
                        let choice = try load(invocation)
                        state.pretrainData = choice
                        return describe(choice, role: "pre-training")
                    }),
        CommandSpec("data", "finetune", area: .data, summary: "choose the fine-tuning data",
                    positionals: [PositionalSpec("source", .dataSource, "builtin:<name> or a quoted file path")],
                    details: """
                    A file is MiniMind JSONL ({"conversations": [{"role": ..., "content": ...}]}
                    per line; the loss counts the assistant's tokens only), or plain text.
                    Chat template: <|im_start|>{role}\\n{content}<|im_end|>\\n
                    """,
                    examples: ["data finetune builtin:identity", "data finetune \"path/to/file.jsonl\""],
                    handler: { invocation, state, _ in
                        let choice = try load(invocation)
                        state.finetuneData = choice
                        state.lab?.stepSampler = nil
                        return describe(choice, role: "fine-tuning")
                    }),
        CommandSpec("data", "list", area: .data, summary: "the built-in corpora",
                    handler: { _, state, _ in
                        var table = ResultTable(["name", "kind", "description"])
                        for corpus in BuiltinCorpora.all {
                            table.append(["builtin:" + corpus.name, corpus.kind.description, corpus.description])
                        }
                        let chosen = [state.pretrainData.map { "pre-training: \($0.source)" },
                                      state.finetuneData.map { "fine-tuning: \($0.source)" }].compactMap { $0 }
                        table.footer = chosen.isEmpty ? "none chosen yet" : "chosen — " + chosen.joined(separator: ", ")
                        return table.bundle
                    }),
    ]

    private static func load(_ invocation: Invocation) throws(CommandFailure) -> DataChoice {
        let source = try invocation.requiredText("source")
        let location = invocation.location(of: "source")
        if source.hasPrefix("builtin:") {
            let name = String(source.dropFirst("builtin:".count))
            guard BuiltinCorpora.info(named: name) != nil else {
                let place = SourceLocation(line: location.line, column: location.column + 8, offset: location.offset + 8)
                throw CommandFailure(.name, "no built-in corpus '\(name)'" + NearestWord.hint(for: name, among: BuiltinCorpora.names)
                                     + " (see `data list`)", at: place)
            }
            do {
                return DataChoice(source: source, dataset: try BuiltinCorpora.load(name))
            } catch {
                throw CommandFailure(.command, error.description, at: location)
            }
        }
        let path = (source as NSString).expandingTildeInPath
        if !FileManager.default.fileExists(atPath: path), !source.contains("/"), !source.contains("."),
           let near = NearestWord.suggestion(for: source, among: BuiltinCorpora.names) ?? BuiltinCorpora.names.first(where: { $0 == source }) {
            throw CommandFailure(.name, "no file '\(source)' (did you mean 'builtin:\(near)'?)", at: location)
        }
        do {
            return DataChoice(source: source, dataset: try DatasetLoader.load(path: path))
        } catch {
            throw CommandFailure(.command, error.description, at: location)
        }
    }

    private static func describe(_ choice: DataChoice, role: String) -> MimeBundle {
        let dataset = choice.dataset
        return MimeBundle(plain: """
            \(role) data: \(choice.source) (\(dataset.kind)) — \(dataset.description)
            \(dataset.train.count.grouped) training documents, \(dataset.tokenCount(in: .train).grouped) tokens; \
            \(dataset.heldOut.count.grouped) held out, \(dataset.tokenCount(in: .heldOut).grouped) tokens
            """)
    }
}

import Corpus
import Foundation

/// data pretrain | finetune | list: bind → Lab → DataReports.
enum DataCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("data", "pretrain", area: .data, summary: "choose the pre-training data",
                    positionals: [PositionalSpec("source", .dataSource, "builtin:<name> or a quoted file path")],
                    details: """
                    A file is MiniMind JSONL ({"text": ...} per line) or plain text (one
                    document per paragraph). Every tenth document is held out for `eval`
                    and the one before it is kept for validation (`compare … lrs=` picks
                    on it); the rest trains. The three splits are disjoint and fixed.
                    """,
                    examples: ["data pretrain builtin:tinystories", "data pretrain \"notes.txt\""],
                    handler: { invocation, state, context in try choose(.pretraining, invocation, &state, context) }),
        CommandSpec("data", "finetune", area: .data, summary: "choose the fine-tuning data",
                    positionals: [PositionalSpec("source", .dataSource, "builtin:<name> or a quoted file path")],
                    details: """
                    A file is MiniMind JSONL ({"conversations": [{"role": ..., "content": ...}]}
                    per line; the loss counts the assistant's tokens only), or plain text.
                    Chat template: <|im_start|>{role}\\n{content}<|im_end|>\\n
                    Splits as for `data pretrain`: train, validation (a tenth), held-out (a tenth).
                    """,
                    examples: ["data finetune builtin:identity", "data finetune \"path/to/file.jsonl\""],
                    handler: { invocation, state, context in try choose(.fineTuning, invocation, &state, context) }),
        CommandSpec("data", "list", area: .data, summary: "the built-in corpora",
                    handler: { _, state, context in
                        DataReports.list(BuiltinCorpora.all, chosen: Lab(state: state, cancellation: context.cancellation).chosenData)
                    }),
    ]

    private static func choose(_ role: DataRole, _ invocation: Invocation, _ state: inout SessionState,
                               _ context: CommandContext) throws -> MimeBundle? {
        let options = DataOptions(role: role, source: try invocation.requiredText("source"), sourceLocation: invocation.location(of: "source"))
        var lab = Lab(state: state, cancellation: context.cancellation)
        let choice = try lab.chooseData(options)
        state = lab.state
        return DataReports.chosen(choice, role: role)
    }
}

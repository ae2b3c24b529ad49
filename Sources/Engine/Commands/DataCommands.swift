/// data pretrain | finetune | list.
enum DataCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("data", "pretrain", area: .data, summary: "choose the pre-training data",
                    positionals: [PositionalSpec("source", .dataSource, "builtin:<name> or a quoted file path")],
                    details: """
                    A file is MiniMind JSONL ({"text": ...} per line) or plain text.
                    """,
                    examples: ["data pretrain builtin:stories"],
                    handler: unavailable("Corpus")),
        CommandSpec("data", "finetune", area: .data, summary: "choose the fine-tuning data",
                    positionals: [PositionalSpec("source", .dataSource, "builtin:<name> or a quoted file path")],
                    details: """
                    A file is MiniMind JSONL ({"conversations": [{"role": ..., "content": ...}]} per
                    line, loss on assistant tokens only) or plain text.
                    """,
                    examples: ["data finetune builtin:identity", "data finetune \"path/to/file.jsonl\""],
                    handler: unavailable("Corpus")),
        CommandSpec("data", "list", area: .data, summary: "the built-in corpora",
                    handler: unavailable("Corpus")),
    ]
}

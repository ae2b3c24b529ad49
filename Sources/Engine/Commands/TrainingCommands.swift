/// pretrain, finetune, step, train, eval, generate.
enum TrainingCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("pretrain", area: .training, summary: "train every base parameter on the pre-training data",
                    parameters: [
                        ParameterSpec("steps", .integer(minimum: 1), default: .integer(300), "optimizer steps"),
                        ParameterSpec("lr", .number(minimum: 0, maximum: nil), default: .number(3e-3), "peak learning rate (cosine schedule)"),
                        ParameterSpec("batch", .integer(minimum: 1), default: .integer(16), "sequences per step"),
                    ],
                    details: "Needs `model` and `data pretrain`. Shows progress; an interrupt stops it cleanly.",
                    examples: ["pretrain steps=300 lr=3e-3 batch=16"],
                    handler: unavailable("MiniMind")),
        CommandSpec("finetune", area: .training, summary: "full fine-tuning of the selected matrices (to compare with LoRA)",
                    parameters: [
                        ParameterSpec("targets", .targets, default: .word("all-linear"), "which matrices train (same selectors as lora)"),
                        ParameterSpec("layers", .layers, "only these blocks (default: all)"),
                    ],
                    details: """
                    Marks the selected base matrices trainable (everything else frozen) and
                    records their current weights, so that `svd` and `spectrum` can show the
                    true update ΔW = W − W0. Then use `step` or `train`.
                    """,
                    examples: ["finetune targets=ffn", "finetune targets=q,v layers=0-1"],
                    handler: unavailable("MiniMind")),
        CommandSpec("step", area: .training, summary: "optimizer steps on the fine-tune data; prints the loss",
                    positionals: [PositionalSpec("count", .integer(minimum: 1), required: false, "how many steps (default 1)")],
                    parameters: [
                        ParameterSpec("lr", .number(minimum: 0, maximum: nil), default: .number(1e-3), "learning rate"),
                        ParameterSpec("batch", .integer(minimum: 1), default: .integer(8), "sequences per step"),
                    ],
                    examples: ["step", "step 10"],
                    handler: unavailable("MiniMind")),
        CommandSpec("train", area: .training, summary: "many fine-tuning steps with progress; an interrupt stops cleanly",
                    parameters: [
                        ParameterSpec("steps", .integer(minimum: 1), default: .integer(200), "optimizer steps"),
                        ParameterSpec("lr", .number(minimum: 0, maximum: nil), default: .number(1e-3), "peak learning rate (cosine schedule)"),
                        ParameterSpec("batch", .integer(minimum: 1), default: .integer(8), "sequences per step"),
                    ],
                    details: "Trains what is trainable: the LoRA adapters, or the matrices chosen by `finetune`.",
                    examples: ["train steps=200 lr=1e-3 batch=8"],
                    handler: unavailable("MiniMind")),
        CommandSpec("eval", area: .training, summary: "loss on the pre-training and the fine-tuning data (held-out part)",
                    parameters: [ParameterSpec("batches", .integer(minimum: 1), default: .integer(4), "batches per data set")],
                    handler: unavailable("MiniMind")),
        CommandSpec("generate", area: .training, summary: "continue a prompt with the model",
                    positionals: [PositionalSpec("prompt", .text, "the prompt, quoted; \\n is a newline")],
                    parameters: [
                        ParameterSpec("max", .integer(minimum: 1), default: .integer(40), "new tokens at most"),
                        ParameterSpec("temperature", .number(minimum: 0, maximum: nil), default: .number(0.8), "0 = greedy"),
                        ParameterSpec("top_k", .integer(minimum: 0), default: .integer(20), "sample among the k likeliest (0 = all)"),
                        ParameterSpec("seed", .integer(minimum: 0), "sampling seed (default: the session seed)"),
                    ],
                    examples: ["generate \"<|im_start|>user\\nWho are you?<|im_end|>\\n\" max=40"],
                    handler: unavailable("MiniMind")),
    ]
}

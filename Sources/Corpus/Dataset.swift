/// One document (a pre-training text or a whole conversation) as token ids,
/// with a mask saying which tokens the loss should learn to predict.
public struct TokenizedDocument: Sendable, Equatable {
    public var tokens: [Int32]
    /// `lossMask[i]` is true when token `i` is a *target* that counts in the
    /// loss, i.e. when the model is trained to predict it from the tokens
    /// before it. All true for pre-training text; for conversations, true
    /// exactly on the assistant's content and its closing `<|im_end|>`.
    public var lossMask: [Bool]
    /// Where the answer lies in a document that asks a question: the tokens
    /// of a conversation's last assistant turn that the model should say —
    /// its content and the `<|im_end|>` that ends it. Everything before is
    /// the prompt, ending with that turn's `<|im_start|>assistant\n`, so
    /// greedy decoding from the prompt can be checked against the answer
    /// (`AnsweredQuestion`). nil for pre-training text, which asks nothing.
    public var answerSpan: Range<Int>?

    /// A document whose tokens are all targets (pre-training text).
    public init(tokens: [Int32]) {
        self.tokens = tokens
        self.lossMask = Array(repeating: true, count: tokens.count)
    }

    /// A document with an explicit mask; `lossMask` must be as long as `tokens`,
    /// and `answerSpan`, when given, a non-empty range of them.
    public init(tokens: [Int32], lossMask: [Bool], answerSpan: Range<Int>? = nil) {
        precondition(tokens.count == lossMask.count, "one mask entry per token")
        if let answerSpan {
            precondition(!answerSpan.isEmpty && answerSpan.lowerBound > 0 && answerSpan.upperBound <= tokens.count,
                         "an answer is a non-empty range of the tokens after a prompt")
        }
        self.tokens = tokens
        self.lossMask = lossMask
        self.answerSpan = answerSpan
    }

    /// How many tokens count in the loss.
    public var targetCount: Int { lossMask.reduce(0) { $0 + ($1 ? 1 : 0) } }
}

/// What a dataset trains: a language model's continuation of plain text, or a
/// chat model's answers.
public enum DatasetKind: String, Sendable, Equatable, CustomStringConvertible {
    /// Plain text; every token is a target; documents are joined with `<|endoftext|>`.
    case pretrain
    /// Conversations in the chat template; only assistant tokens are targets.
    case finetune

    public var description: String { rawValue }
}

/// The three parts of every dataset: what the optimizer sees; what choices
/// such as the learning rate are made on (so that the held-out score is not
/// itself tuned); and what `eval` reports, which no choice has looked at.
/// The three are disjoint and the same on every load.
public enum DatasetSplit: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case train
    case validation
    case heldOut = "held-out"

    public var description: String { rawValue }
}

/// A named collection of tokenized documents with validation and held-out splits.
public struct Dataset: Sendable, Equatable {
    /// `builtin:<name>` for built-in corpora, the file path for loaded files.
    public var name: String
    public var kind: DatasetKind
    /// One line for `data list` and `show data`.
    public var description: String
    public var train: [TokenizedDocument]
    public var heldOut: [TokenizedDocument]
    /// For choosing hyperparameters (`compare … lrs=`); empty when the data is too small for one.
    public var validation: [TokenizedDocument]
    /// The `<|endoftext|>` id of the tokenizer that made the documents:
    /// batching joins pre-training documents and pads rows with it.
    public var endOfText: Int32

    public init(name: String, kind: DatasetKind, description: String,
                train: [TokenizedDocument], validation: [TokenizedDocument] = [], heldOut: [TokenizedDocument],
                endOfText: Int32 = ByteTokenizer.endOfText) {
        self.name = name
        self.kind = kind
        self.description = description
        self.train = train
        self.validation = validation
        self.heldOut = heldOut
        self.endOfText = endOfText
    }

    /// The documents of one split.
    public func documents(in split: DatasetSplit) -> [TokenizedDocument] {
        switch split {
        case .train: train
        case .validation: validation
        case .heldOut: heldOut
        }
    }

    /// The length of the longest document in any split. Fine-tuning rows
    /// are cut at the batch's `seqLen + 1` tokens, so a shorter context loses
    /// the end of the longer conversations.
    public var longestDocumentLength: Int {
        (train + validation + heldOut).reduce(0) { max($0, $1.tokens.count) }
    }

    /// The number of tokens in one split (without the separators batching adds).
    public func tokenCount(in split: DatasetSplit) -> Int {
        documents(in: split).reduce(0) { $0 + $1.tokens.count }
    }
}

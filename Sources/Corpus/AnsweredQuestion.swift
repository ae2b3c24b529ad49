/// A question with one right answer, as tokens: the prompt that asks it (up to
/// and including the assistant turn's `<|im_start|>assistant\n`) and the
/// answer the data expects (the assistant's content and its `<|im_end|>`).
///
/// Loss says how likely the answer is; a question with an answer can also be
/// scored by whether the model *says* it, which tells a recalled fact from a
/// merely likelier one.
public struct AnsweredQuestion: Sendable, Equatable {
    public var prompt: [Int32]
    public var answer: [Int32]

    public init(prompt: [Int32], answer: [Int32]) {
        self.prompt = prompt
        self.answer = answer
    }
}

extension TokenizedDocument {
    /// The document's question and answer; nil for text that asks nothing.
    public var answeredQuestion: AnsweredQuestion? {
        answerSpan.map { AnsweredQuestion(prompt: Array(tokens[..<$0.lowerBound]), answer: Array(tokens[$0])) }
    }
}

extension Dataset {
    /// The questions of one split that have answers, in the split's order.
    public func answeredQuestions(in split: DatasetSplit) -> [AnsweredQuestion] {
        documents(in: split).compactMap(\.answeredQuestion)
    }

    /// Whether any document has an answer to score (conversations do; plain text does not).
    public var hasAnswers: Bool {
        DatasetSplit.allCases.contains { split in documents(in: split).contains { $0.answerSpan != nil } }
    }
}

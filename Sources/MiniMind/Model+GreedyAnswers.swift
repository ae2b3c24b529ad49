/// Whether greedy decoding says an expected answer, for many prompts at once.
extension Model {
    /// For each (prompt, answer), whether greedy decoding from the prompt —
    /// `generate` at temperature 0 — produces the answer, token for token, as
    /// its first tokens.
    ///
    /// Decided by teacher forcing rather than by decoding one token at a time:
    /// greedy decoding produces the answer exactly when, at every answer
    /// position, the most likely token after the prompt and the answer so far
    /// is the answer's own token. So one forward pass over prompt + answer
    /// settles a whole batch of questions, where decoding would take one pass
    /// per generated token per question. Ties go to the lower token id, as in
    /// `generate`.
    ///
    /// Questions are read `batch` at a time, shortest first, each batch padded
    /// at the end to its longest row (causal attention: padding after a
    /// position never changes it). Every prompt and answer must be non-empty
    /// and fit the context — `prompt.count + answer.count − 1 ≤ config.maxSeq`,
    /// as the last answer token is predicted and never read.
    public func greedilyAnswers(_ questions: [(prompt: [Int32], answer: [Int32])], batch: Int) -> [Bool] {
        precondition(batch >= 1, "a batch holds at least one question")
        let vocab = config.vocabSize
        for question in questions {
            precondition(!question.prompt.isEmpty && !question.answer.isEmpty, "a question needs a prompt and an answer")
            precondition(question.prompt.count + question.answer.count - 1 <= config.maxSeq,
                         "prompt and answer exceed the model's context \(config.maxSeq)")
            precondition((question.prompt + question.answer).allSatisfy { $0 >= 0 && Int($0) < vocab }, "token id outside the vocabulary")
        }
        let readLength = { (index: Int) in questions[index].prompt.count + questions[index].answer.count - 1 }
        let order = questions.indices.sorted { readLength($0) < readLength($1) }
        var answered = [Bool](repeating: false, count: questions.count)
        var start = 0
        while start < order.count {
            let chunk = Array(order[start..<min(start + batch, order.count)])
            start += chunk.count
            let seqLen = chunk.map(readLength).max()!
            var tokens = [Int32](repeating: 0, count: chunk.count * seqLen)
            for (row, index) in chunk.enumerated() {
                let read = questions[index].prompt + questions[index].answer.dropLast()
                for (position, token) in read.enumerated() { tokens[row * seqLen + position] = token }
            }
            tokens.withUnsafeBufferPointer { pointer in
                let logits = allLogits(forward(tokens: pointer.baseAddress!, batch: chunk.count, seqLen: seqLen, training: false))
                logits.withUnsafeBufferPointer { logits in
                    for (row, index) in chunk.enumerated() {
                        let (prompt, answer) = questions[index]
                        answered[index] = answer.indices.allSatisfy { offset in
                            let scores = logits.baseAddress! + (row * seqLen + prompt.count - 1 + offset) * vocab
                            return Self.mostLikely(scores, vocab: vocab) == answer[offset]
                        }
                    }
                }
            }
        }
        return answered
    }

    /// The first index of the largest score: `generate`'s greedy choice.
    private static func mostLikely(_ scores: UnsafePointer<Float>, vocab: Int) -> Int32 {
        var best = 0
        for candidate in 1..<vocab where scores[candidate] > scores[best] { best = candidate }
        return Int32(best)
    }
}

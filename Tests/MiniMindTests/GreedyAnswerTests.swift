import MiniMind
import Testing

/// `greedilyAnswers` (one forward pass) agrees with greedy decoding by `generate`, token by token.
@Suite struct GreedyAnswerTests {
    static let model = Model(config: ModelConfig(dim: 32, layers: 2, heads: 4, kvHeads: 2, ffn: 64, vocabSize: 40, maxSeq: 48), seed: 3)

    /// What greedy decoding says after `prompt`.
    func greedy(_ prompt: [Int32], tokens: Int) -> [Int32] {
        Self.model.generate(prompt: prompt, maxNewTokens: tokens, sampling: SamplingConfig(temperature: 0, topK: 0, seed: 0))
    }

    /// A token that is not `token`.
    func other(than token: Int32) -> Int32 { (token + 1) % 40 }

    @Test func theModelsOwnGreedyOutputIsAnsweredAndAnyChangeIsNot() {
        let prompts: [[Int32]] = [[1, 2, 3], [7], [5, 9, 11, 13, 17, 19, 23], [30, 2, 30, 2, 30]]
        var questions: [(prompt: [Int32], answer: [Int32])] = []
        var expected: [Bool] = []
        for prompt in prompts {
            let said = greedy(prompt, tokens: 6)
            #expect(said.count == 6)
            questions.append((prompt, said)); expected.append(true)
            questions.append((prompt, Array(said.prefix(2)))); expected.append(true)       // a prefix of what is said
            var wrongFirst = said; wrongFirst[0] = other(than: said[0])
            questions.append((prompt, wrongFirst)); expected.append(false)
            var wrongLast = said; wrongLast[5] = other(than: said[5])
            questions.append((prompt, wrongLast)); expected.append(false)
            questions.append((prompt, said + [other(than: greedy(prompt, tokens: 7)[6])])); expected.append(false)  // runs on wrongly
        }
        // Batches of every size give the same verdicts (rows of different lengths share a padded batch).
        for batch in [1, 3, 8, 64] {
            #expect(Self.model.greedilyAnswers(questions, batch: batch) == expected, "batch \(batch)")
        }
    }

    /// An answer that reaches the end of the context, as far as `generate` goes (prompt + answer = maxSeq).
    @Test func anAnswerFillingTheContextIsJudgedLikeGeneration() {
        let prompt: [Int32] = Array(repeating: 4, count: 40)
        let said = greedy(prompt, tokens: 20)
        #expect(said.count == 8, "generate stops when the context (48) is full")
        #expect(Self.model.greedilyAnswers([(prompt, said)], batch: 2) == [true])
        var wrong = said
        wrong[7] = other(than: said[7])
        #expect(Self.model.greedilyAnswers([(prompt, wrong)], batch: 2) == [false])
    }
}

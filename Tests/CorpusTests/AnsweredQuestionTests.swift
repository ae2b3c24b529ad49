import Corpus
import Foundation
import Testing

/// Each conversation keeps its prompt and expected answer, for exact-match scoring.
@Suite struct AnsweredQuestionTests {
    private let assistantHeader = ByteTokenizer.encode("<|im_start|>assistant\n")

    @Test func everyFactHasItsQuestionAsPromptAndItsSentenceAsAnswer() throws {
        let dataset = try BuiltinCorpora.load("facts")
        #expect(dataset.hasAnswers)
        for split in DatasetSplit.allCases {
            let documents = dataset.documents(in: split)
            let questions = dataset.answeredQuestions(in: split)
            #expect(questions.count == documents.count, "\(split): every fact question has an answer")
            for (document, question) in zip(documents, questions) {
                // The prompt is the user's turn and the assistant's header; the answer its sentence and <|im_end|>.
                let prompt = ByteTokenizer.decode(question.prompt)
                #expect(prompt.hasPrefix("<|im_start|>user\n") && prompt.hasSuffix("<|im_end|>\n<|im_start|>assistant\n")
                        && prompt.components(separatedBy: "<|im_start|>").count == 3, "\(prompt)")
                #expect(question.prompt.suffix(assistantHeader.count) == assistantHeader[...])
                let answer = ByteTokenizer.decode(question.answer)
                #expect(answer.hasSuffix(".<|im_end|>") && !answer.contains("\n") && !answer.contains("<|im_start|>"), "\(answer)")
                // Prompt + answer is the document but for the closing newline; the answer is what the loss trains.
                #expect(question.prompt + question.answer + ByteTokenizer.encode("\n") == document.tokens)
                #expect(zip(document.tokens, document.lossMask).filter(\.1).map(\.0) == question.answer)
            }
        }
    }

    /// Held-out questions are new phrasings whose answers were all trained.
    @Test func heldOutFactAnswersAreTrainedAnswers() throws {
        let dataset = try BuiltinCorpora.load("facts")
        let trainedAnswers = Set(dataset.answeredQuestions(in: .train).map(\.answer))
        let trainedPrompts = Set(dataset.answeredQuestions(in: .train).map(\.prompt))
        let heldOut = dataset.answeredQuestions(in: .heldOut)
        #expect(heldOut.count == 60)
        #expect(heldOut.allSatisfy { trainedAnswers.contains($0.answer) && !trainedPrompts.contains($0.prompt) })
    }

    @Test func identityHasAnswersAndPlainTextHasNone() throws {
        let identity = try BuiltinCorpora.load("identity")
        #expect(identity.hasAnswers)
        #expect(identity.answeredQuestions(in: .heldOut).allSatisfy {
            ByteTokenizer.decode($0.answer).contains("LoRA Lab's assistant") && $0.answer.last == ByteTokenizer.imEnd
        })
        let stories = try BuiltinCorpora.load("tinystories")
        #expect(!stories.hasAnswers)
        #expect(stories.answeredQuestions(in: .train).isEmpty)
    }

    /// In a JSONL conversation the last assistant turn is the answer; earlier turns, its own included, are the prompt.
    @Test func theLastAssistantTurnOfAJSONLConversationIsTheAnswer() throws {
        let directory = try TemporaryDirectory()
        let conversation = #"{"conversations": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, "#
            + #"{"role": "assistant", "content": "Hello."}, {"role": "user", "content": "Your name?"}, "#
            + #"{"role": "assistant", "content": "Ada."}]}"#
        let endsWithUser = #"{"conversations": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo."}, "#
            + #"{"role": "user", "content": "Bye"}]}"#
        let dataset = try DatasetLoader.load(path: try directory.file("chat.jsonl", [conversation, endsWithUser].joined(separator: "\n")))
        let first = try #require(dataset.train.first?.answeredQuestion)
        #expect(ByteTokenizer.decode(first.prompt) == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nYour name?<|im_end|>\n<|im_start|>assistant\n")
        #expect(ByteTokenizer.decode(first.answer) == "Ada.<|im_end|>")
        // A conversation that ends with the user: its last assistant turn is still the answer, to what came before it.
        let second = try #require(dataset.heldOut.first?.answeredQuestion)
        #expect(ByteTokenizer.decode(second.prompt) == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        #expect(ByteTokenizer.decode(second.answer) == "Yo.<|im_end|>")
        #expect(dataset.hasAnswers)
    }

    @Test func pretrainingJSONLAndTextHaveNoAnswers() throws {
        let directory = try TemporaryDirectory()
        let jsonl = try DatasetLoader.load(path: try directory.file("text.jsonl", #"{"text": "a"}"# + "\n" + #"{"text": "b"}"#))
        let text = try DatasetLoader.load(path: try directory.file("notes.txt", "one\n\ntwo\n\nthree"))
        #expect(!jsonl.hasAnswers && !text.hasAnswers)
    }

    /// An empty answer is still an answer: the model must stop at once.
    @Test func anEmptyAssistantTurnAnswersWithItsEnd() {
        let document = ChatTemplate.tokenize([ChatMessage(role: .user, content: "?"), ChatMessage(role: .assistant, content: "")])
        #expect(document.answeredQuestion?.answer == [ByteTokenizer.imEnd])
    }
}

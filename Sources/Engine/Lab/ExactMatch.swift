import Corpus
import Foundation
import MiniMind

/// Exact match: does the model *say* the answer, not just find it likely?
///
/// A question counts as answered when greedy decoding from its prompt (the
/// conversation up to `<|im_start|>assistant\n`) produces the data's whole
/// answer span — the assistant's content and its `<|im_end|>` — token for
/// token as its first tokens: SQuAD's exact match on the whole answer, with
/// the stop included, so a right answer that runs on does not count. On the
/// training split it measures recall of what was trained; on the held-out
/// split (for `facts` and `identity`, new phrasings of trained questions)
/// whether that recall carries over to questions never seen.
extension Evaluation {
    /// Codable: the run cache stores it.
    struct ExactMatch: Equatable, Codable {
        var correct: Int
        /// Questions scored.
        var questions: Int
        /// Questions whose prompt and answer do not fit the model's context:
        /// not scored (greedy decoding could not finish the answer).
        var tooLong: Int
        var split: DatasetSplit

        /// nil when no question was scored.
        var fraction: Double? { questions > 0 ? Double(correct) / Double(questions) : nil }
        var standardError: Double? { Self.standardError(correct: correct, questions: questions) }

        /// The binomial standard error of a proportion, √(p(1 − p)/n): each
        /// question is one independent draw, right or wrong. nil for n = 0.
        static func standardError(correct: Int, questions: Int) -> Double? {
            guard questions > 0 else { return nil }
            let p = Double(correct) / Double(questions)
            return (p * (1 - p) / Double(questions)).squareRoot()
        }
    }

    /// The exact match of `model` on the answered questions of one split, read
    /// `batch` questions per forward pass; nil when the split has none.
    static func exactMatch(of model: Model, on data: DataChoice, split: DatasetSplit, batch: Int = 8) -> ExactMatch? {
        let questions = data.dataset.answeredQuestions(in: split)
        guard !questions.isEmpty else { return nil }
        let fitting = questions.filter { fitsContext($0, of: model) }
        let answered = model.greedilyAnswers(fitting.map { ($0.prompt, $0.answer) }, batch: batch)
        return ExactMatch(correct: answered.filter { $0 }.count, questions: fitting.count,
                          tooLong: questions.count - fitting.count, split: split)
    }

    /// `generate` says at most maxSeq − prompt tokens (it stops when the context is full).
    static func fitsContext(_ question: AnsweredQuestion, of model: Model) -> Bool {
        question.prompt.count + question.answer.count <= model.config.maxSeq
    }
}

extension Lab {
    /// The fine-tuning data, when it has answers to score; `option` names
    /// what asked (`match=true`) in the error, which points at `location`.
    func requireAnsweredData(for model: Model, batch: Int, option: String, at location: SourceLocation) throws(CommandFailure) -> DataChoice {
        guard let data = state.finetuneData, data.dataset.hasAnswers else {
            let chosen = state.finetuneData.map { "\($0.source) has no questions with answers" } ?? "no fine-tuning data is chosen"
            throw CommandFailure(.command, "\(option) scores answers to questions, and \(chosen): choose conversations "
                                 + "with `data finetune builtin:facts` (or identity, or a JSONL file of conversations)", at: location)
        }
        // One forward pass over `batch` prompts with their answers.
        let longest = DatasetSplit.allCases.flatMap { data.dataset.answeredQuestions(in: $0) }
            .filter { Evaluation.fitsContext($0, of: model) }
            .map { $0.prompt.count + $0.answer.count - 1 }.max() ?? 1
        try checkForwardMemory(model, batch: batch, seqLen: longest, at: location)
        return data
    }
}

@testable import Engine
import Corpus
import Foundation
import MiniMind
import Testing

/// Exact match: 1 for an answer greedy decoding says, 0 otherwise; a binomial error; `match=true` on eval, compare and sweep.
@Suite struct ExactMatchTests {
    @Test func binomialStandardErrorOfPlantedCounts() throws {
        // p = 3/4 over 4: √(0.75 · 0.25 / 4).
        #expect(abs(try #require(Evaluation.ExactMatch.standardError(correct: 3, questions: 4)) - (0.046875).squareRoot()) < 1e-15)
        #expect(Evaluation.ExactMatch.standardError(correct: 0, questions: 60) == 0)
        #expect(Evaluation.ExactMatch.standardError(correct: 60, questions: 60) == 0)
        #expect(Evaluation.ExactMatch.standardError(correct: 0, questions: 0) == nil)
        let none = Evaluation.ExactMatch(correct: 0, questions: 0, tooLong: 2, split: .heldOut)
        #expect(none.fraction == nil && none.standardError == nil)
    }

    /// A real model's own greedy answers score 1, changed ones 0, and an answer beyond the context is left out.
    @Test func scoresTheAnswersAModelSaysAndNotOthers() throws {
        let model = Model(config: ModelConfig(dim: 32, layers: 2, heads: 4, kvHeads: 2, ffn: 64, vocabSize: 259, maxSeq: 64), seed: 5)
        let greedy = SamplingConfig(temperature: 0, topK: 0, seed: 0)
        func document(_ prompt: [Int32], _ answer: [Int32]) -> TokenizedDocument {
            TokenizedDocument(tokens: prompt + answer, lossMask: prompt.map { _ in false } + answer.map { _ in true },
                              answerSpan: prompt.count..<prompt.count + answer.count)
        }
        var documents: [TokenizedDocument] = []
        for question in ["Who are you?", "Where is Drakmora?", "Name a river."] {
            let prompt = ByteTokenizer.encode(ChatTemplate.prompt(user: question))
            let said = model.generate(prompt: prompt, maxNewTokens: 5, sampling: greedy)
            documents.append(document(prompt, said))                                   // what it says: 1
            var changed = said
            changed[2] = changed[2] == 65 ? 66 : 65
            documents.append(document(prompt, changed))                                // one token off: 0
        }
        let long = ByteTokenizer.encode(ChatTemplate.prompt(user: String(repeating: "so long ", count: 8)))
        documents.append(document(long, [ByteTokenizer.imEnd]))                        // more than 64 tokens: not scored
        let data = DataChoice(source: "planted", dataset: Dataset(name: "planted", kind: .finetune, description: "",
                                                                  train: documents, heldOut: []))
        let result = try #require(Evaluation.exactMatch(of: model, on: data, split: .train, batch: 4))
        #expect(result.correct == 3 && result.questions == 6 && result.tooLong == 1 && result.split == .train)
        #expect(result.fraction == 0.5)
        #expect(Evaluation.exactMatch(of: model, on: data, split: .heldOut) == nil, "no held-out questions")
    }

    /// A small model trained until it has memorised four answers: all seen questions right, and `generate` agrees.
    @Test func aModelThatMemorisedItsAnswersScoresOneOnThemAndGenerateSaysThem() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loralab-match-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pairs = [("red?", "Rot."), ("blue?", "Blau."), ("green?", "Gruen."), ("black?", "Schwarz.")]
        let lines = pairs.map { #"{"conversations": [{"role": "user", "content": "\#($0.0)"}, {"role": "assistant", "content": "\#($0.1)"}]}"# }
        let file = folder.appendingPathComponent("colours.jsonl")
        // Four trained, then one for validation and one held out (a question never seen).
        try (lines + [lines[0], #"{"conversations": [{"role": "user", "content": "white?"}, {"role": "assistant", "content": "Weiss."}]}"#])
            .joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let engine = Engine.forTesting()
        for line in ["model tiny dim=32 layers=1 heads=2 kv_heads=2 ffn=64 seq=48", "data finetune \"\(file.path)\"",
                     "finetune targets=all-linear", "train steps=150 lr=1e-2 batch=4 seq=40"] {
            let outcome = engine.run(line)
            #expect(outcome.error == nil, "\(line): \(outcome.error?.message ?? "")")
        }
        let report = engine.run("eval match=true batch=2")
        #expect(report.error == nil, "\(report.error?.message ?? "")")
        let seen = try #require(report.resultText.split(separator: "\n").first { $0.hasPrefix("exact match, seen phrasings (train)") })
        #expect(seen.split(separator: " ").suffix(4).map(String.init) == ["1.0000", "0.0000", "4", "4"], "\(report.resultText)")
        let unseen = try #require(report.resultText.split(separator: "\n").first { $0.hasPrefix("exact match, unseen phrasings (held-out)") })
        #expect(unseen.split(separator: " ").suffix(4).map(String.init) == ["0.0000", "0.0000", "0", "1"], "never trained: \(unseen)")
        for (question, answer) in pairs {
            let said = engine.run(#"generate "<|im_start|>user\n\#(question)<|im_end|>\n<|im_start|>assistant\n" temperature=0 max=20"#)
            #expect(said.resultText == answer + "<|im_end|>")
        }
    }

    @Test func evalWithoutMatchIsUnchangedAndMatchAddsTheTwoRows() {
        let engine = Engine.forTesting()
        // A context of 256 holds every facts question with its answer.
        engine.run("model tiny dim=16 layers=1 heads=2 kv_heads=2 ffn=32 seq=256\ndata finetune builtin:facts")
        let plain = engine.run("eval batches=1 batch=4").resultText
        #expect(!plain.contains("exact match"))
        let matched = engine.run("eval batches=1 batch=4 match=true").resultText
        #expect(matched.hasPrefix(plain + "\n\n"), "the loss table first, as without match=true")
        #expect(matched.contains("exact match, seen phrasings (train)       builtin:facts"))
        // facts: three trained phrasings of 60 facts and one held out.
        #expect(matched.split(separator: "\n").contains { $0.hasPrefix("exact match, seen phrasings (train)") && $0.hasSuffix(" 180") })
        #expect(matched.split(separator: "\n").contains { $0.hasPrefix("exact match, unseen phrasings (held-out)") && $0.hasSuffix(" 60") })
        #expect(!matched.contains("not scored"))
        // At a context of 64 no question fits: none is scored, and the footer says so.
        engine.run("model tiny dim=16 layers=1 heads=2 kv_heads=2 ffn=32 seq=64")
        let short = engine.run("eval batches=1 batch=4 match=true").resultText
        let seen = short.split(separator: "\n").first { $0.hasPrefix("exact match, seen phrasings (train)") }
        #expect(seen?.split(separator: " ").suffix(4) == ["—", "—", "0", "0"], "\(short)")
        #expect(short.contains("; 240 longer than the model's context not scored"), "\(short)")
    }

    @Test(arguments: ["eval match=true", "compare targets=q;v rank=2 steps=1 batch=2 match=true",
                      "sweep targets=q rank=1,2 steps=1 batch=2 match=true"])
    func matchWithoutAnswersIsAnErrorAtMatchAndChangesNothing(line: String) throws {
        let notes = FileManager.default.temporaryDirectory.appendingPathComponent("loralab-notes-\(UUID().uuidString).txt")
        try String(repeating: "A cat sat on a mat.\n\n", count: 30).write(to: notes, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: notes) }
        let engine = Engine.forTesting()
        engine.run("model tiny dim=16 layers=1 heads=2 kv_heads=2 ffn=32 seq=32\ndata pretrain \"\(notes.path)\"")
        // eval also meets no fine-tuning data at all; compare and sweep refuse that before they look at match=.
        for setup in (line.hasPrefix("eval") ? [""] : []) + ["data finetune \"\(notes.path)\""] {
            if !setup.isEmpty { #expect(engine.run(setup).error == nil) }
            let before = SessionFingerprint(engine)
            let error = try #require(engine.run(line).error)
            #expect(error.message.contains("match=true scores answers to questions") && error.message.contains("data finetune builtin:facts"),
                    "\(error.message)")
            #expect(error.column == line.utf8.count - "true".utf8.count + 1, "points at match='s value: \(error.message)")
            #expect(SessionFingerprint(engine).changedParts(from: before) == [])
        }
    }

    @Test func compareAndSweepAddExactMatchColumnsOnlyWhenAsked() {
        let engine = Engine.forTesting()
        engine.run("model tiny dim=16 layers=1 heads=2 kv_heads=2 ffn=32 seq=256\ndata finetune builtin:facts")
        let compare = engine.run("compare targets=q;v rank=2 steps=1 batch=2 seeds=1-2 match=true")
        #expect(compare.error == nil, "\(compare.error?.message ?? "")")
        let header = compare.resultText.split(separator: "\n").first ?? ""
        #expect(header.contains("forgetting") && header.hasSuffix("match seen     match unseen"), "\(header)")
        // An untrained model says no fact: 0 ± 0 over both seeds.
        #expect(compare.resultText.split(separator: "\n").filter { $0.hasSuffix("0.0000 ± 0.0000  0.0000 ± 0.0000") }.count == 2,
                "\(compare.resultText)")
        #expect(!engine.run("compare targets=q;v rank=2 steps=1 batch=2").resultText.contains("match"))
        let sweep = engine.run("sweep targets=q rank=1,2 steps=1 batch=2 match=true")
        #expect(sweep.error == nil, "\(sweep.error?.message ?? "")")
        #expect((sweep.resultText.split(separator: "\n").first ?? "").hasSuffix("match unseen") && sweep.resultText.contains("match seen"))
        #expect(!engine.run("sweep targets=q rank=1,2 steps=1 batch=2").resultText.contains("match"))
    }
}

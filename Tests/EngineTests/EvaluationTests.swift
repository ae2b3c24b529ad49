@testable import Engine
import Foundation
import Testing

/// `eval`: the whole held-out split by default, with a standard error over sequences.
@Suite struct EvaluationTests {
    /// Equal counts: the ratio estimator's error is the plain s/√n of the row means.
    @Test func standardErrorOfPlantedEqualRows() throws {
        let result = try #require(Evaluation.summary([(2, 1), (4, 1), (6, 1)], split: .heldOut))
        #expect(result.loss == 4)
        // sd of 2, 4, 6 is 2; SE = 2/√3.
        #expect(abs(try #require(result.standardError) - 2 / 3.0.squareRoot()) < 1e-12)
        #expect(result.tokens == 3 && result.sequences == 3)
    }

    /// Unequal counts weight the loss by tokens, and the error by the ratio estimator.
    @Test func standardErrorOfPlantedUnequalRows() throws {
        let result = try #require(Evaluation.summary([(3, 1), (3, 3)], split: .heldOut))
        #expect(result.loss == 1.5)
        // residuals 3 − 1.5·1 = 1.5 and 3 − 1.5·3 = −1.5: √(4.5 / 2) / c̄ (= 2) = 0.75.
        #expect(abs(try #require(result.standardError) - 0.75) < 1e-12)
        #expect(try #require(Evaluation.summary([(3, 2)], split: .heldOut)).standardError == nil, "one sequence has no spread")
    }

    @Test func evalReadsTheWholeHeldOutSplitOrTheTokensAskedFor() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loralab-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // 20 conversations: numbers 9 and 19 are held out, 8 and 18 are for validation.
        let chats = (0..<20).map { #"{"conversations": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b\#($0)"}]}"# }
        let file = folder.appendingPathComponent("chats.jsonl")
        try chats.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let engine = Engine.forTesting()
        engine.run("model tiny dim=16 layers=1 heads=2 kv_heads=2 ffn=32 seq=32")
        let chosen = engine.run("data finetune \"\(file.path)\"")
        #expect(chosen.resultText.contains("16 training documents") && chosen.resultText.contains("2 validation")
                && chosen.resultText.contains("2 held out"), "\(chosen.resultText)")
        let whole = engine.run("eval batch=1")
        #expect(whole.error == nil, "\(whole.error?.message ?? "")")
        // Targets are the answer's bytes and <|im_end|>: "b9" → 3, "b19" → 4.
        let row = try #require(whole.resultText.split(separator: "\n").first { $0.contains("chats.jsonl") })
        let cells = row.split(separator: " ").map(String.init)
        #expect(cells.suffix(2) == ["7", "2"], "\(row)")
        let limited = engine.run("eval batch=1 tokens=1")
        let limitedRow = try #require(limited.resultText.split(separator: "\n").first { $0.contains("chats.jsonl") })
        #expect(limitedRow.split(separator: " ").map(String.init).suffix(2) == ["3", "1"], "\(limitedRow)")
    }
}

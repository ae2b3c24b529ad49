import Engine
import Foundation
import Testing

@Suite("isComplete, complete, inspect")
struct AssistanceTests {
    @Test(arguments: [
        ("lora targets=q \\", Completeness.incomplete(indent: "")),
        ("print \"open", .incomplete(indent: "")),
        ("lora targets=q", .complete),
        ("", .complete),
        ("# only a comment", .complete),
        ("lroa targets=q", .invalid),
        ("print \"a\"b", .invalid),
        ("lora?", .complete),
        ("print \"a\"\nbogus", .invalid),
    ])
    func completeness(code: String, expected: Completeness) {
        #expect(Engine.forTesting().isComplete(code) == expected)
    }

    @Test func completesCommandNames() {
        let result = Engine.forTesting().complete("spec", cursor: 4)
        #expect(result.matches == ["spectrum"])
        #expect(result.cursorStart == 0)
        #expect(result.cursorEnd == 4)
        #expect(Engine.forTesting().complete("s", cursor: 1).matches == ["set", "show", "step", "svd", "spectrum", "similarity", "sweep", "save"])
    }

    @Test func completesCommandNamesOnALaterLine() {
        let code = "print \"é\"\nsp"
        let result = Engine.forTesting().complete(code, cursor: scalarCount(code))
        #expect(result.matches == ["spectrum"])
        #expect(result.cursorStart == scalarCount("print \"é\"\n"))
    }

    @Test func completesParametersOfTheCommandAtTheCursor() {
        let result = Engine.forTesting().complete("lora targets=q ra", cursor: 17)
        #expect(result.matches == ["rank="])
        #expect(result.cursorStart == 15)
        let all = Engine.forTesting().complete("lora rank=4 ", cursor: 12).matches
        #expect(all.contains("targets="))
        #expect(!all.contains("rank="))
        #expect(all.contains("merge"))
    }

    @Test func completesValues() {
        let engine = Engine.forTesting()
        #expect(engine.complete("lora init=pi", cursor: 12).matches == ["pissa"])
        #expect(engine.complete("model t", cursor: 7).matches == ["tiny"])
        #expect(engine.complete("model minimind", cursor: 14).matches == ["minimind2-small", "minimind3"])
        #expect(engine.complete("help lo", cursor: 7).matches == ["lora"])
        #expect(engine.complete("show ", cursor: 5).matches == ["model", "lora"])
        #expect(engine.complete("lora dry=t", cursor: 10).matches == ["true"])
    }

    @Test func completesTheLastItemOfASelectorList() {
        let result = Engine.forTesting().complete("lora targets=q,v,a", cursor: 18)
        #expect(result.matches == ["attn", "all-linear"])
        #expect(result.cursorStart == 17)
        let alternatives = Engine.forTesting().complete("compare targets=square;f", cursor: 24)
        #expect(alternatives.matches == ["ffn"])
        #expect(alternatives.cursorStart == 23)
    }

    @Test func completesQuotedFilePaths() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loralab-complete-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try "{}".write(to: directory.appendingPathComponent("chat.jsonl"), atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: directory) }
        let code = "data finetune \"\(directory.path)/"
        let result = Engine.forTesting().complete(code, cursor: scalarCount(code))
        #expect(result.matches == ["\(directory.path)/chat.jsonl", "\(directory.path)/sub/"])
        #expect(result.cursorStart == scalarCount("data finetune \""))
    }

    @Test func inspectShowsTheHelpOfTheCommandUnderTheCursor() {
        let engine = Engine.forTesting()
        let help = engine.run("help train").resultText
        // detail_level 1: the full help, as `help train` shows it.
        #expect(engine.inspect("train steps=10", cursor: 2, detailLevel: 1)?.plainText == help)
        #expect(engine.inspect("train steps=10", cursor: 14, detailLevel: 1)?.plainText.hasSuffix(help) == true)
        #expect(engine.inspect("lora rank=4", cursor: 6, detailLevel: 1)?.plainText.hasPrefix("lora rank=<n>\n  rank r of each adapter") == true)
        #expect(engine.inspect("xyzzy", cursor: 2, detailLevel: 1) == nil)
        // detail_level 0: the usage line and summary only.
        #expect(engine.inspect("train steps=10", cursor: 2)?.plainText
                == "train [steps=<n>] [lr=<x>] [batch=<n>] [seq=<n>]\n  many fine-tuning steps with progress; an interrupt stops cleanly")
        #expect(engine.inspect("lora rank=4", cursor: 6)?.plainText == "lora rank=<n>\n  rank r of each adapter")
        #expect(engine.inspect("xyzzy", cursor: 2) == nil)
    }
}

import Engine
import Testing

@Suite("Core commands")
struct CoreCommandTests {
    @Test func helpListsEveryCommandOfTheContract() {
        let text = Engine.forTesting().run("help").resultText
        for verb in ["help", "print", "warn", "clear", "model", "show model", "data pretrain", "data finetune", "data list",
                     "pretrain", "lora", "show lora", "lora merge", "lora unmerge", "lora detach", "finetune", "step",
                     "train", "eval", "generate", "svd", "spectrum", "similarity", "amplification", "intruders",
                     "run save", "runs", "run load", "compare", "set", "reset"] {
            #expect(text.contains("\n  \(verb) "), "help lacks \(verb)")
        }
    }

    @Test func helpOfOneCommandShowsItsParametersAndExamples() {
        let text = Engine.forTesting().run("help lora").resultText
        #expect(text.hasPrefix("lora — attach LoRA adapters"))
        for parameter in ["targets=", "rank=", "alpha=", "layers=", "init=", "rslora=", "dropout=", "dry="] {
            #expect(text.contains(parameter))
        }
        #expect(text.contains("lora merge — "))
        #expect(text.contains("lora targets=q,v layers=0-1 rank=4 init=pissa rslora=true dropout=0.05"))
    }

    @Test func questionMarkShowsHelpInThePager() {
        let engine = Engine.forTesting()
        let transcript = engine.run("lora?")
        #expect(transcript.pages.count == 1)
        #expect(transcript.pages.first?.plainText == engine.run("help lora").resultText)
        #expect(transcript.result == nil)
        #expect(engine.run("?train").pages.first?.plainText.hasPrefix("train — ") == true)
    }

    @Test func helpOfUnknownCommandSuggests() {
        #expect(Engine.forTesting().run("help lroa").error?.message == "line 1, col 6: no command 'lroa' (did you mean 'lora'?)")
        #expect(Engine.forTesting().run("lroa?").error?.message == "line 1, col 1: no command 'lroa' (did you mean 'lora'?)")
    }

    @Test func printAndWarnStream() {
        let transcript = Engine.forTesting().run("print \"hello, world\"\nwarn \"careful\"")
        #expect(transcript.events == [.stream(.stdout, "hello, world\n"), .stream(.stderr, "careful\n")])
        #expect(transcript.outcome == .ok)
    }

    @Test func clearClearsTheOutput() {
        let transcript = Engine.forTesting().run("set seed=3\nclear")
        #expect(transcript.events == [.clearOutput(wait: false)])
    }

    @Test func earlierResultsAreDisplaysAndTheLastIsTheResult() {
        let transcript = Engine.forTesting().run("set seed=1\nprint \"between\"\nset seed=2")
        #expect(transcript.events == [
            .display(MimeBundle(plain: "seed=1"), displayID: nil),
            .stream(.stdout, "between\n"),
            .result(MimeBundle(plain: "seed=2")),
        ])
    }

    @Test func resultBeforeAFailureIsStillShown() {
        let transcript = Engine.forTesting().run("set seed=1\nbogus")
        #expect(transcript.displays == [MimeBundle(plain: "seed=1")])
        #expect(transcript.error != nil)
    }

    @Test func resetRestoresDefaults() {
        let engine = Engine.forTesting()
        let initial = engine.run("set").resultText
        engine.run("set seed=99")
        #expect(engine.run("reset").stdout == "session reset\n")
        #expect(engine.run("set").resultText == initial)
    }

    @Test func executionCountFollowsStoreHistory() {
        let engine = Engine.forTesting()
        engine.run("set")
        _ = engine.execute("set", storeHistory: false) { _ in }
        #expect(engine.executionCount == 1)
    }
}

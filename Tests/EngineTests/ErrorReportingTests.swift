import Engine
import Testing

@Suite("Errors: place, caret, suggestion")
struct ErrorReportingTests {
    @Test func misspeltParameterMatchesTheContract() {
        let transcript = Engine.forTesting().run("print \"start\"\nlora alpha=8 rnak=4")
        let error = transcript.error
        #expect(error?.name == "NameError")
        #expect(error?.message == "line 2, col 14: unknown parameter 'rnak' for 'lora' (did you mean 'rank'?)")
        #expect(error?.traceback == [
            "error: line 2, col 14: unknown parameter 'rnak' for 'lora' (did you mean 'rank'?)",
            "lora alpha=8 rnak=4",
            "             ^",
        ])
        #expect(error?.line == 2)
        #expect(error?.column == 14)
        #expect(transcript.stdout == "start\n")
    }

    @Test(arguments: [("lroa", "lora"), ("spectrun", "spectrum"), ("gnerate", "generate"), ("trian", "train"), ("hlep", "help")])
    func misspeltCommandsGetSuggestions(typed: String, meant: String) {
        let error = Engine.forTesting().run("\(typed) x=1").error
        #expect(error?.message == "line 1, col 1: unknown command '\(typed)' (did you mean '\(meant)'?) (type `help` for the list)")
    }

    @Test func unrelatedCommandGetsNoSuggestion() {
        let error = Engine.forTesting().run("xyzzy").error
        #expect(error?.message == "line 1, col 1: unknown command 'xyzzy' (type `help` for the list)")
    }

    @Test func misspeltPresetGetsASuggestion() {
        let error = Engine.forTesting().run("model tyni").error
        #expect(error?.message == "line 1, col 7: unknown preset 'tyni' (did you mean 'tiny'?) (presets: tiny, minimind2-small, minimind3)")
        #expect(error?.traceback.last == "      ^")
    }

    @Test func misspeltSubcommandGetsASuggestion() {
        #expect(Engine.forTesting().run("lora mrege").error?.message
                == "line 1, col 6: unknown word 'mrege' for 'lora' (did you mean 'merge'?)")
        #expect(Engine.forTesting().run("show lroa").error?.message
                == "line 1, col 6: unknown word 'lroa' for 'show', expected 'model' or 'lora' (did you mean 'lora'?)")
    }

    @Test func misspeltChoiceGetsASuggestion() {
        #expect(Engine.forTesting().run("lora init=pisa").error?.message
                == "line 1, col 11: 'init' must be one of peft, minimind, gaussian, pissa, got 'pisa' (did you mean 'pissa'?)")
    }

    @Test func missingWordPointsPastTheEnd() {
        let error = Engine.forTesting().run("run save").error
        #expect(error?.column == 9)
        #expect(error?.message.contains("'run save' needs a name") == true)
    }

    @Test func outOfRangeValueNamesTheLimit() {
        #expect(Engine.forTesting().run("lora rank=0").error?.message == "line 1, col 11: 'rank' must be at least 1, got 0")
    }

    @Test func duplicateParameterIsAnError() {
        #expect(Engine.forTesting().run("lora rank=2 rank=4").error?.message == "line 1, col 13: parameter 'rank' is given twice")
    }

    @Test func listingRunsInAFreshSessionSaysThereAreNone() {
        let transcript = Engine.forTesting().run("runs")
        #expect(transcript.error == nil)
        #expect(transcript.resultText.contains("no saved runs"))
    }

    @Test func cellStopsAtTheFirstFailingLine() {
        let transcript = Engine.forTesting().run("print \"a\"\nbogus\nprint \"b\"")
        #expect(transcript.stdout == "a\n")
        #expect(transcript.error?.line == 2)
    }

    @Test func failedCommandLeavesSessionUnchanged() {
        let engine = Engine.forTesting()
        engine.run("set seed=5")
        #expect(engine.run("set seed=7 sed=1").error != nil)
        #expect(engine.run("set").resultText == "seed=5")
    }
}

@Suite("Suggestions")
struct SuggestionTests {
    @Test func partOfALongerNameIsSuggested() {
        #expect(Engine.forTesting().run("data pretrain builtin:stories").error?.message
                == "line 1, col 23: no built-in corpus 'stories' (did you mean 'tinystories'?) (see `data list`)")
    }
}

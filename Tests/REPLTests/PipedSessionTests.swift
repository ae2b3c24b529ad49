import Engine
import REPL
import Testing

/// Piped input through the real engine: what reaches each stream and the exit status.
@Suite struct PipedSessionTests {
    private func run(_ lines: [String]) -> (status: Int32, output: RecordingSink) {
        let sink = RecordingSink()
        var remaining = lines[...]
        let status = PipedSession(engine: Engine(history: .inMemory()), output: sink, capabilities: .plain)
            .run(readingLinesFrom: { remaining.popFirst() })
        return (status, sink)
    }

    @Test func printedTextGoesToStandardOutputWithoutPrompts() {
        let (status, output) = run(["print \"one\"", "", "# a comment", "print \"two\""])
        #expect(status == 0)
        #expect(output.stdout == "one\ntwo\n")
        #expect(output.stderr.isEmpty)
    }

    @Test func continuationLinesBecomeOneCommand() {
        let (status, output) = run(["print \\", "  \"joined\""])
        #expect(status == 0)
        #expect(output.stdout == "joined\n")
    }

    @Test func anUnfinishedLastCommandIsStillReportedAtEndOfInput() {
        let (status, output) = run(["print \"never closed"])
        #expect(status == 1)
        #expect(output.stdout.isEmpty)
        #expect(output.stderr.hasPrefix("error: line 1"))
    }

    @Test func aFailureIsReportedAndTheFollowingCommandsStillRun() {
        let (status, output) = run(["print \"before\"", "prnt \"oops\"", "print \"after\""])
        #expect(status == 1)
        #expect(output.stdout == "before\nafter\n")
        #expect(output.stderr.contains("line 1, col 1"))
        #expect(output.stderr.contains("did you mean 'print'"))
        #expect(output.stderr.contains("prnt \"oops\"\n^\n"))
        #expect(!output.stderr.contains("\u{1B}"))
    }
}

/// Scripts through the real engine: the first failing line stops the run.
@Suite struct ScriptRunnerEngineTests {
    @Test func aScriptStopsAtItsFirstFailingLineWithItsPlace() {
        let sink = RecordingSink()
        let source = "print \"before\"\n\nlora targets=q rnak=4\nprint \"after\"\n"
        let status = ScriptRunner(engine: Engine(history: .inMemory()), output: sink, capabilities: .plain)
            .run(source: source, named: "broken.lora")
        #expect(status == .commandFailed)
        #expect(sink.stdout == "before\n")
        let lines = sink.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first?.hasPrefix("broken.lora:3:16: ") == true)
        #expect(lines.contains { $0.hasPrefix("error: line 3, col 16: ") && $0.contains("did you mean 'rank'") })
        #expect(lines.contains("lora targets=q rnak=4"))
        #expect(lines.contains(String(repeating: " ", count: 15) + "^"))
    }

    @Test func aCleanScriptSucceedsAndKeepsItsOrder() {
        let sink = RecordingSink()
        let status = ScriptRunner(engine: Engine(history: .inMemory()), output: sink, capabilities: .plain)
            .run(source: "print \"a\"\nwarn \"b\"\nprint \"c\"\n", named: "ok.lora")
        #expect(status == .succeeded)
        #expect(sink.writes.map(\.stream) == [.stdout, .stderr, .stdout])
        #expect(sink.stdout == "a\nc\n")
        #expect(sink.stderr == "b\n")
    }
}

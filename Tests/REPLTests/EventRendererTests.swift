import Engine
import REPL
import Testing

@Suite struct EventRendererTests {
    private let terminal = TerminalCapabilities(rewritesInPlace: true, colouredErrors: true, columns: 40)

    @Test func aPipeGetsOnlyTheLastStateOfALiveDisplay() {
        let sink = RecordingSink()
        let renderer = EventRenderer(sink: sink, capabilities: .plain)
        renderer.render(.display(MimeBundle(plain: "step 0/3"), displayID: "train"))
        renderer.render(.updateDisplay(MimeBundle(plain: "step 1/3"), displayID: "train"))
        renderer.render(.updateDisplay(MimeBundle(plain: "step 3/3 loss 1.20"), displayID: "train"))
        renderer.render(.result(MimeBundle(plain: "done")))
        renderer.finishCell()
        #expect(sink.stdout == "step 3/3 loss 1.20\ndone\n")
    }

    @Test func aTerminalRewritesTheLiveLineInPlaceAndEndsItWithANewline() {
        let sink = RecordingSink()
        let renderer = EventRenderer(sink: sink, capabilities: terminal)
        renderer.render(.display(MimeBundle(plain: "step 0/3"), displayID: "train"))
        renderer.render(.updateDisplay(MimeBundle(plain: "step 1/3"), displayID: "train"))
        renderer.finishCell()
        #expect(sink.stdout == "step 0/3\r\u{1B}[Jstep 1/3\n")
    }

    @Test func aLiveDisplayOfSeveralRowsIsErasedFromItsFirstRow() {
        let sink = RecordingSink()
        let renderer = EventRenderer(sink: sink, capabilities: terminal)
        // Two lines, the second 50 columns wide: 1 + 2 rows on a 40-column terminal.
        renderer.render(.display(MimeBundle(plain: "loss\n" + String(repeating: "█", count: 50)), displayID: "chart"))
        renderer.render(.updateDisplay(MimeBundle(plain: "loss\n▁"), displayID: "chart"))
        #expect(sink.writes.last?.text == "\r\u{1B}[2A\u{1B}[Jloss\n▁")
    }

    @Test func outputAfterALiveLineStartsOnANewLine() {
        let sink = RecordingSink()
        let renderer = EventRenderer(sink: sink, capabilities: terminal)
        renderer.render(.display(MimeBundle(plain: "step 5/9"), displayID: "train"))
        renderer.render(.stream(.stdout, "saved\n"))
        renderer.render(.updateDisplay(MimeBundle(plain: "step 9/9"), displayID: "train"))
        renderer.finishCell()
        #expect(sink.stdout == "step 5/9\nsaved\nstep 9/9\n")
    }

    @Test func resultsStreamsAndPagesKeepTheirOrderAndStreams() {
        let sink = RecordingSink()
        let renderer = EventRenderer(sink: sink, capabilities: .plain)
        renderer.render(.stream(.stdout, "hello"))
        renderer.render(.stream(.stderr, "careful\n"))
        renderer.render(.page(MimeBundle(plain: "lora: attach adapters")))
        renderer.render(.result(MimeBundle(plain: "a table", html: "<table></table>")))
        renderer.finishCell()
        #expect(sink.writes.map(\.stream) == [.stdout, .stdout, .stderr, .stdout, .stdout])
        #expect(sink.stdout == "hello\nlora: attach adapters\na table\n")
        #expect(sink.stderr == "careful\n")
    }

    @Test func errorsGoToStandardErrorInRedOnlyWhenColourIsOn() {
        let error = ExecutionError(name: "CommandError", message: "line 1, col 6: unknown command",
                                   traceback: ["error: line 1, col 6: unknown", "  lora rnak=4", "       ^"],
                                   line: 1, column: 6)
        let coloured = RecordingSink()
        EventRenderer(sink: coloured, capabilities: terminal).renderError(error)
        #expect(coloured.stderr == "\u{1B}[31merror: line 1, col 6: unknown\n  lora rnak=4\n       ^\u{1B}[0m\n")
        #expect(coloured.stdout.isEmpty)

        let plain = RecordingSink()
        let renderer = EventRenderer(sink: plain, capabilities: .plain)
        renderer.sourceName = "bad.lora"
        renderer.renderError(error)
        #expect(plain.stderr == "bad.lora:1:6: CommandError\nerror: line 1, col 6: unknown\n  lora rnak=4\n       ^\n")
    }

    @Test func clearingTheScreenHappensOnlyOnATerminal() {
        let pipe = RecordingSink()
        let piped = EventRenderer(sink: pipe, capabilities: .plain)
        piped.render(.clearOutput(wait: false))
        piped.render(.result(MimeBundle(plain: "after")))
        #expect(pipe.stdout == "after\n")

        let screen = RecordingSink()
        let onTerminal = EventRenderer(sink: screen, capabilities: terminal)
        onTerminal.render(.clearOutput(wait: true))
        #expect(screen.stdout.isEmpty)  // waits for the next output
        onTerminal.render(.result(MimeBundle(plain: "after")))
        #expect(screen.stdout == "\u{1B}[H\u{1B}[2Jafter\n")
    }
}

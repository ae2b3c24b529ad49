import Engine
import Testing

@Suite("Lexical rules")
struct LexicalRulesTests {
    @Test func commentsAndBlankLinesAreIgnored() {
        let engine = Engine.forTesting()
        let transcript = engine.run("""
            # a comment line

            print "a"   # a trailing comment
               \t
            print "b#c"
            """)
        #expect(transcript.error == nil)
        #expect(transcript.stdout == "a\nb#c\n")
    }

    @Test func backslashContinuesTheCommand() {
        let engine = Engine.forTesting()
        let transcript = engine.run("print \"one\" \\\n   \"two\"\nprint three")
        #expect(transcript.stdout == "one two\nthree\n")
    }

    @Test func errorsOnContinuationLinesPointAtTheirPhysicalLine() {
        let engine = Engine.forTesting()
        let transcript = engine.run("set \\\n  sede=3")
        #expect(transcript.error?.line == 2)
        #expect(transcript.error?.column == 3)
        #expect(transcript.error?.message == "line 2, col 3: unknown parameter 'sede' for 'set' (did you mean 'seed'?)")
    }

    @Test func quotedStringsResolveEscapes() {
        let engine = Engine.forTesting()
        let transcript = engine.run(#"print "say \"hi\" \\ back\nnext\tend""#)
        #expect(transcript.stdout == "say \"hi\" \\ back\nnext\tend\n")
    }

    @Test func unknownEscapeIsASyntaxErrorAtTheBackslash() {
        let transcript = Engine.forTesting().run(#"print "a\qb""#)
        #expect(transcript.error?.name == "SyntaxError")
        #expect(transcript.error?.column == 9)
        #expect(transcript.error?.message.contains("unknown escape '\\q'") == true)
    }

    @Test func unterminatedStringIsReportedAtItsQuote() {
        let transcript = Engine.forTesting().run("print \"open")
        #expect(transcript.error?.name == "SyntaxError")
        #expect(transcript.error?.column == 7)
        #expect(transcript.error?.message.contains("unterminated string") == true)
    }

    /// `set seed=` accepts only integers, so its error names the kind each value was read as.
    @Test(arguments: [
        ("1e-3", "a number"), ("0.5", "a number"), ("true", "true or false"), ("false", "true or false"),
        ("0-3", "a range"), ("q,v", "a comma list"), ("square;q,v", "a ';' list"),
        ("word", "a word"), ("\"7\"", "a quoted string"),
    ])
    func valuesAreClassified(value: String, kind: String) {
        let transcript = Engine.forTesting().run("set seed=\(value)")
        #expect(transcript.error?.message == "line 1, col 10: 'seed' expects an integer, got \(kind)")
    }

    @Test func integersAreAccepted() {
        let engine = Engine.forTesting()
        #expect(engine.run("set seed=17").resultText == "seed=17")
        #expect(engine.run("set seed=+18").resultText == "seed=18")
    }

    @Test func backwardsRangeIsAnError() {
        let transcript = Engine.forTesting().run("lora targets=q layers=3-1")
        #expect(transcript.error?.message == "line 1, col 23: the range 3-1 runs backwards (write 1-3)")
    }

    @Test func emptyListItemIsAnError() {
        let transcript = Engine.forTesting().run("lora targets=q,,v")
        #expect(transcript.error?.name == "SyntaxError")
        #expect(transcript.error?.column == 16)
    }

    @Test func keyWithoutNameIsAnError() {
        let transcript = Engine.forTesting().run("set =3")
        #expect(transcript.error?.message == "line 1, col 5: missing parameter name before '='")
    }

    @Test func keyWithoutValueIsAnError() {
        let transcript = Engine.forTesting().run("set seed=")
        #expect(transcript.error?.message == "line 1, col 10: missing value after 'seed=' (expected <n>)")
    }

    @Test func columnsCountUnicodeScalars() {
        let transcript = Engine.forTesting().run("print \"héllo\"\nprint \"ünï\" x=1")
        #expect(transcript.error?.line == 2)
        #expect(transcript.error?.column == 13)
        #expect(transcript.stdout == "héllo\n")
    }
}

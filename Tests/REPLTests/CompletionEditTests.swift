import Engine
import REPL
import Testing

@Suite struct CompletionEditTests {
    private func scalars(_ text: String) -> [Unicode.Scalar] { Array(text.unicodeScalars) }

    @Test func aSingleCandidateReplacesTheWordAndAddsASpace() {
        let edit = CompletionEdit.choose(line: scalars("spec"), lineOffset: 0,
                                         result: CompletionResult(matches: ["spectrum"], cursorStart: 0, cursorEnd: 4))
        #expect(edit == .replace(range: 0..<4, with: "spectrum "))
    }

    @Test func aKeyWaitingForItsValueGetsNoSpace() {
        let edit = CompletionEdit.choose(line: scalars("lora ra"), lineOffset: 0,
                                         result: CompletionResult(matches: ["rank="], cursorStart: 5, cursorEnd: 7))
        #expect(edit == .replace(range: 5..<7, with: "rank="))
    }

    @Test func severalCandidatesInsertTheirCommonPrefixFirst() {
        let result = CompletionResult(matches: ["model.layers.0.mlp.up_proj", "model.layers.0.mlp.down_proj"],
                                      cursorStart: 4, cursorEnd: 9)
        let edit = CompletionEdit.choose(line: scalars("svd model"), lineOffset: 0, result: result)
        #expect(edit == .replace(range: 4..<9, with: "model.layers.0.mlp."))
    }

    @Test func severalCandidatesWithNothingMoreToInsertAreListed() {
        let result = CompletionResult(matches: ["show", "step", "spectrum", "step"], cursorStart: 0, cursorEnd: 1)
        let edit = CompletionEdit.choose(line: scalars("s"), lineOffset: 0, result: result)
        #expect(edit == .list(["show", "step", "spectrum"]))
    }

    @Test func offsetsOfEarlierContinuationLinesAreTranslatedToTheCurrentLine() {
        // The cell is "lora targets=q \\\n  ra": the engine counts from the cell's start.
        let context = "lora targets=q \\\n"
        let offset = context.unicodeScalars.count
        let result = CompletionResult(matches: ["rank="], cursorStart: offset + 2, cursorEnd: offset + 4)
        let edit = CompletionEdit.choose(line: scalars("  ra"), lineOffset: offset, result: result)
        #expect(edit == .replace(range: 2..<4, with: "rank="))
    }

    @Test func aRangeOutsideTheCurrentLineChangesNothing() {
        let result = CompletionResult(matches: ["spectrum"], cursorStart: 0, cursorEnd: 4)
        #expect(CompletionEdit.choose(line: scalars("spec"), lineOffset: 10, result: result) == .none)
        #expect(CompletionEdit.choose(line: scalars("spec"), lineOffset: 0,
                                      result: CompletionResult(matches: [], cursorStart: 0, cursorEnd: 4)) == .none)
    }

    @Test func positionsCountUnicodeScalarsNotBytes() {
        // "é" is two bytes in UTF-8 but one scalar, as the engine counts.
        let result = CompletionResult(matches: ["spectrum"], cursorStart: 11, cursorEnd: 15)
        let edit = CompletionEdit.choose(line: scalars("print \"é\"; spec"), lineOffset: 0, result: result)
        #expect(edit == .replace(range: 11..<15, with: "spectrum "))
    }

    @Test func candidatesAreLaidOutDownThenAcross() {
        let text = CandidateColumns.layout(["a", "bb", "ccc", "d", "e"], width: 12)
        // Cell width 3 + 2 = 5, two columns in 12; three rows.
        #expect(text == "a    d\nbb   e\nccc\n")
    }

    @Test func aNarrowTerminalGetsOneCandidatePerLine() {
        #expect(CandidateColumns.layout(["alpha", "beta"], width: 3) == "alpha\nbeta\n")
    }
}

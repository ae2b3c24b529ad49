import Engine
import REPL
import Testing

@Suite struct CellAssemblerTests {
    /// The rule the engine applies, reduced to a trailing backslash, so that
    /// these tests are about the assembler's bookkeeping.
    private let backslashContinues: (String) -> Completeness = { cell in
        cell.hasSuffix("\\") ? .incomplete(indent: "") : .complete
    }

    @Test func linesAreHeldUntilTheCellIsComplete() {
        var assembler = CellAssembler()
        #expect(assembler.add("lora targets=q,v \\", completeness: backslashContinues) == nil)
        #expect(assembler.isContinuing)
        #expect(assembler.pendingText == "lora targets=q,v \\\n")
        #expect(assembler.add("  rank=4", completeness: backslashContinues) == "lora targets=q,v \\\n  rank=4")
        #expect(!assembler.isContinuing)
    }

    @Test func anInvalidCellIsReturnedSoTheEngineCanReportIt() {
        var assembler = CellAssembler()
        #expect(assembler.add("print \"", completeness: { _ in .invalid }) == "print \"")
    }

    @Test func discardAndFlushEmptyTheHeldLines() {
        var assembler = CellAssembler()
        _ = assembler.add("a \\", completeness: backslashContinues)
        assembler.discard()
        #expect(!assembler.isContinuing)
        #expect(assembler.flush() == nil)
        _ = assembler.add("b \\", completeness: backslashContinues)
        #expect(assembler.flush() == "b \\")
        #expect(!assembler.isContinuing)
    }
}

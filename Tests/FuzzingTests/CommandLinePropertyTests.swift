import Engine
import Testing

/// Random cells never crash the engine; each either runs or fails at a line
/// and column inside the cell.
@Suite struct CommandLinePropertyTests {
    /// Lexing, parsing, completion and inspection at many cursors, and (for
    /// the verbs that are cheap in an empty session) execution, through the
    /// fuzzer's own entry point.
    @Test func randomCellsKeepEveryInvariantInAFreshSession() {
        var generator = CommandLineGenerator(seed: 12)
        for index in 0..<1000 {
            let cell = generator.cell()
            let violations = CommandLineFuzzing.check(source: cell)
            #expect(violations.isEmpty, "case \(index), cell \(String(reflecting: cell)): \(violations)")
        }
    }

    /// Random bytes (decoded as UTF-8 with replacement), the least structured input there is.
    @Test func randomBytesKeepEveryInvariant() {
        var random = SeededGenerator(seed: 7)
        for index in 0..<1000 {
            let bytes = random.bytes(Int.random(in: 0...80, using: &random))
            let violations = CommandLineFuzzing.check(bytes)
            #expect(violations.isEmpty, "case \(index), bytes \(bytes): \(violations)")
        }
    }

    /// With a model and data, many more cells run for real (build, attach,
    /// one training step, analysis). Every outcome is ok or an error placed
    /// inside the cell, and the session still serves afterwards.
    @Test func randomCellsInALiveSessionRunOrFailInsideTheCell() {
        let engine = Engine(history: .inMemory())
        let setUp = "\(CommandLineGenerator.smallModel)\ndata pretrain builtin:tinystories\ndata finetune builtin:identity"
        #expect(engine.execute(setUp) { _ in } == .ok)

        var generator = CommandLineGenerator(seed: 2026)
        var outcomes = (ok: 0, errors: 0)
        for index in 0..<300 {
            let cell = generator.cell()
            switch engine.execute(cell, emit: { _ in }) {
            case .ok:
                outcomes.ok += 1
            case .error(let error):
                outcomes.errors += 1
                let placed = error.line.flatMap { line in error.column.map { (line, $0) } }
                #expect(placed.map { isInside(cell, line: $0.0, column: $0.1) } == true,
                        "case \(index), cell \(String(reflecting: cell)): \(error.message) at \(String(describing: placed))")
            }
        }
        // Both kinds occur, or the generator has stopped exercising one of them.
        #expect(outcomes.ok > 20 && outcomes.errors > 20, "\(outcomes)")
        #expect(engine.execute("\(CommandLineGenerator.smallModel)\nshow model") { _ in } == .ok)
    }

    /// Found by the property test above: with CRLF line ends the traceback
    /// lost the failing line and its caret, because the report split the cell
    /// into Characters, where "\r\n" is one.
    @Test func aCRLFCellsTracebackShowsTheFailingLine() {
        let engine = Engine(history: .inMemory())
        let outcome = engine.execute("print one\r\nlora rnak=4\r\n") { _ in }
        guard case .error(let error) = outcome else {
            Issue.record("expected an error, got \(outcome)")
            return
        }
        #expect(error.line == 2 && error.column == 6)
        #expect(error.traceback.dropFirst() == ["lora rnak=4", "     ^"])
    }

    /// Lines are split at `\n`; a column may be one past the line's last scalar (a caret after it).
    private func isInside(_ cell: String, line: Int, column: Int) -> Bool {
        // Scalars, not Characters: "\r\n" is a single Character.
        let lines = cell.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        guard line >= 1, line <= lines.count else { return false }
        return column >= 1 && column <= lines[line - 1].count + 1
    }
}

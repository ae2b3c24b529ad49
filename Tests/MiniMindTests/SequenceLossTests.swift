import MiniMind
import Testing

/// Per-row losses (for eval's standard error over sequences) are the batch's loss, split by row.
@Suite struct SequenceLossTests {
    @Test func rowSumsAddUpToTheBatchAndEachRowIsItsOwnForward() {
        let config = ModelConfig(dim: 16, layers: 1, heads: 2, kvHeads: 1, ffn: 32, vocabSize: 11, maxSeq: 8)
        let model = Model(config: config, seed: 3)
        let batch = 3, seqLen = 6
        let tokens: [Int32] = (0..<(batch * seqLen)).map { Int32(($0 * 7 + 3) % 11) }
        // Row 1 counts only two targets; the others all.
        var targets: [Int32] = (0..<(batch * seqLen)).map { Int32(($0 * 5 + 1) % 11) }
        for column in 2..<seqLen { targets[seqLen + column] = -1 }
        let rows = model.lossSumsPerRow(tokens: tokens, targets: targets, batch: batch, seqLen: seqLen)
        #expect(rows.map(\.count) == [6, 2, 6])
        let whole = model.lossSum(tokens: tokens, targets: targets, batch: batch, seqLen: seqLen)
        #expect(abs(rows.reduce(0) { $0 + $1.sum } - whole.sum) < 1e-4 * whole.sum)
        for row in 0..<batch {
            let range = (row * seqLen)..<((row + 1) * seqLen)
            let alone = model.lossSum(tokens: Array(tokens[range]), targets: Array(targets[range]), batch: 1, seqLen: seqLen)
            #expect(abs(rows[row].sum - alone.sum) < 1e-4 * max(1, alone.sum), "row \(row)")
        }
    }
}

import MiniMind
import Testing

/// The FLOP count the block's sublayers add up, against the products written
/// out by hand from the shapes (2 per multiply-add).
@Suite struct FlopCountTests {
    @Test func loRAOnQueriesOfAFrozenModel() throws {
        let c = ModelConfig(dim: 16, layers: 2, heads: 4, kvHeads: 2, ffn: 24, vocabSize: 30, maxSeq: 16)
        let model = Model(config: c, seed: 0)
        let rank = 2
        try model.attachLoRA(TargetSelector(parsing: "q"), config: LoRAConfig(rank: rank), seed: 0)
        let batch = 3, seq = 8
        let rows = Double(batch * seq), d = Double(c.dim), kv = Double(c.kvDim), f = Double(c.ffn)
        let head = 2 * rows * d * Double(c.vocabSize)
        let core = 4 * Double(batch * c.heads * seq * seq * c.headDim)
        let q = 2 * rows * d * d, k = 2 * rows * d * kv, v = k, o = q
        let gate = 2 * rows * d * f, up = gate, down = gate
        let lora = 2 * rows * Double(rank) * (d + d)   // x Aᵀ and (x Aᵀ) Bᵀ for q
        let perLayer = q + k + v + o + gate + up + down + core + lora
        let forward = head + 2 * perLayer
        // Backward: the head's input gradient (the embedding is frozen), every activation
        // gradient except q, k, v's in block 0 (nothing below them trains), attention twice,
        // and the adapter's own (its gradients and its input's: twice its forward).
        let backward = head + (o + gate + up + down + 2 * core + 2 * lora)
            + (q + k + v + o + gate + up + down + 2 * core + 2 * lora)
        let count = model.flopCount(batch: batch, seqLen: seq)
        #expect(count.forward == forward)
        #expect(count.backward == backward)
    }
}

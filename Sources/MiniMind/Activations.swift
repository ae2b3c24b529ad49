/// Every buffer one training step needs, allocated once per batch shape
/// (llm.c's `ActivationTensors` and gradient scratch): forward values kept for
/// backward, per layer, and buffers shared across layers.
///
/// What is cheap to recompute is not kept per layer: the normed inputs
/// (from the kept input and its rstd), the SwiGLU product (from gate and up),
/// the attention probabilities (from q and k) and, with q/k-norm, the normed
/// and rotated queries and keys (from the kept raw ones). Backward recomputes
/// them into shared buffers with the same kernels as forward, so the step's
/// results do not change. On `minimind2-small` at batch 8 × 256 this cuts the
/// activations by about a third for a few per cent more arithmetic; the
/// queries and keys save another 7% on `minimind3` (docs/benchmarks.md).
///
/// The attention sublayer's scratch and gradients and the feed-forward's are
/// never in use at the same time (a sublayer's forward or backward runs to the
/// end before the next begins), so they are views into one shared allocation,
/// the larger of the two.
final class Activations: @unchecked Sendable {
    // Sendable: owned by one model, used by the thread running it.
    let batch: Int
    let seqLen: Int
    var rows: Int { batch * seqLen }

    final class Layer {
        let input: FloatBuffer            // residual stream entering the block [rows, dim]
        let inputRstd: FloatBuffer        // [rows]
        let queryRaw: FloatBuffer         // q_proj output [rows, dim]; without q/k-norm, rotated in place
        let keyRaw: FloatBuffer           // k_proj output [rows, kvDim]; likewise
        let value: FloatBuffer            // [rows, kvDim]
        let attentionOutput: FloatBuffer  // [rows, dim], before o_proj
        let middle: FloatBuffer           // residual after attention [rows, dim]
        let middleRstd: FloatBuffer       // [rows]
        let ffnGate: FloatBuffer          // [rows, ffn]
        let ffnUp: FloatBuffer            // [rows, ffn]
        /// The residual stream entering each sublayer (before attention, before
        /// the feed-forward), in the block's order; kept, so that the step loop does not allocate.
        let sublayerInputs: [FloatBuffer]

        /// `headRows`: rows of the largest chunk the head is applied in.
    init(config c: ModelConfig, batch: Int, seqLen: Int, headRows: Int? = nil) {
            let rows = batch * seqLen
            input = FloatBuffer(count: rows * c.dim)
            inputRstd = FloatBuffer(count: rows)
            queryRaw = FloatBuffer(count: rows * c.dim)
            keyRaw = FloatBuffer(count: rows * c.kvDim)
            value = FloatBuffer(count: rows * c.kvDim)
            attentionOutput = FloatBuffer(count: rows * c.dim)
            middle = FloatBuffer(count: rows * c.dim)
            middleRstd = FloatBuffer(count: rows)
            ffnGate = FloatBuffer(count: rows * c.ffn)
            ffnUp = FloatBuffer(count: rows * c.ffn)
            sublayerInputs = [input, middle]
        }
    }

    let layers: [Layer]
    let output: FloatBuffer         // residual after the last block [rows, dim]
    let outputNormed: FloatBuffer   // final RMSNorm [rows, dim]
    let outputRstd: FloatBuffer
    let logits: FloatBuffer         // [largest head chunk, vocab] (TiedHead): one chunk's, then its gradient

    // Shared by every layer, forward and backward alike.
    let normed: FloatBuffer               // RMSNorm of the block's input or middle [rows, dim]
    let residualGradient: FloatBuffer     // [rows, dim]
    let normedGradient: FloatBuffer       // [rows, dim]
    let attentionScratch: FloatBuffer     // [batch, 2, seq, seq]: probabilities and dS per sequence

    /// What the attention sublayer and the feed-forward use in turn.
    let sublayerScratch: FloatBuffer

    // The attention sublayer's, in `sublayerScratch`.
    let query: FloatBuffer?               // with q/k-norm: the layer's queries after norm and rotary [rows, dim]
    let key: FloatBuffer?                 // [rows, kvDim]
    let queryRstd: FloatBuffer?           // [rows·heads]
    let keyRstd: FloatBuffer?             // [rows·kvHeads]
    let attentionOutputGradient: FloatBuffer  // [rows, dim]
    let queryGradient: FloatBuffer        // [rows, dim]
    let keyGradient: FloatBuffer          // [rows, kvDim]
    let valueGradient: FloatBuffer
    let queryRawGradient: FloatBuffer?    // q-norm input gradients
    let keyRawGradient: FloatBuffer?

    // The feed-forward's, in `sublayerScratch`. Its gate and up gradients
    // overwrite the layer's own gate and up in backward, which nothing reads after.
    let ffnActivation: FloatBuffer        // silu(gate) ⊙ up [rows, ffn], recomputed in backward
    let ffnActivationGradient: FloatBuffer

    /// Floats per row of the attention sublayer's part of `sublayerScratch`, and of the feed-forward's.
    static func sublayerScratchWidths(_ c: ModelConfig) -> (attention: Int, feedForward: Int) {
        let qk = c.qkNorm ? 1 : 0
        return (attention: c.dim + c.dim + 2 * c.kvDim + qk * (2 * (c.dim + c.kvDim) + c.heads + c.kvHeads),
                feedForward: 2 * c.ffn)
    }

    /// `headRows`: rows of the largest chunk the head is applied in.
    init(config c: ModelConfig, batch: Int, seqLen: Int, headRows: Int? = nil) {
        self.batch = batch
        self.seqLen = seqLen
        let rows = batch * seqLen
        layers = (0..<c.layers).map { _ in Layer(config: c, batch: batch, seqLen: seqLen) }
        output = FloatBuffer(count: rows * c.dim)
        outputNormed = FloatBuffer(count: rows * c.dim)
        outputRstd = FloatBuffer(count: rows)
        logits = FloatBuffer(count: (headRows ?? TiedHead.chunkRows(rows: rows, vocab: c.vocabSize)) * c.vocabSize)
        normed = FloatBuffer(count: rows * c.dim)
        residualGradient = FloatBuffer(count: rows * c.dim)
        normedGradient = FloatBuffer(count: rows * c.dim)
        attentionScratch = FloatBuffer(count: 2 * batch * seqLen * seqLen)

        let widths = Self.sublayerScratchWidths(c)
        let scratch = FloatBuffer(count: rows * max(widths.attention, widths.feedForward))
        sublayerScratch = scratch
        var offset = 0
        func carve(_ width: Int) -> FloatBuffer {
            defer { offset += rows * width }
            return FloatBuffer(viewInto: scratch, offset: offset, count: rows * width)
        }
        attentionOutputGradient = carve(c.dim)
        queryGradient = carve(c.dim)
        keyGradient = carve(c.kvDim)
        valueGradient = carve(c.kvDim)
        queryRawGradient = c.qkNorm ? carve(c.dim) : nil
        keyRawGradient = c.qkNorm ? carve(c.kvDim) : nil
        query = c.qkNorm ? carve(c.dim) : nil
        key = c.qkNorm ? carve(c.kvDim) : nil
        queryRstd = c.qkNorm ? carve(c.heads) : nil
        keyRstd = c.qkNorm ? carve(c.kvHeads) : nil
        assert(offset == rows * widths.attention)
        offset = 0
        ffnActivation = carve(c.ffn)
        ffnActivationGradient = carve(c.ffn)
        assert(offset == rows * widths.feedForward)
    }

    /// The residual stream entering block `l` (or leaving the last one).
    func residual(_ l: Int) -> FloatBuffer { l < layers.count ? layers[l].input : output }

    /// The residual stream entering sublayer `s` of block `l`; at `s` = the
    /// block's sublayer count, the stream leaving the block.
    func stream(block l: Int, sublayer s: Int) -> FloatBuffer {
        let kept = layers[l].sublayerInputs
        return s < kept.count ? kept[s] : residual(l + 1)
    }
}

/// Every buffer one training step needs, allocated once per batch shape
/// (llm.c's `ActivationTensors` and gradient scratch): forward values kept for
/// backward, per layer, and buffers shared across layers.
///
/// What is cheap to recompute is not kept per layer: the normed inputs
/// (from the kept input and its rstd), the SwiGLU product (from gate and up)
/// and the attention probabilities (from q and k). Backward recomputes them
/// into shared buffers. On `minimind2-small` at batch 8 × 256 this cuts the
/// activations by about a third for a few per cent more arithmetic.
final class Activations: @unchecked Sendable {
    // Sendable: owned by one model, used by the thread running it.
    let batch: Int
    let seqLen: Int
    var rows: Int { batch * seqLen }

    final class Layer {
        let input: FloatBuffer            // residual stream entering the block [rows, dim]
        let inputRstd: FloatBuffer        // [rows]
        let queryRaw: FloatBuffer         // q_proj output [rows, dim]
        let keyRaw: FloatBuffer           // k_proj output [rows, kvDim]
        let query: FloatBuffer?           // after q-norm (nil: rotary applied to queryRaw in place)
        let key: FloatBuffer?
        let queryRstd: FloatBuffer?       // [rows·heads]
        let keyRstd: FloatBuffer?         // [rows·kvHeads]
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
            query = c.qkNorm ? FloatBuffer(count: rows * c.dim) : nil
            key = c.qkNorm ? FloatBuffer(count: rows * c.kvDim) : nil
            queryRstd = c.qkNorm ? FloatBuffer(count: rows * c.heads) : nil
            keyRstd = c.qkNorm ? FloatBuffer(count: rows * c.kvHeads) : nil
            value = FloatBuffer(count: rows * c.kvDim)
            attentionOutput = FloatBuffer(count: rows * c.dim)
            middle = FloatBuffer(count: rows * c.dim)
            middleRstd = FloatBuffer(count: rows)
            ffnGate = FloatBuffer(count: rows * c.ffn)
            ffnUp = FloatBuffer(count: rows * c.ffn)
            sublayerInputs = [input, middle]
        }


        /// Queries and keys as attention reads them (after norm and rotary).
        var attentionQuery: FloatBuffer { query ?? queryRaw }
        var attentionKey: FloatBuffer { key ?? keyRaw }
    }

    let layers: [Layer]
    let output: FloatBuffer         // residual after the last block [rows, dim]
    let outputNormed: FloatBuffer   // final RMSNorm [rows, dim]
    let outputRstd: FloatBuffer
    let logits: FloatBuffer         // [largest head chunk, vocab] (TiedHead): one chunk's, then its gradient

    // Recomputed per layer, forward and backward alike.
    let normed: FloatBuffer          // RMSNorm of the block's input or middle [rows, dim]
    let ffnActivation: FloatBuffer   // silu(gate) ⊙ up [rows, ffn]

    // Activation gradients, reused by every layer on the way down.
    let residualGradient: FloatBuffer     // [rows, dim]
    let normedGradient: FloatBuffer       // [rows, dim]
    let attentionOutputGradient: FloatBuffer
    let queryGradient: FloatBuffer        // [rows, dim]
    let keyGradient: FloatBuffer          // [rows, kvDim]
    let valueGradient: FloatBuffer
    let queryRawGradient: FloatBuffer?    // q-norm input gradients
    let keyRawGradient: FloatBuffer?
    let ffnGateGradient: FloatBuffer      // [rows, ffn]
    let ffnUpGradient: FloatBuffer
    let ffnActivationGradient: FloatBuffer
    let attentionScratch: FloatBuffer     // [batch, 2, seq, seq]: probabilities and dS per sequence

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
        residualGradient = FloatBuffer(count: rows * c.dim)
        normedGradient = FloatBuffer(count: rows * c.dim)
        attentionOutputGradient = FloatBuffer(count: rows * c.dim)
        queryGradient = FloatBuffer(count: rows * c.dim)
        keyGradient = FloatBuffer(count: rows * c.kvDim)
        valueGradient = FloatBuffer(count: rows * c.kvDim)
        queryRawGradient = c.qkNorm ? FloatBuffer(count: rows * c.dim) : nil
        keyRawGradient = c.qkNorm ? FloatBuffer(count: rows * c.kvDim) : nil
        ffnGateGradient = FloatBuffer(count: rows * c.ffn)
        ffnUpGradient = FloatBuffer(count: rows * c.ffn)
        ffnActivationGradient = FloatBuffer(count: rows * c.ffn)
        attentionScratch = FloatBuffer(count: 2 * batch * seqLen * seqLen)
        normed = FloatBuffer(count: rows * c.dim)
        ffnActivation = FloatBuffer(count: rows * c.ffn)
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

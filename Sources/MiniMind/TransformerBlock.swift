/// One decoder block: RMSNorm → grouped-query attention → residual,
/// RMSNorm → SwiGLU feed-forward → residual. Holds parameters only; the
/// arithmetic is in `Model` and the operations it calls.
public final class TransformerBlock: @unchecked Sendable {
    // Sendable: a model is used by one thread at a time (the engine's).
    public let index: Int
    public let inputNorm: Parameter
    public let q: Linear, k: Linear, v: Linear, o: Linear
    /// Per-head RMSNorm weights on q and k (Qwen3, minimind-3); nil when off.
    public let qNorm: Parameter?, kNorm: Parameter?
    public let postAttentionNorm: Parameter
    public let gate: Linear, up: Linear, down: Linear

    init(index i: Int, config c: ModelConfig) {
        index = i
        let prefix = "model.layers.\(i)"
        inputNorm = Parameter(name: "\(prefix).input_layernorm.weight", rows: 1, cols: c.dim)
        q = Linear(name: "\(prefix).self_attn.q_proj", inFeatures: c.dim, outFeatures: c.dim)
        k = Linear(name: "\(prefix).self_attn.k_proj", inFeatures: c.dim, outFeatures: c.kvDim)
        v = Linear(name: "\(prefix).self_attn.v_proj", inFeatures: c.dim, outFeatures: c.kvDim)
        o = Linear(name: "\(prefix).self_attn.o_proj", inFeatures: c.dim, outFeatures: c.dim)
        qNorm = c.qkNorm ? Parameter(name: "\(prefix).self_attn.q_norm.weight", rows: 1, cols: c.headDim) : nil
        kNorm = c.qkNorm ? Parameter(name: "\(prefix).self_attn.k_norm.weight", rows: 1, cols: c.headDim) : nil
        postAttentionNorm = Parameter(name: "\(prefix).post_attention_layernorm.weight", rows: 1, cols: c.dim)
        gate = Linear(name: "\(prefix).mlp.gate_proj", inFeatures: c.dim, outFeatures: c.ffn)
        up = Linear(name: "\(prefix).mlp.up_proj", inFeatures: c.dim, outFeatures: c.ffn)
        down = Linear(name: "\(prefix).mlp.down_proj", inFeatures: c.ffn, outFeatures: c.dim)
    }

    private init(copying other: TransformerBlock) {
        index = other.index
        inputNorm = other.inputNorm.copy()
        q = other.q.copy(); k = other.k.copy(); v = other.v.copy(); o = other.o.copy()
        qNorm = other.qNorm?.copy(); kNorm = other.kNorm?.copy()
        postAttentionNorm = other.postAttentionNorm.copy()
        gate = other.gate.copy(); up = other.up.copy(); down = other.down.copy()
    }

    func copy() -> TransformerBlock { TransformerBlock(copying: self) }

    /// The seven linear layers in Hugging Face order.
    public var linears: [Linear] { [q, k, v, o, gate, up, down] }

    public var norms: [Parameter] { [inputNorm] + [qNorm, kNorm].compactMap { $0 } + [postAttentionNorm] }
}

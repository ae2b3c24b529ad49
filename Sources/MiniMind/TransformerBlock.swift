/// One decoder block: its residual sublayers in order — RMSNorm → grouped-query
/// attention, then RMSNorm → SwiGLU feed-forward. This list is the one
/// description of the architecture: the training pass, cached generation and
/// the FLOP count all walk it (docs/design.md, "The block").
public final class TransformerBlock: @unchecked Sendable {
    // Sendable: a model is used by one thread at a time (the engine's).
    public let index: Int
    let attention: AttentionSublayer
    let feedForward: FeedForwardSublayer
    /// The sublayers in forward order; backward walks them in reverse.
    let sublayers: [any BlockSublayer]

    init(index i: Int, config c: ModelConfig) {
        index = i
        let prefix = "model.layers.\(i)"
        attention = AttentionSublayer(prefix: prefix, config: c)
        feedForward = FeedForwardSublayer(prefix: prefix, config: c)
        sublayers = [attention, feedForward]
    }

    private init(copying other: TransformerBlock) {
        index = other.index
        attention = other.attention.copy()
        feedForward = other.feedForward.copy()
        sublayers = [attention, feedForward]
    }

    func copy() -> TransformerBlock { TransformerBlock(copying: self) }

    public var inputNorm: Parameter { attention.inputNorm }
    public var q: Linear { attention.q }
    public var k: Linear { attention.k }
    public var v: Linear { attention.v }
    public var o: Linear { attention.o }
    /// Per-head RMSNorm weights on q and k (Qwen3, minimind-3); nil when off.
    public var qNorm: Parameter? { attention.qNorm }
    public var kNorm: Parameter? { attention.kNorm }
    public var postAttentionNorm: Parameter { feedForward.postAttentionNorm }
    public var gate: Linear { feedForward.gate }
    public var up: Linear { feedForward.up }
    public var down: Linear { feedForward.down }

    /// Base tensors in initialisation order.
    public var parameters: [Parameter] { sublayers.flatMap(\.parameters) }
    /// The seven linear layers in Hugging Face order.
    public var linears: [Linear] { sublayers.flatMap(\.linears) }
    public var norms: [Parameter] { sublayers.flatMap(\.norms) }
}

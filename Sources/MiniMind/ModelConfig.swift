/// The shape of a MiniMind-architecture model (Llama's block with tied
/// embeddings; minimind-3 adds Qwen3-style RMSNorm on q and k per head).
public struct ModelConfig: Sendable, Equatable, CustomStringConvertible {
    public var dim: Int
    public var layers: Int
    public var heads: Int
    public var kvHeads: Int
    public var ffn: Int
    public var vocabSize: Int
    /// The longest context the model is built for (rotary tables are this long).
    public var maxSeq: Int
    public var ropeTheta: Float
    public var qkNorm: Bool
    public var normEps: Float

    public init(dim: Int, layers: Int, heads: Int, kvHeads: Int, ffn: Int, vocabSize: Int,
                maxSeq: Int = 256, ropeTheta: Float = 1_000_000, qkNorm: Bool = false, normEps: Float = 1e-6) {
        self.dim = dim
        self.layers = layers
        self.heads = heads
        self.kvHeads = kvHeads
        self.ffn = ffn
        self.vocabSize = vocabSize
        self.maxSeq = maxSeq
        self.ropeTheta = ropeTheta
        self.qkNorm = qkNorm
        self.normEps = normEps
    }

    public var headDim: Int { dim / heads }
    /// Width of the key and value projections: `kvHeads × headDim`.
    public var kvDim: Int { kvHeads * headDim }
    /// Query heads that share one key/value head.
    public var groupSize: Int { heads / kvHeads }

    public static let presetNames = ["tiny", "minimind2-small", "minimind3"]

    /// The presets (docs/design.md, "The model"). `tiny` reads bytes (256 + 3 specials).
    public static func preset(_ name: String) -> ModelConfig? {
        switch name {
        case "tiny":
            return ModelConfig(dim: 128, layers: 4, heads: 4, kvHeads: 2, ffn: 384, vocabSize: 259, maxSeq: 256)
        case "minimind2-small":
            return ModelConfig(dim: 512, layers: 8, heads: 8, kvHeads: 2, ffn: 1408, vocabSize: 6400, maxSeq: 512)
        case "minimind3":
            return ModelConfig(dim: 768, layers: 8, heads: 8, kvHeads: 4, ffn: 2432, vocabSize: 6400, maxSeq: 512, qkNorm: true)
        default:
            return nil
        }
    }

    /// Why this configuration cannot build a model, or nil when it can.
    public var validationError: String? {
        if dim <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || ffn <= 0 || vocabSize <= 0 || maxSeq <= 0 {
            return "every size must be positive"
        }
        if dim % heads != 0 { return "dim (\(dim)) must be divisible by heads (\(heads))" }
        if heads % kvHeads != 0 { return "heads (\(heads)) must be divisible by kv_heads (\(kvHeads))" }
        if headDim % 2 != 0 { return "the head size dim/heads (\(headDim)) must be even for rotary embeddings" }
        if !(ropeTheta > 1) { return "rope_theta must be greater than 1" }
        return nil
    }

    /// Parameters of one block: attention, feed-forward and the norms.
    public var parametersPerLayer: Int {
        let attention = dim * dim * 2 + kvDim * dim * 2
        let feedForward = 3 * dim * ffn
        let norms = 2 * dim + (qkNorm ? 2 * headDim : 0)
        return attention + feedForward + norms
    }

    /// Every parameter; the LM head is tied to the embedding and counted once.
    public var parameterCount: Int { vocabSize * dim + layers * parametersPerLayer + dim }

    public var description: String {
        "dim=\(dim) layers=\(layers) heads=\(heads) kv_heads=\(kvHeads) ffn=\(ffn) vocab=\(vocabSize) seq=\(maxSeq)"
            + (qkNorm ? " qk_norm=true" : "") + (ropeTheta == 1_000_000 ? "" : " rope_theta=\(ropeTheta)")
    }
}

import LinearAlgebra

/// One residual sublayer of a decoder block, `output = input + f(norm(input))`,
/// described once: its tensors, its forward over a batch, its backward, its
/// step of cached generation, and the FLOPs of its matrix products. The
/// model's training pass, `generate` and `flopCount` all walk a block's
/// `sublayers` in order (backward in reverse), so a change to the
/// architecture is made here and nowhere else (docs/design.md, "The block").
///
/// What a sublayer keeps for backward lives in `Activations.Layer` (allocated
/// once per batch shape, so the step loop does not allocate); the buffers
/// shared by every layer in `Activations`.
protocol BlockSublayer: AnyObject, Sendable {
    /// Base tensors in initialisation order (the seeded weights depend on it).
    var parameters: [Parameter] { get }
    var linears: [Linear] { get }
    var norms: [Parameter] { get }

    /// Overwrites `output` with `input + f(input)` for every row of the pass,
    /// keeping in `pass.layer` what `backward` reads.
    func forward(_ pass: BlockPass, input: FloatBuffer, output: FloatBuffer)

    /// `pass.activations.residualGradient` holds dL/d(output) on entry and
    /// dL/d(input) on return; the gradients of trainable tensors accumulate.
    /// When `inputGradientNeeded` is false nothing below trains, and the path
    /// through f may stop short of the input (its own tensors still get theirs).
    /// Needs the `forward` of the same batch just before.
    func backward(_ pass: BlockPass, input: FloatBuffer, inputGradientNeeded: Bool)

    /// The same function for one new token at `step.position`, in place on the
    /// residual `x` (`[dim]`), reading and extending the key/value cache.
    func decode(_ step: DecodeStep, x: inout [Float])

    /// Multiply-adds × 2 of its products for `batch × seqLen` rows; backward
    /// counts activation gradients only when `inBackward` (the block is at or
    /// above the lowest that trains) and as far as `inputGradientNeeded` asks.
    func flops(batch: Int, seqLen: Int, inBackward: Bool, inputGradientNeeded: Bool) -> FlopCount

    func copy() -> Self
}

/// What a sublayer needs to run one batch through its part of one block.
struct BlockPass {
    let config: ModelConfig
    let activations: Activations
    let layer: Activations.Layer
    let rotary: RotaryEmbedding
    let attention: CausalAttention
    let training: Bool

    var batch: Int { activations.batch }
    var seqLen: Int { activations.seqLen }
    var rows: Int { activations.rows }
}

/// What a sublayer needs to run one token of cached generation in one block.
struct DecodeStep {
    let config: ModelConfig
    let cache: KeyValueCache
    let layer: Int
    /// The token's position: keys and values before it are in the cache.
    let position: Int
    let rotary: RotaryEmbedding
    var scratch: DecodeScratch { cache.scratch }
}

/// Per-token buffers of cached generation, made once per `generate` and
/// overwritten by every sublayer that uses them.
final class DecodeScratch {
    var normed: [Float], rstd: [Float] = [0]
    var query: [Float], headRstd: [Float], attended: [Float], output: [Float]
    var gate: [Float], up: [Float], activation: [Float]

    init(config c: ModelConfig) {
        normed = [Float](repeating: 0, count: c.dim)
        query = normed
        attended = normed
        output = normed
        headRstd = [Float](repeating: 0, count: c.heads)
        gate = [Float](repeating: 0, count: c.ffn)
        up = gate
        activation = gate
    }
}

extension Linear {
    /// FLOPs of this layer's products for `rows` rows: the base product, its
    /// activation gradient when asked for, W's gradient when W trains, and the update's own.
    func flops(rows: Int, activationGradient: Bool) -> FlopCount {
        let product = 2 * Double(rows) * Double(inFeatures * outFeatures)
        var count = FlopCount(forward: product, backward: 0)
        if activationGradient { count.backward += product }
        if weight.requiresGrad { count.backward += product }
        if let update, update.isActive {
            let own = update.flops(rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
            count.forward += own.forward
            count.backward += own.backward
        }
        return count
    }
}

extension FlopCount {
    static func += (total: inout FlopCount, part: FlopCount) {
        total.forward += part.forward
        total.backward += part.backward
    }
}

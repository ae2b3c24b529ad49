/// Floating-point operations of the matrix products in one step, counted
/// from the shapes (2 per multiply-add), to turn a measured time into GFLOP/s.
/// Element-wise work (norms, softmax, SwiGLU, AdamW) is not counted: it is
/// small next to the products and is what a fraction of peak leaves over.
public struct FlopCount: Sendable, Equatable {
    public var forward: Double
    /// With the model's current trainable set: weight gradients only where
    /// something trains, activation gradients down to the lowest trainable block.
    public var backward: Double
    public var trainingStep: Double { forward + backward }
}

extension Model {
    public func flopCount(batch: Int, seqLen: Int) -> FlopCount {
        let c = config, rows = Double(batch * seqLen)
        // The tied head; its weight gradient only when the embedding trains.
        var count = FlopCount(forward: 2 * rows * Double(c.dim * c.vocabSize),
                              backward: 2 * rows * Double(c.dim * c.vocabSize) * (embedding.requiresGrad ? 2 : 1))
        let lowest = lowestBlockNeedingGradient
        for block in blocks {
            for (s, sublayer) in block.sublayers.enumerated() {
                count += sublayer.flops(batch: batch, seqLen: seqLen, inBackward: block.index >= lowest,
                                        inputGradientNeeded: inputGradientNeeded(block: block, sublayer: s))
            }
        }
        return count
    }
}

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
        let attentionPerLayer = 4 * Double(batch * c.heads * seqLen * seqLen * c.headDim)
        var forward = 2 * rows * Double(c.dim * c.vocabSize) + Double(c.layers) * attentionPerLayer
        var backward = 2 * rows * Double(c.dim * c.vocabSize) * (embedding.requiresGrad ? 2 : 1)
        let lowest = lowestBlockNeedingGradient
        for block in blocks {
            for linear in block.linears {
                let product = 2 * rows * Double(linear.inFeatures * linear.outFeatures)
                forward += product
                // Activation gradient, as far down as backward takes it.
                let feedsUnneededInput = !needsNormedInputGradient(block)
                    && [block.q, block.k, block.v].contains { $0 === linear }
                if block.index >= lowest && !feedsUnneededInput { backward += product }
                if linear.weight.requiresGrad { backward += product }     // weight gradient
                if let update = linear.update, update.isActive {
                    let own = update.flops(rows: batch * seqLen, inFeatures: linear.inFeatures, outFeatures: linear.outFeatures)
                    forward += own.forward
                    backward += own.backward
                }
            }
            if block.index >= lowest { backward += 2 * attentionPerLayer }
        }
        return FlopCount(forward: forward, backward: backward)
    }
}

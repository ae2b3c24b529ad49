import Foundation

/// AdamW (Loshchilov & Hutter): Adam with bias correction and decoupled
/// weight decay, applied to whatever tensors it is given.
///
/// Weight decay skips vectors (norm weights), as is usual for transformers.
/// The moment buffers (and one more, for the proposed weights) are allocated
/// once per tensor, keyed by tensor identity.
public final class AdamW: @unchecked Sendable {
    // Sendable: stepped by one thread at a time (the engine's).
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    public var weightDecay: Float
    /// Optimizer steps taken (bias correction counts from here).
    public private(set) var stepCount = 0
    /// Per tensor: the two moments, and where the proposal pass of `step`
    /// puts the new weights until it knows that every one is in range.
    private var state: [ObjectIdentifier: (first: FloatBuffer, second: FloatBuffer, proposal: FloatBuffer)] = [:]

    public init(weightDecay: Float = 0.01) {
        self.weightDecay = weightDecay
    }

    /// The buffers of a tensor, made (zero moments, as a fresh optimizer has them) on first use.
    private func state(of parameter: Parameter) -> (first: FloatBuffer, second: FloatBuffer, proposal: FloatBuffer) {
        let key = ObjectIdentifier(parameter)
        if let existing = state[key] { return existing }
        let fresh = (FloatBuffer(count: parameter.count), FloatBuffer(count: parameter.count),
                     FloatBuffer(count: parameter.count))
        state[key] = fresh
        return fresh
    }

    /// One update of every parameter with a gradient, at `learningRate`, each
    /// gradient multiplied by `gradientScale` first (clipping) — unless the
    /// update would give some weight a value that is not finite or not below
    /// `limit` in size. Then nothing is written (weights, moments, step count
    /// stay as they were) and the first such tensor is returned; nil when the
    /// step was applied. The gradients are read, not changed.
    ///
    /// The Adam arithmetic (square root and division per value) runs once per
    /// value: the proposal pass computes the new weight of every tensor into
    /// its proposal buffer and counts the values out of range; only when none
    /// is does the commit pass move the proposals into the weights and redo the
    /// moments' two multiply-adds (the gradient is still needed for them, so the
    /// proposal cannot go in place of the moments). Same arithmetic, same order
    /// per value as a check followed by an update, so the same bits.
    @discardableResult
    public func step(_ parameters: [Parameter], learningRate: Float, gradientScale: Float = 1,
                     limit: Float = .infinity) -> Parameter? {
        let next = stepCount + 1
        let correction1 = 1 - pow(beta1, Float(next))
        let correction2 = 1 - pow(beta2, Float(next))
        var staged: [(parameter: Parameter, first: FloatBuffer, second: FloatBuffer, proposal: FloatBuffer)] = []
        staged.reserveCapacity(parameters.count)
        for parameter in parameters {
            guard let gradient = parameter.gradient else { continue }
            let (first, second, proposal) = state(of: parameter)
            let decay = parameter.rows > 1 ? weightDecay : 0
            let w = parameter.value.pointer, g = gradient.pointer, m0 = first.pointer, v0 = second.pointer
            let proposed = proposal.pointer
            // Counted without an early exit so that the loop vectorizes; a NaN
            // fails `< limit` and counts too.
            var outside = 0
            for i in 0..<parameter.count {
                let gi = g[i] * gradientScale
                let m = beta1 * m0[i] + (1 - beta1) * gi
                let v = beta2 * v0[i] + (1 - beta2) * gi * gi
                let update = (m / correction1) / ((v / correction2).squareRoot() + epsilon)
                let value = w[i] - learningRate * (update + decay * w[i])
                proposed[i] = value
                outside &+= abs(value) < limit ? 0 : 1
            }
            if outside > 0 { return parameter }
            staged.append((parameter, first, second, proposal))
        }
        stepCount = next
        for (parameter, first, second, proposal) in staged {
            // Unjournaled on purpose: a training step keeps its writes (docs/design.md, "Transactions").
            let w = parameter.trainingStorage.pointer, g = parameter.gradient!.pointer
            let m = first.pointer, v = second.pointer, proposed = proposal.pointer
            for i in 0..<parameter.count {
                let gi = g[i] * gradientScale
                m[i] = beta1 * m[i] + (1 - beta1) * gi
                v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
                w[i] = proposed[i]
            }
        }
        return nil
    }

    /// The first and second moments of one tensor, nil before its first step
    /// (a saved run writes them so that training resumes where it stopped).
    public func moments(of parameter: Parameter) -> (first: [Float], second: [Float])? {
        state[ObjectIdentifier(parameter)].map { ($0.first.array, $0.second.array) }
    }

    /// Puts saved state back: the step count (bias correction goes on from it)
    /// and each tensor's moments, which must match the tensor's size.
    public func restore(stepCount: Int, moments saved: [(parameter: Parameter, first: [Float], second: [Float])]) {
        precondition(stepCount >= 0)
        self.stepCount = stepCount
        state = [:]
        for entry in saved {
            precondition(entry.first.count == entry.parameter.count && entry.second.count == entry.parameter.count,
                         "\(entry.parameter.name): moments of the wrong size")
            let m = FloatBuffer(count: entry.parameter.count), v = FloatBuffer(count: entry.parameter.count)
            for i in 0..<entry.parameter.count { m[i] = entry.first[i]; v[i] = entry.second[i] }
            state[ObjectIdentifier(entry.parameter)] = (m, v, FloatBuffer(count: entry.parameter.count))
        }
    }
}

import Foundation

/// AdamW (Loshchilov & Hutter): Adam with bias correction and decoupled
/// weight decay, applied to whatever tensors it is given.
///
/// Weight decay skips vectors (norm weights), as is usual for transformers.
/// The moment buffers are allocated once per tensor, keyed by tensor identity.
public final class AdamW: @unchecked Sendable {
    // Sendable: stepped by one thread at a time (the engine's).
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    public var weightDecay: Float
    /// Optimizer steps taken (bias correction counts from here).
    public private(set) var stepCount = 0
    private var moments: [ObjectIdentifier: (first: FloatBuffer, second: FloatBuffer)] = [:]

    public init(weightDecay: Float = 0.01) {
        self.weightDecay = weightDecay
    }

    /// The moment buffers of a tensor, made (zero, as a fresh optimizer has them) on first use.
    private func momentBuffers(of parameter: Parameter) -> (first: FloatBuffer, second: FloatBuffer) {
        let key = ObjectIdentifier(parameter)
        if let existing = moments[key] { return existing }
        let fresh = (FloatBuffer(count: parameter.count), FloatBuffer(count: parameter.count))
        moments[key] = fresh
        return fresh
    }

    /// One update of every parameter with a gradient, at `learningRate`.
    public func step(_ parameters: [Parameter], learningRate: Float) {
        stepCount += 1
        let correction1 = 1 - pow(beta1, Float(stepCount))
        let correction2 = 1 - pow(beta2, Float(stepCount))
        for parameter in parameters {
            guard let gradient = parameter.gradient else { continue }
            let (m, v) = momentBuffers(of: parameter)
            let decay = parameter.rows > 1 ? weightDecay : 0
            // Unjournaled on purpose: a training step keeps its writes (docs/design.md, "Transactions").
            let w = parameter.trainingStorage.pointer, g = gradient.pointer
            for i in 0..<parameter.count {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                let update = (m[i] / correction1) / ((v[i] / correction2).squareRoot() + epsilon)
                w[i] -= learningRate * (update + decay * w[i])
            }
        }
    }

    /// The first tensor that the next `step` would give a weight that is not
    /// finite or not below `limit` in size; nil when the step is safe. Writes
    /// nothing: the moments and weights are computed as `step` would and dropped.
    public func firstTensorOutOfRange(_ parameters: [Parameter], learningRate: Float, limit: Float) -> Parameter? {
        let next = stepCount + 1
        let correction1 = 1 - pow(beta1, Float(next))
        let correction2 = 1 - pow(beta2, Float(next))
        for parameter in parameters {
            guard let gradient = parameter.gradient else { continue }
            let (first, second) = momentBuffers(of: parameter)
            let decay = parameter.rows > 1 ? weightDecay : 0
            let w = parameter.value.pointer, g = gradient.pointer, m0 = first.pointer, v0 = second.pointer
            // Counted without an early exit so that the loop vectorizes; a NaN
            // fails `< limit` and counts too.
            var outside = 0
            for i in 0..<parameter.count {
                let m = beta1 * m0[i] + (1 - beta1) * g[i]
                let v = beta2 * v0[i] + (1 - beta2) * g[i] * g[i]
                let update = (m / correction1) / ((v / correction2).squareRoot() + epsilon)
                let proposed = w[i] - learningRate * (update + decay * w[i])
                outside &+= abs(proposed) < limit ? 0 : 1
            }
            if outside > 0 { return parameter }
        }
        return nil
    }

    /// The first and second moments of one tensor, nil before its first step
    /// (a saved run writes them so that training resumes where it stopped).
    public func moments(of parameter: Parameter) -> (first: [Float], second: [Float])? {
        moments[ObjectIdentifier(parameter)].map { ($0.first.array, $0.second.array) }
    }

    /// Puts saved state back: the step count (bias correction goes on from it)
    /// and each tensor's moments, which must match the tensor's size.
    public func restore(stepCount: Int, moments saved: [(parameter: Parameter, first: [Float], second: [Float])]) {
        precondition(stepCount >= 0)
        self.stepCount = stepCount
        moments = [:]
        for entry in saved {
            precondition(entry.first.count == entry.parameter.count && entry.second.count == entry.parameter.count,
                         "\(entry.parameter.name): moments of the wrong size")
            let m = FloatBuffer(count: entry.parameter.count), v = FloatBuffer(count: entry.parameter.count)
            for i in 0..<entry.parameter.count { m[i] = entry.first[i]; v[i] = entry.second[i] }
            moments[ObjectIdentifier(entry.parameter)] = (m, v)
        }
    }
}

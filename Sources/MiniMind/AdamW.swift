import Foundation
import LinearAlgebra

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
    /// per value as a check followed by an update, so the same bits. (That
    /// check followed by an update in place needs no proposal buffer but was
    /// slower: 280–340 ms a step on `minimind3` against 200–245.) Both passes
    /// are element-wise and memory-bound (3 GB a step over `minimind3`'s 64 M
    /// weights), so a tensor of several blocks is split across the cores.
    @discardableResult
    public func step(_ parameters: [Parameter], learningRate: Float, gradientScale: Float = 1,
                     limit: Float = .infinity) -> Parameter? {
        let next = stepCount + 1
        let correction1 = 1 - pow(beta1, Float(next))
        let correction2 = 1 - pow(beta2, Float(next))
        let (beta1, beta2, epsilon) = (beta1, beta2, epsilon)
        var staged: [(parameter: Parameter, first: FloatBuffer, second: FloatBuffer, proposal: FloatBuffer)] = []
        staged.reserveCapacity(parameters.count)
        for parameter in parameters {
            guard let gradient = parameter.gradient else { continue }
            let (first, second, proposal) = state(of: parameter)
            let decay = parameter.rows > 1 ? weightDecay : 0
            let w = parameter.value.pointer, g = gradient.pointer, m0 = first.pointer, v0 = second.pointer
            let proposed = proposal.pointer
            let outside = Self.forEachBlock(of: parameter.count) { range in
                // Counted without an early exit so that the loop vectorizes; a NaN
                // fails `< limit` and counts too.
                var outside = 0
                for i in range {
                    let gi = g[i] * gradientScale
                    let m = beta1 * m0[i] + (1 - beta1) * gi
                    let v = beta2 * v0[i] + (1 - beta2) * gi * gi
                    let update = (m / correction1) / ((v / correction2).squareRoot() + epsilon)
                    let value = w[i] - learningRate * (update + decay * w[i])
                    proposed[i] = value
                    outside &+= abs(value) < limit ? 0 : 1
                }
                return outside
            }
            if outside > 0 { return parameter }
            staged.append((parameter, first, second, proposal))
        }
        stepCount = next
        for (parameter, first, second, proposal) in staged {
            // Unjournaled on purpose: a training step keeps its writes (docs/design.md, "Transactions").
            let w = parameter.trainingStorage.pointer, g = parameter.gradient!.pointer
            let m = first.pointer, v = second.pointer, proposed = proposal.pointer
            _ = Self.forEachBlock(of: parameter.count) { range in
                for i in range {
                    let gi = g[i] * gradientScale
                    m[i] = beta1 * m[i] + (1 - beta1) * gi
                    v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
                    w[i] = proposed[i]
                }
                return 0
            }
        }
        return nil
    }

    /// Values per block of a split pass: each block's result has its own slot.
    static let blockLength = 1 << 15

    /// `body` over `0..<count` in blocks, spread over the cores (inline for
    /// a tensor of one block); the sum of what the blocks return. The blocks
    /// touch disjoint values, so the split does not change a bit.
    private static func forEachBlock(of count: Int, _ body: (Range<Int>) -> Int) -> Int {
        let blocks = (count + blockLength - 1) / blockLength
        if blocks <= 1 { return body(0..<count) }
        var results = [Int](repeating: 0, count: blocks)
        results.withUnsafeMutableBufferPointer { results in
            Parallel.forEachChunk(of: blocks, cost: count) { chunk in
                for block in chunk {
                    results[block] = body(block * blockLength..<min(count, (block + 1) * blockLength))
                }
            }
        }
        return results.reduce(0, &+)
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

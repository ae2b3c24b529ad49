import Foundation

/// MiniMind's cosine rule, `lr · (0.1 + 0.45 · (1 + cos(π · t / T)))`, which
/// falls from `lr` at t = 0 to `0.1 · lr` at t = T, with an optional linear
/// warm-up over the first steps.
public struct LearningRateSchedule: Sendable, Equatable {
    public var baseRate: Float
    public var totalSteps: Int
    public var warmupSteps: Int
    /// When false the rate stays at `baseRate` (after warm-up).
    public var cosine: Bool

    public init(baseRate: Float, totalSteps: Int, warmupSteps: Int = 0, cosine: Bool = true) {
        self.baseRate = baseRate
        self.totalSteps = totalSteps
        self.warmupSteps = warmupSteps
        self.cosine = cosine
    }

    /// The rate for step `t`, counted from 0.
    public func rate(at t: Int) -> Float {
        if t < warmupSteps { return baseRate * Float(t + 1) / Float(warmupSteps) }
        guard cosine, totalSteps > 0 else { return baseRate }
        let progress = Double(min(t, totalSteps)) / Double(totalSteps)
        return baseRate * Float(0.1 + 0.45 * (1 + cos(Double.pi * progress)))
    }
}

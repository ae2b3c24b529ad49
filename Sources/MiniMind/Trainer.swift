import Foundation

/// Why the trainer refused a step: applying it would have poisoned the model.
public enum StepRefusal: Sendable, Equatable, CustomStringConvertible {
    case nonFiniteLoss
    case nonFiniteGradient
    /// The update would have made a weight of this tensor non-finite or larger than the limit.
    case weightOutOfRange(String)

    public var description: String {
        switch self {
        case .nonFiniteLoss: "the loss is not finite"
        case .nonFiniteGradient: "the gradient norm is not finite"
        case .weightOutOfRange(let name): "the update would throw \(name) out of range"
        }
    }
}

/// What one optimizer step did.
public struct StepRecord: Sendable, Equatable {
    public var step: Int
    public var loss: Float
    /// Global gradient norm before clipping.
    public var gradientNorm: Float
    public var learningRate: Float
    /// Set when the step was refused: weights and optimizer state are as they were before it.
    public var refusal: StepRefusal? = nil
    /// Set when `shouldStop` ended the step between blocks: nothing was updated.
    public var stopped = false

    public init(step: Int, loss: Float, gradientNorm: Float, learningRate: Float, refusal: StepRefusal? = nil, stopped: Bool = false) {
        self.step = step
        self.loss = loss
        self.gradientNorm = gradientNorm
        self.learningRate = learningRate
        self.refusal = refusal
        self.stopped = stopped
    }
}

public struct TrainingConfig: Sendable, Equatable {
    public var learningRate: Float
    public var weightDecay: Float
    /// Clip the global gradient norm to this (MiniMind's default 1.0); 0 turns clipping off.
    public var gradientClip: Float
    public var warmupSteps: Int
    /// Length of the cosine schedule; 0 keeps the rate constant.
    public var totalSteps: Int
    /// A step that would move any weight beyond this size is refused: healthy
    /// weights stay within a few units, and the next forward pass would overflow.
    public var weightLimit: Float

    public init(learningRate: Float = 1e-3, weightDecay: Float = 0.01, gradientClip: Float = 1,
                warmupSteps: Int = 0, totalSteps: Int = 0, weightLimit: Float = 1e4) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.gradientClip = gradientClip
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.weightLimit = weightLimit
    }
}

/// Steps a model's trainable tensors: zero gradients, forward + backward,
/// clip, AdamW at the scheduled rate. Deterministic for a given model and
/// batch sequence, on any number of cores (`Parallel.arithmeticParts`) but
/// not across OpenBLAS kernel families. The gradients keep their unclipped values
/// (AdamW scales them as it reads them).
///
/// It guards the model: a step whose loss or gradient norm is not finite, or
/// whose update would throw a weight out of range, is refused before anything
/// is written — weights and optimizer state stay as they were, so training can
/// go on (with a lower rate) with the same optimizer. No copy of the model is made.
public final class Trainer: @unchecked Sendable {
    // Sendable: used by one thread at a time (the engine's).
    public let model: Model
    public var config: TrainingConfig
    public let optimizer: AdamW
    public private(set) var history: [StepRecord] = []
    private let trainable: [Parameter]

    /// Puts back the records of steps taken by another trainer of the same
    /// run (a session rebuilding the optimizer of a run it read from a cache).
    public func restore(history records: [StepRecord]) { history = records }

    /// The set of trainable tensors is fixed when the trainer is made.
    public init(model: Model, config: TrainingConfig) {
        self.model = model
        self.config = config
        optimizer = AdamW(weightDecay: config.weightDecay)
        trainable = model.trainableParameters
    }

    public var stepCount: Int { optimizer.stepCount }
    public var trainableParameterCount: Int { trainable.reduce(0) { $0 + $1.count } }

    public var schedule: LearningRateSchedule {
        LearningRateSchedule(baseRate: config.learningRate, totalSteps: config.totalSteps,
                             warmupSteps: config.warmupSteps, cosine: config.totalSteps > 0)
    }

    /// One optimizer step. A batch without any target changes nothing and
    /// returns a record whose loss is NaN (the caller decides what to say);
    /// a step that would harm the model changes nothing and returns a record
    /// with its `refusal`.
    @discardableResult
    /// `shouldStop` is asked between blocks (forward and backward); when it
    /// answers true the step ends there and changes nothing (`stopped`), so an
    /// interrupt need not wait for a whole step of a large model.
    public func step(tokens: [Int32], targets: [Int32], batch: Int, seqLen: Int,
                     shouldStop: (() -> Bool)? = nil) -> StepRecord {
        for p in trainable { p.gradient?.zero() }
        model.stopBetweenBlocks = shouldStop
        let loss = model.lossAndBackward(tokens: tokens, targets: targets, batch: batch, seqLen: seqLen)
        model.stopBetweenBlocks = nil
        let rate = schedule.rate(at: optimizer.stepCount)
        if model.lastPassStopped {
            return StepRecord(step: optimizer.stepCount, loss: .nan, gradientNorm: .nan, learningRate: rate, stopped: true)
        }
        func refused(_ reason: StepRefusal, norm: Float) -> StepRecord {
            StepRecord(step: optimizer.stepCount, loss: loss, gradientNorm: norm, learningRate: rate, refusal: reason)
        }
        if !targets.contains(where: { $0 >= 0 }) {
            // No target in the batch (every row masked): nothing to learn, so no update.
            return StepRecord(step: optimizer.stepCount, loss: loss, gradientNorm: 0, learningRate: rate)
        }
        if !loss.isFinite { return refused(.nonFiniteLoss, norm: .nan) }
        var squares = 0.0
        for p in trainable {
            guard let g = p.gradient else { continue }
            for i in 0..<p.count { squares += Double(g[i]) * Double(g[i]) }
        }
        let norm = Float(squares.squareRoot())
        if !norm.isFinite { return refused(.nonFiniteGradient, norm: norm) }
        // Clipping scales every gradient by one factor; AdamW applies it as it
        // reads them, so the gradients are not walked once more to scale them.
        let scale = config.gradientClip > 0 && norm > config.gradientClip ? config.gradientClip / norm : 1
        if let tensor = optimizer.step(trainable, learningRate: rate, gradientScale: scale, limit: config.weightLimit) {
            return refused(.weightOutOfRange(tensor.name), norm: norm)
        }
        model.trainingStepsApplied += 1
        let record = StepRecord(step: optimizer.stepCount, loss: loss, gradientNorm: norm, learningRate: rate)
        history.append(record)
        return record
    }
}

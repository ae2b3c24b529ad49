import MiniMind

/// What a Lab operation tells whoever watches its training (the handler
/// supplies one: `ProgressDisplay` draws it). The Lab says what happened;
/// the observer decides how it looks.
protocol TrainingObserver: AnyObject {
    /// A run of `run.steps` steps begins (`compare` begins one per strategy).
    func began(_ run: ObservedRun)
    /// After each completed step.
    func progressed(step: Int, total: Int, records: [StepRecord], seconds: Double)
    /// The run stopped, after `step` completed steps.
    func ended(step: Int, total: Int, records: [StepRecord], seconds: Double, how: TrainingRun.Ending)
}

/// Which run an observer is watching.
struct ObservedRun {
    /// `pretrain`, `train`, or a strategy's label (`q,v r=4`).
    var name: String
    var steps: Int
    /// The run's place in a series (`compare`'s second of four strategies), when it has one.
    var part: (number: Int, of: Int)?
    /// Curves finished earlier in the series, to draw beside the live one.
    var earlier: [LossCurve] = []
}

/// A named loss curve: one point per step.
typealias LossCurve = (name: String, losses: [Float])

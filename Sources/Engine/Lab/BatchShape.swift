import MiniMind

/// Sequences per step and tokens per sequence, as a command asked for them.
/// The one place `seq`'s default lives: min(128, the model's context).
struct BatchShape {
    var batch: Int
    /// nil: the default, `defaultSequenceLength` or the model's context if shorter.
    var seq: Int?
    /// Where `batch=` and `seq=` were written (the verb when they were not), for errors.
    var batchLocation: SourceLocation
    var seqLocation: SourceLocation

    static let defaultSequenceLength = 128
    /// A sanity bound on tokens per step (a typo like batch=80000); what fits is
    /// decided by memory (Lab+Memory.swift), not by this.
    static let maxTokensPerStep = 1 << 22

    /// The sequence length for `model`, checked against its context and the token limit.
    func sequenceLength(for model: Model) throws(CommandFailure) -> Int {
        let context = model.config.maxSeq
        let length: Int
        if let seq {
            guard seq <= context else {
                throw CommandFailure(.argument, "seq=\(seq) is longer than the model's context (\(context))", at: seqLocation)
            }
            length = seq
        } else {
            length = min(Self.defaultSequenceLength, context)
        }
        guard batch * length <= Self.maxTokensPerStep else {
            throw CommandFailure(.argument, "batch × seq = \(batch) × \(length) = \((batch * length).grouped) tokens per step is more than LoRA Lab's bound of \(Self.maxTokensPerStep.grouped); use a smaller batch or seq",
                                 at: batchLocation)
        }
        return length
    }
}

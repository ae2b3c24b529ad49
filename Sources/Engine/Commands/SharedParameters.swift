/// Parameters several commands take, declared once so that their kind,
/// summary and default cannot drift apart.
enum SharedParameters {
    /// Tokens per sequence; its default, min(128, context), lives in `BatchShape`.
    static let seq = ParameterSpec("seq", .integer(minimum: 2), "tokens per sequence (default: min(\(BatchShape.defaultSequenceLength), the model's context))")
    /// Exact match on the fine-tuning data's trained and held-out questions (eval, compare, sweep).
    static let match = ParameterSpec("match", .boolean, default: .boolean(false),
                                     "also the exact match of greedy answers on the fine-tuning questions, trained and held out")
}

extension BatchShape {
    /// `batch=` and `seq=` of a command that declares both.
    init(_ invocation: Invocation) throws(CommandFailure) {
        self.init(batch: try invocation.requiredInteger("batch"), seq: invocation.integer("seq"),
                  batchLocation: invocation.location(of: "batch"), seqLocation: invocation.location(of: "seq"))
    }
}

import Foundation
import MiniMind

/// Refuses work that will not fit in memory before it allocates anything:
/// building or loading a model, attaching updates, a training or evaluation
/// step at a batch shape. The estimate comes from MiniMind's `MemoryEstimate`
/// (the same sizes the allocations use), the limit from `AvailableMemory`.
/// A little room is kept free for everything the estimate does not count
/// (BLAS workspaces, the output being built, the runtime).
struct MemoryBudget: Sendable {
    /// Share of the available memory a command may plan to use.
    static let usableShare = 0.9

    var available: @Sendable () -> AvailableMemory?

    static let live = MemoryBudget { AvailableMemory.current() }

    /// Throws when `estimate` (bytes beyond what is allocated now) exceeds the usable share of what is available.
    func check(_ estimate: MemoryEstimate, for what: String, at location: SourceLocation? = nil) throws(CommandFailure) {
        if let refusal = refusal(estimate, for: what) { throw CommandFailure(.command, refusal, at: location) }
    }

    /// Why `estimate` will not fit, or nil when it does (or when no limit can be read).
    func refusal(_ estimate: MemoryEstimate, for what: String) -> String? {
        guard let limit = available() else { return nil }
        let usable = Int(Double(limit.bytes) * Self.usableShare)
        guard estimate.total > usable else { return nil }
        return "\(what) needs about \(Self.gibibytes(estimate.total)) (\(Self.breakdown(estimate))), "
            + "but \(Self.gibibytes(limit.bytes)) is available to this process (\(limit.source)); "
            + "make it smaller (dim, layers, ffn, batch or seq)"
    }

    static func gibibytes(_ bytes: Int) -> String {
        let value = Double(bytes) / 0x1p30
        return value >= 100 ? String(format: "%.0f GiB", value) : value >= 0.1 ? String(format: "%.2f GiB", value) : String(format: "%.4f GiB", value)
    }

    static func breakdown(_ estimate: MemoryEstimate) -> String {
        [("weights", estimate.weights), ("gradients", estimate.gradients), ("optimizer state", estimate.optimizer),
         ("activations", estimate.activations)]
            .filter { $0.1 > 0 }
            .map { "\($0.0) \(gibibytes($0.1))" }
            .joined(separator: " + ")
    }
}

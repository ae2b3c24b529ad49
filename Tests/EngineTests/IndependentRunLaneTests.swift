@testable import Engine
import Foundation
import LinearAlgebra
import MiniMind
import Testing

/// `compare` and `sweep` run their independent trainings in lanes side by
/// side: the results must be those of one run after another, and an
/// interrupt or a failure must stop every lane cleanly.
@Suite struct IndependentRunLaneTests {
    /// A session with the small model and both data sets, its base and fine-tuning data.
    static func prepared() throws -> (engine: Engine, lab: Lab, base: Model, data: DataChoice) {
        let engine = ComparisonTests.prepared()
        let lab = Lab(state: engine.state, cancellation: engine.cancellation)
        return (engine, lab, try lab.requireModel().model, try #require(engine.state.finetuneData))
    }

    static func run(_ targets: String, lr: Double = 3e-3, seed: UInt64, steps: Int = 3, name: String) throws -> IndependentRun {
        IndependentRun(targets: targets, selector: try TargetSelector(parsing: targets), lora: LoRAConfig(rank: 2),
                       learningRate: lr, steps: steps, batch: 2, seqLen: 128, seed: seed,
                       evaluation: Evaluation.Budget(tokens: 128, batches: nil), measuresValidation: true,
                       mayDiverge: false, name: name)
    }

    static let location = SourceLocation(line: 1, column: 1, offset: 0)

    @Test func lanesGiveBitIdenticalResultsToOneAfterAnother() throws {
        let (_, lab, base, data) = try Self.prepared()
        let runs = try [("q", 1), ("q", 2), ("q,v", 1), ("v", 3), ("attn", 2)].map { try Self.run($0.0, seed: UInt64($0.1), name: "\($0.0) \($0.1)") }
        let alone = try lab.execute(runs, on: base, data: data, verb: "compare", verbLocation: Self.location, observer: nil, lanes: 1)
        let laned = try lab.execute(runs, on: base, data: data, verb: "compare", verbLocation: Self.location, observer: nil, lanes: 2)
        #expect(alone.count == runs.count && laned.count == runs.count)
        for (a, b) in zip(alone, laned) {
            #expect(a.losses.map(\.bitPattern) == b.losses.map(\.bitPattern))
            #expect(a.validation?.loss.bitPattern == b.validation?.loss.bitPattern)
            #expect(a.fineTuningEvaluation?.loss.bitPattern == b.fineTuningEvaluation?.loss.bitPattern)
            #expect(a.pretrainingEvaluation?.loss.bitPattern == b.pretrainingEvaluation?.loss.bitPattern)
            #expect(a.parameters == b.parameters)
        }
        #expect(alone[0].losses != alone[1].losses, "different seeds, different runs: the comparison can fail")
    }

    /// Raises the interrupt after the first lane's first step.
    final class Interrupter: TrainingObserver {
        let flag: CancellationFlag
        init(_ flag: CancellationFlag) { self.flag = flag }
        func began(_ run: ObservedRun) {}
        func progressed(step: Int, total: Int, records: [StepRecord], seconds: Double) { flag.raise() }
        func ended(step: Int, total: Int, records: [StepRecord], seconds: Double, how: TrainingRun.Ending) {}
    }

    @Test func anInterruptStopsEveryLaneAndLeavesTheBaseUnchanged() throws {
        let (engine, lab, base, data) = try Self.prepared()
        let before = base.allParameters.map(\.matrix)
        let runs = try (1...4).map { try Self.run("q,v", seed: UInt64($0), steps: 50, name: "q,v seed=\($0)") }
        do {
            _ = try lab.execute(runs, on: base, data: data, verb: "compare", verbLocation: Self.location,
                                observer: Interrupter(engine.cancellation), lanes: 2)
            Issue.record("the interrupt must stop the compare")
        } catch {
            #expect(error.kind == .interrupted, "\(error.message)")
            #expect(error.message.hasPrefix("compare interrupted during q,v seed=1"), "\(error.message)")
        }
        engine.cancellation.clear()
        #expect(base.allParameters.map(\.matrix) == before)
        #expect(base.updatedLinears.isEmpty)
    }

    @Test func aDivergenceInTheSecondLaneIsReportedAndStopsTheRest() throws {
        let (_, lab, base, data) = try Self.prepared()
        let runs = [try Self.run("q", seed: 1, steps: 6, name: "fine"),
                    try Self.run("q,v", lr: 1e9, seed: 1, steps: 6, name: "wild"),
                    try Self.run("q", seed: 2, steps: 40, name: "later")]
        var messages: [String] = []
        for lanes in [2, 1] {
            do {
                _ = try lab.execute(runs, on: base, data: data, verb: "compare", verbLocation: Self.location, observer: nil, lanes: lanes)
                Issue.record("a run at lr=1e9 must diverge")
            } catch {
                #expect(error.kind == .command)
                #expect(error.message.hasPrefix("wild: training diverged"), "\(error.message)")
                messages.append(error.message)
            }
        }
        #expect(messages.count == 2 && messages[0] == messages[1], "side by side or one after another, the same error")
    }

    @Test func lanesAreChosenForSmallModelsWithSeveralRuns() throws {
        let (_, lab, base, _) = try Self.prepared()
        let runs = try (1...3).map { try Self.run("q", seed: UInt64($0), name: "\($0)") }
        let expected = ProcessInfo.processInfo.environment["LORALAB_LANES"] == nil ? min(Parallel.workerCount, 3) : lab.laneCount(runs, on: base)
        #expect(lab.laneCount(runs, on: base) == expected)
        #expect(lab.laneCount(Array(runs.prefix(1)), on: base) == 1, "one run has nothing to run beside")
    }
}

@testable import Engine
import Foundation
import Testing

/// The live progress of a command: one display, updated in place, however
/// many runs the command trains.
@Suite struct ProgressDisplayTests {
    @Test func aSeriesOfRunsSharesOneDisplay() throws {
        let (_, lab, base, data) = try IndependentRunLaneTests.prepared()
        let runs = try [("q", 1), ("v", 2), ("q,v", 3)].map {
            try IndependentRunLaneTests.run($0.0, seed: UInt64($0.1), name: "\($0.0) \($0.1)")
        }
        var events: [EngineEvent] = []
        let context = CommandContext(output: OutputSink(emit: { events.append($0) }), cancellation: CancellationFlag(),
                                     catalog: .standard)
        // One lane, so that every run reports to the observer.
        _ = try lab.execute(runs, on: base, data: data, verb: "compare", verbLocation: IndependentRunLaneTests.location,
                            observer: ProgressDisplay(context: context), lanes: 1)

        let created = events.compactMap { event -> String? in
            if case .display(_, let id?) = event { return id }
            return nil
        }
        let updated = events.compactMap { event -> (id: String, text: String)? in
            if case .updateDisplay(let bundle, let id) = event { return (id, bundle.plainText) }
            return nil
        }
        #expect(created.count == 1, "one display for the command, not one per run")
        #expect(Set(updated.map(\.id)) == Set(created))
        for (number, run) in runs.enumerated() {
            #expect(updated.contains { $0.text.hasPrefix("compare \(number + 1)/3 \(run.name)") && $0.text.contains("3/3") },
                    "run \(number + 1) is shown to its end in the shared display")
        }
    }
}

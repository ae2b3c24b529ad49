@testable import Engine
import Foundation
import LinearAlgebra
import MiniMind
import Testing

/// Full fine-tuning as a strategy of `compare` and `sweep` (`method=full`),
/// its run-cache keys, and `truncate` over several ranks.
@Suite struct FullFineTuningRunTests {
    static let location = SourceLocation(line: 1, column: 1, offset: 0)

    static func fullRun(_ targets: String, lr: Double, seed: UInt64, steps: Int) throws -> IndependentRun {
        IndependentRun(targets: targets, selector: try TargetSelector(parsing: targets), lora: LoRAConfig(rank: 2), method: .full,
                       learningRate: lr, steps: steps, batch: 2, seqLen: 128, seed: seed,
                       evaluation: Evaluation.Budget(tokens: 256, batches: nil), measuresValidation: false,
                       mayDiverge: false, name: "\(targets) full")
    }

    /// A full run of compare is `finetune … | train …` from the base with the same session seed, bit for bit.
    @Test func aFullRunIsTheSessionsFineTuneBitForBit() throws {
        let (engine, lab, base, data) = try IndependentRunLaneTests.prepared()
        let run = try Self.fullRun("ffn", lr: 2e-3, seed: 2, steps: 4)
        let result = try lab.execute([run], on: base, data: data, verb: "compare", verbLocation: Self.location, observer: nil)[0]
        #expect(base.updatedLinears.isEmpty, "the base is not touched")
        var lora = run
        lora.method = .lora
        let adapted = try lab.execute([lora], on: base, data: data, verb: "compare", verbLocation: Self.location, observer: nil)[0]
        #expect(adapted.losses != result.losses && adapted.parameters < result.parameters, "a full run is not a LoRA run on the same matrices")

        let session = engine.run("set seed=2\nfinetune targets=ffn\ntrain steps=4 lr=2e-3 batch=2 seq=128")
        #expect(session.error == nil, "\(session.error?.message ?? "")")
        let tuned = try #require(engine.state.lab)
        #expect(result.losses.count == 4)
        #expect(result.losses.map(\.bitPattern) == tuned.curve(of: .finetune).map(\.bitPattern))
        let evaluation = try Evaluation.loss(of: tuned.model, on: data, batch: 2, seqLen: 128, budget: run.evaluation)
        #expect(result.fineTuningEvaluation?.loss.bitPattern == evaluation?.loss.bitPattern)
        #expect(result.matrices == tuned.model.fullyTunedLinears.count && result.matrices == 6, "gate, up, down in two layers")
        #expect(result.parameters == tuned.model.trainableParameterCount)
    }

    @Test func compareAndSweepWithMethodFullShowFullRowsAndLeaveTheSessionAlone() throws {
        let engine = ComparisonTests.prepared()
        let before = SessionFingerprint(engine)
        let compare = engine.run("compare method=full targets=ffn;q,v steps=3 batch=2 seeds=1-2 eval_tokens=256")
        #expect(compare.error == nil, "\(compare.error?.message ?? "")")
        let table = compare.resultText
        let ffn = try #require(ComparisonTests.row(table, "ffn"), "\(table)")
        #expect(ffn[1] == "full", "the rank column of a full run: \(ffn)")
        #expect(ComparisonTests.spread(ffn, at: 5)?.sd ?? 0 > 0, "two seeds, two batch orders")
        #expect(ComparisonTests.spread(ffn, at: 14) != nil, "forgetting with its sd: \(ffn)")
        #expect(table.contains("full fine-tuning (every weight of each selector's matrices; no rank, no budget)"), "\(table)")
        #expect(SessionFingerprint(engine) == before, "compare must not change the session")

        // A sweep point is the same run as compare's (same seeds, rate, steps).
        let sweep = engine.run("sweep method=full targets=ffn lr=1e-3,2e-3 steps=3 batch=2 seeds=1-2 eval_tokens=256")
        #expect(sweep.error == nil, "\(sweep.error?.message ?? "")")
        let point = try #require(ComparisonTests.row(sweep.resultText, "1e-3"), "\(sweep.resultText)")
        #expect(point[1] == "full" && Array(point.dropFirst(4)) == Array(ffn.dropFirst(5)), "\(point) vs \(ffn)")
        #expect(sweep.resultText.contains("targets=ffn fully fine-tuned (every weight) over lr"), "\(sweep.resultText)")
        #expect(SessionFingerprint(engine) == before)
    }

    @Test func optionsFullFineTuningHasNotAreErrorsThatChangeNothing() {
        let engine = ComparisonTests.prepared()
        let before = SessionFingerprint(engine)
        let cases = [
            ("compare method=full budget=equal targets=ffn;attn", "line 1, col 28: method=full trains every weight of the selected matrices: it has no rank, so no budget= (leave it out)"),
            ("compare method=full targets=ffn rank=4", "line 1, col 38: method=full trains every weight of the selected matrices: it has no rank, so no rank= (leave it out)"),
            ("sweep method=full targets=ffn rank=1,2", "line 1, col 36: method=full trains every weight of the selected matrices: it has no rank= (sweep lr or steps)"),
            ("sweep method=full targets=ffn lr=1e-3,2e-3 alpha=4", "line 1, col 50: method=full trains every weight of the selected matrices: it has no alpha= (sweep lr or steps)"),
            ("sweep method=full targets=ffn lr=1e-3,2e-3 rslora=true", "line 1, col 51: method=full trains every weight of the selected matrices: it has no rslora= (sweep lr or steps)"),
        ]
        for (line, message) in cases {
            #expect(engine.run(line).error?.message == message, "\(line)")
        }
        #expect(engine.run("compare method=partial").error?.name == "ArgumentError")
        #expect(SessionFingerprint(engine) == before)
    }

    // MARK: The run cache

    @Test func fullRunsAreCachedAndNeverMatchALoRAEntry() throws {
        let folder = RunCacheTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let engine = RunCacheTests.prepared(cache: folder)
        let line = "compare method=full targets=q;q,v steps=3 batch=2 seeds=1-2 eval_tokens=256"
        let first = engine.run(line)
        #expect(first.resultText.contains("4 runs: 0 from the cache \(folder), 4 trained"), "\(first.resultText)")
        let second = engine.run(line)
        #expect(second.resultText.contains("4 runs: 4 from the cache \(folder), 0 trained"), "\(second.resultText)")
        #expect(RunCacheTests.table(second.resultText) == RunCacheTests.table(first.resultText))
        let files = RunCache(written: folder, folder: URL(fileURLWithPath: folder)).entryFiles()
        for file in files {
            let entry = try RunCacheEntry.decode(Data(contentsOf: file))
            #expect(entry.specification.method == .full && entry.specification.rank == 0)
        }
        // LoRA with every other field alike (rank 8 is compare's default) is a miss.
        let lora = engine.run("compare targets=q;q,v budget=rank steps=3 batch=2 seeds=1-2 eval_tokens=256")
        #expect(lora.resultText.contains("4 runs: 0 from the cache \(folder), 4 trained"), "\(lora.resultText)")
        // cache check re-trains full entries as full runs.
        let check = engine.run("cache check sample=8 seed=1")
        #expect(check.error == nil && check.resultText.contains("8 of 8 entries of \(folder) re-trained under the \(BLASKernelSelection.coreName) kernels, all agree"), "\(check.resultText)")
    }

    @Test func theKeyOfAFullRunDiffersFromLoRAsAndLoRAKeysLackTheMethod() throws {
        let model = Model(config: ModelConfig(dim: 32, layers: 2, heads: 4, kvHeads: 2, ffn: 48, vocabSize: 259, maxSeq: 64), seed: 3)
        let lora = try RunCacheTests.specification(model)
        let full = try RunCacheTests.specification(model) { $0.method = .full }
        #expect(full.key != lora.key)
        #expect(try RunCacheTests.specification(model) { $0.method = .full; $0.lora.rank = 5 }.key == full.key,
                "a full run's key ignores the adapter it has none of")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(!String(decoding: try encoder.encode(lora), as: UTF8.self).contains("\"method\""), "LoRA keys are those made before full runs")
        #expect(String(decoding: try encoder.encode(full), as: UTF8.self).contains("\"method\":\"full\""))
    }

    /// The committed entries of the notebooks (made before full runs existed)
    /// are still named by their specification's key, so they are still hits.
    @Test func committedNotebookEntriesKeepTheirKeys() throws {
        let runs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("notebooks/runs")
        var checked = 0
        for folder in ["02", "03", "04", "05"] {
            let cache = RunCache(written: folder, folder: runs.appendingPathComponent(folder))
            for file in cache.entryFiles() {
                let entry = try RunCacheEntry.decode(Data(contentsOf: file))
                guard entry.specification.method == nil else { continue }
                #expect(entry.specification.key == file.deletingPathExtension().lastPathComponent, "\(folder)/\(file.lastPathComponent)")
                #expect(cache.lookup(entry.specification).result != nil)
                checked += 1
            }
        }
        #expect(checked >= 50, "the committed LoRA entries were found (\(checked))")
    }

    // MARK: truncate over several ranks

    /// Pre-trained on a small text, so that the many evaluations stay quick in a debug build.
    static func fullyTunedEngine() -> Engine {
        let engine = Engine.forTesting()
        let setup = engine.run("""
            \(SessionTests.small)
            data pretrain "\(TransactionTests.notesFile)"
            data finetune builtin:identity
            finetune targets=up,down
            train steps=4 batch=2 seq=64 lr=3e-3
            """)
        #expect(setup.error == nil, "\(setup.error?.message ?? "")")
        return engine
    }

    @Test func truncateOverRanksIsEachTruncationEvaluatedAndLeavesTheModel() throws {
        let engine = Self.fullyTunedEngine()
        let before = SessionFingerprint(engine)
        let lab = Lab(state: engine.state, cancellation: engine.cancellation)
        let sweep = try lab.truncationSweep(TruncationOptions(ranks: [1, 2, 64], verbLocation: Self.location))
        #expect(SessionFingerprint(engine) == before, "a list of ranks leaves the session's model as it is")
        #expect(sweep.rows.map(\.rank) == [0, 1, 2, 64, nil])
        #expect(sweep.rows.map(\.energyKept).elementsEqual(sweep.rows.map(\.energyKept).sorted()), "more rank, more energy")
        #expect(abs(sweep.rows[3].energyKept - 1) < 1e-9, "rank 64 keeps all of 32×64 matrices")

        // Each row is what `truncate rank=r` (or the base, or nothing) then an evaluation gives.
        let model = try #require(engine.state.lab).model
        let data = try #require(engine.state.finetuneData), pretraining = try #require(engine.state.pretrainData)
        func evaluated(_ line: String?) throws -> (Double?, Double?) {
            engine.run("run save tuned")
            defer { engine.run("run load tuned") }
            if let line { #expect(engine.run(line).error == nil, "\(line)") }
            let current = try #require(engine.state.lab).model
            return (try Evaluation.loss(of: current, on: data, batch: 8, seqLen: 128)?.loss,
                    try Evaluation.loss(of: current, on: pretraining, batch: 8, seqLen: 128)?.loss)
        }
        for (row, line) in zip(sweep.rows, ["run load none", "truncate rank=1", "truncate rank=2", "truncate rank=64", nil]) {
            if row.rank == 0 {
                // The base: the same model with W back at W0.
                let base = model.copy()
                for linear in base.fullyTunedLinears { linear.weight.matrix = (linear.update as! FullFineTuning).reference }
                #expect(row.fineTuning?.loss == (try Evaluation.loss(of: base, on: data, batch: 8, seqLen: 128))?.loss)
                continue
            }
            let (fineTuning, pretrainingLoss) = try evaluated(line)
            #expect(row.fineTuning?.loss == fineTuning && row.pretraining?.loss == pretrainingLoss, "rank \(row.rank.map(String.init) ?? "full")")
        }
        #expect(sweep.rows[1].fineTuning?.loss != sweep.rows[4].fineTuning?.loss, "rank 1 is not the untruncated model")

        let beforeShown = SessionFingerprint(engine)
        let shown = engine.run("truncate rank=1,2,64")
        #expect(shown.error == nil, "\(shown.error?.message ?? "")")
        // The table's rows: the five lines after the header's rule.
        let lines = shown.resultText.split(separator: "\n")
        let body = lines.drop { !$0.hasPrefix("────") }.dropFirst().prefix(5)
        #expect(body.map { String($0.split(separator: " ")[0]) } == ["0", "1", "2", "64", "full"], "\(shown.resultText)")
        #expect(shown.resultText.contains("The session's model is unchanged."))
        #expect(shown.result?.data["image/svg+xml"] != nil)
        #expect(SessionFingerprint(engine) == beforeShown)
    }

    @Test func truncateOverRanksRefusesWhatOneRankRefusesAndChangesNothing() {
        let engine = Engine.forTesting()
        engine.run("\(SessionTests.small)\ndata finetune builtin:identity\nlora targets=q rank=2")
        let before = SessionFingerprint(engine)
        let refused = engine.run("truncate rank=1,2")
        #expect(refused.error?.message.contains("adapter, whose ΔW has rank ≤ r already") == true, "\(refused.error?.message ?? "")")
        #expect(engine.run("truncate rank=1,1").error?.message.contains("'rank' lists a value twice") == true)
        #expect(SessionFingerprint(engine) == before)
    }
}

@testable import Engine
import Corpus
import Foundation
import LinearAlgebra
import MiniMind
import Testing

/// The run cache: what its key depends on, that a cached compare is the
/// trained one, that a bad entry is a miss, and that `cache check` catches an
/// edited number.
@Suite struct RunCacheTests {
    static let model = "model tiny dim=32 layers=2 heads=4 kv_heads=2 ffn=48 seq=64"
    static let compare = "compare targets=q;q,v rank=2 steps=3 batch=2 seeds=1-2 eval_tokens=256"

    static func folder() -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("runcache-\(UUID().uuidString)")
        return url.path
    }

    static func prepared(cache: String) -> Engine {
        let engine = Engine.forTesting()
        let setup = engine.run("""
            \(model)
            data pretrain builtin:tinystories
            data finetune builtin:identity
            set cache="\(cache)"
            """)
        #expect(setup.error == nil, "\(setup.error?.message ?? "")")
        return engine
    }

    /// The result without the footer line that says where the runs came from.
    static func table(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains(" from the cache ") }.joined(separator: "\n")
    }

    // MARK: The key

    static func specification(_ model: Model, edit: (inout IndependentRun) -> Void = { _ in }) throws -> RunSpecification {
        let selector = try SelectorParsing.selector(["q", "v"], layers: nil, model: model, at: SourceLocation(line: 1, column: 1, offset: 0))
        var run = IndependentRun(targets: "q,v", selector: selector, lora: LoRAConfig(rank: 2), learningRate: 1e-3, steps: 3, batch: 2,
                                 seqLen: 64, seed: 1, evaluation: Evaluation.Budget(tokens: 256, batches: nil),
                                 measuresValidation: false, mayDiverge: false, name: "q,v r=2")
        edit(&run)
        let data = DataFingerprint(DataChoice(source: "builtin:identity", dataset: try BuiltinCorpora.load("identity")))
        return RunSpecification(run, base: BaseFingerprint(model), data: data, pretraining: nil)
    }

    @Test func theKeyChangesWithEveryFieldOfTheSpecification() throws {
        let model = Model(config: ModelConfig(dim: 32, layers: 2, heads: 4, kvHeads: 2, ffn: 48, vocabSize: 259, maxSeq: 64), seed: 3)
        let reference = try Self.specification(model)
        #expect(try Self.specification(model).key == reference.key, "the key is a function of the specification")
        #expect(reference.key.count == 64 && reference.key.allSatisfy(\.isHexDigit))
        let edits: [(String, (inout IndependentRun) -> Void)] = [
            ("targets", { $0.targets = "q,v " }),
            ("matrices", { $0.selector = try! SelectorParsing.selector(["q"], layers: nil, model: model, at: SourceLocation(line: 1, column: 1, offset: 0)) }),
            ("rank", { $0.lora.rank = 3 }), ("alpha", { $0.lora.alpha = 5 }), ("dropout", { $0.lora.dropout = 0.1 }),
            ("init", { $0.lora.initialization = .gaussian }), ("rslora", { $0.lora.rsLoRA = true }), ("dora", { $0.lora.dora = true }),
            ("lr", { $0.learningRate = 2e-3 }), ("steps", { $0.steps = 4 }), ("batch", { $0.batch = 3 }), ("seq", { $0.seqLen = 32 }),
            ("seed", { $0.seed = 2 }), ("eval tokens", { $0.evaluation.tokens = 128 }), ("eval batches", { $0.evaluation.batches = 1 }),
            ("validation", { $0.measuresValidation = true }), ("may diverge", { $0.mayDiverge = true }),
        ]
        var keys: Set<String> = [reference.key]
        for (field, edit) in edits {
            let key = try Self.specification(model, edit: edit).key
            #expect(keys.insert(key).inserted, "changing \(field) must change the key")
        }
        #expect(try Self.specification(model) { $0.name = "another name" }.key == reference.key, "the progress name decides nothing")

        // The data, the pre-training data, the numerics version.
        var other = reference
        other.data.tokens = String(repeating: "0", count: 64)
        #expect(keys.insert(other.key).inserted, "data tokens")
        other = reference
        other.data.source = "builtin:other"
        #expect(keys.insert(other.key).inserted, "data source")
        other = reference
        other.pretrainingData = reference.data
        #expect(keys.insert(other.key).inserted, "pre-training data")
        other = reference
        other.numericsVersion += 1
        #expect(keys.insert(other.key).inserted, "numerics version")

        // One weight's one value: another base.
        let changed = model.copy()
        changed.parameters[5].value[7] += 1e-6
        #expect(BaseFingerprint(changed).hash != BaseFingerprint(model).hash)
        #expect(try Self.specification(changed).key != reference.key)
    }

    @Test func dataFingerprintSeesEveryTokenOfEverySplit() throws {
        let dataset = try BuiltinCorpora.load("identity")
        let reference = DataFingerprint(DataChoice(source: "builtin:identity", dataset: dataset))
        for split in DatasetSplit.allCases where !dataset.documents(in: split).isEmpty {
            var edited = dataset
            switch split {
            case .train: edited.train[0].tokens[0] ^= 1
            case .validation: edited.validation[0].tokens[0] ^= 1
            case .heldOut: edited.heldOut[0].tokens[0] ^= 1
            }
            #expect(DataFingerprint(DataChoice(source: "builtin:identity", dataset: edited)) != reference, "\(split)")
        }
    }

    // MARK: The cache in a session

    @Test func aCachedCompareIsTheTrainedOneAndTrainsNothing() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let engine = Self.prepared(cache: folder)
        let first = engine.run(Self.compare)
        #expect(first.error == nil, "\(first.error?.message ?? "")")
        #expect(first.resultText.contains("4 runs: 0 from the cache \(folder), 4 trained"), "\(first.resultText)")
        #expect(RunCache(written: folder, folder: URL(fileURLWithPath: folder)).entryFiles().count == 4)

        let second = engine.run(Self.compare)
        #expect(second.resultText.contains("4 runs: 4 from the cache \(folder), 0 trained"), "\(second.resultText)")
        #expect(!second.stdout.contains("step 3/3") && !second.stderr.contains("step 3/3"), "nothing trained: no progress")
        #expect(Self.table(second.resultText) == Self.table(first.resultText))
        #expect(second.result?.data["image/svg+xml"] == first.result?.data["image/svg+xml"], "the same curves")

        // Without the cache the same compare trains again, to the same numbers.
        engine.run("set cache=off")
        let uncached = engine.run(Self.compare)
        #expect(!uncached.resultText.contains("from the cache"))
        #expect(uncached.resultText == Self.table(first.resultText))

        // One more strategy: only its runs are trained; the others keep their order.
        engine.run("set cache=\"\(folder)\"")
        let wider = engine.run("compare targets=q;q,v;attn rank=2 steps=3 batch=2 seeds=1-2 eval_tokens=256")
        #expect(wider.resultText.contains("6 runs: 4 from the cache \(folder), 2 trained"), "\(wider.resultText)")
        #expect(ComparisonTests.row(wider.resultText, "q") == ComparisonTests.row(first.resultText, "q"))
    }

    @Test func aCorruptEntryIsAMissWithAWarning() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let engine = Self.prepared(cache: folder)
        let first = engine.run(Self.compare)
        let files = RunCache(written: folder, folder: URL(fileURLWithPath: folder)).entryFiles()
        try #require(files.count == 4)
        try Data("{\"result\": {\"losses\": [1, 2".utf8).write(to: files[0])
        let second = engine.run(Self.compare)
        #expect(second.error == nil, "\(second.error?.message ?? "")")
        #expect(second.resultText.contains("4 runs: 3 from the cache \(folder), 1 trained"), "\(second.resultText)")
        #expect(second.stderr.contains("\(files[0].lastPathComponent) is unreadable"), "\(second.stderr)")
        #expect(Self.table(second.resultText) == Self.table(first.resultText))
        #expect((try? RunCacheEntry.decode(Data(contentsOf: files[0]))) != nil, "the miss was trained and stored again")
    }

    @Test func checkPassesOnHonestEntriesAndFailsOnAnEditedLoss() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let engine = Self.prepared(cache: folder)
        engine.run(Self.compare)
        let honest = engine.run("cache check sample=10 seed=3")
        #expect(honest.error == nil, "\(honest.error?.message ?? "")")
        #expect(honest.resultText.contains("4 of 4 entries of \(folder) re-trained under the \(BLASKernelSelection.coreName) kernels, all agree"), "\(honest.resultText)")
        #expect(!honest.resultText.contains("NO"))
        #expect(engine.run("cache").resultText.contains(": 4 entries, numerics version \(RunCache.numericsVersion)"))

        // Another model: nothing to check, every entry skipped with the reason.
        let other = Engine.forTesting()
        other.run("\(Self.model.replacingOccurrences(of: "dim=32", with: "dim=16"))\nset cache=\"\(folder)\"")
        let skipped = other.run("cache check")
        #expect(skipped.error == nil && skipped.resultText.contains("0 of 4 entries") && skipped.resultText.contains("4 skipped: 4 another base model"),
                "\(skipped.resultText)")

        // An entry made under other kernels is another computation: skipped, with the reason, never compared.
        let elsewhere = RunCache(written: folder, folder: URL(fileURLWithPath: folder)).entryFiles()[1]
        let honestEntry = try Data(contentsOf: elsewhere)
        var moved = try RunCacheEntry.decode(honestEntry)
        #expect(moved.kernels == BLASKernelSelection.coreName, "an entry records the kernels that computed it")
        moved.kernels = "Elsewhere"
        moved.result.fineTuningEvaluation!.loss += 0.5
        try moved.encoded().write(to: elsewhere)
        let skippedOne = engine.run("cache check sample=10 seed=3")
        #expect(skippedOne.error == nil && skippedOne.resultText.contains("3 of 4 entries")
                && skippedOne.resultText.contains("1 skipped: 1 made under the Elsewhere kernels, with no \(BLASKernelSelection.coreName) witness (this machine runs \(BLASKernelSelection.coreName))"),
                "\(skippedOne.resultText)")
        try honestEntry.write(to: elsewhere)

        // Edit one stored loss beyond the tolerance (0.005 + 2% of 5.6 is 0.117).
        let file = RunCache(written: folder, folder: URL(fileURLWithPath: folder)).entryFiles()[2]
        var entry = try RunCacheEntry.decode(Data(contentsOf: file))
        entry.result.fineTuningEvaluation!.loss += 0.5
        try entry.encoded().write(to: file)
        let edited = engine.run("cache check sample=10 seed=3")
        #expect(edited.error?.message.contains("cache check: 1 number of the cache \(folder) differ") == true, "\(edited.error?.message ?? "no error")")
        let table = edited.displays.last?.plainText ?? ""
        #expect(table.split(separator: "\n").contains { $0.hasPrefix(file.lastPathComponent.prefix(12)) && $0.contains("eval finetune") && $0.hasSuffix("NO") },
                "\(table)")
        // A tiny edit is within the tolerance (other CPUs round differently).
        entry.result.fineTuningEvaluation!.loss -= 0.5 - 0.001
        try entry.encoded().write(to: file)
        #expect(engine.run("cache check sample=10 seed=3").error == nil)
    }

    /// Raises the interrupt as the observed lane begins its second run, so that at least one run has finished.
    final class SecondRunInterrupter: TrainingObserver {
        let flag: CancellationFlag
        var begun = 0
        init(_ flag: CancellationFlag) { self.flag = flag }
        func began(_ run: ObservedRun) {
            begun += 1
            if begun == 2 { flag.raise() }
        }
        func progressed(step: Int, total: Int, records: [StepRecord], seconds: Double) {}
        func ended(step: Int, total: Int, records: [StepRecord], seconds: Double, how: TrainingRun.Ending) {}
    }

    /// Each run is stored as it finishes: an interrupted compare keeps what it completed (one after another,
    /// so exactly the first), a resumed one trains only the rest (side by side, every lane storing its runs),
    /// and the entries are the numbers an uninterrupted compare gives.
    @Test func anInterruptedCompareKeepsTheRunsItFinished() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let engine = Self.prepared(cache: folder)
        let lab = Lab(state: engine.state, cancellation: engine.cancellation)
        let base = try lab.requireModel().model
        let data = try #require(engine.state.finetuneData)
        let runs = try (1...4).map { seed in
            IndependentRun(targets: "q", selector: try TargetSelector(parsing: "q"), lora: LoRAConfig(rank: 2), learningRate: 1e-3,
                           steps: 3, batch: 2, seqLen: 64, seed: UInt64(seed), evaluation: Evaluation.Budget(tokens: 256, batches: nil),
                           measuresValidation: false, mayDiverge: false, name: "q seed=\(seed)")
        }
        do {
            _ = try lab.perform(runs, on: base, data: data, verb: "compare", verbLocation: SourceLocation(line: 1, column: 1, offset: 0),
                                observer: SecondRunInterrupter(engine.cancellation), lanes: 1)
            Issue.record("the interrupt must stop the compare")
        } catch {
            #expect(error.kind == .interrupted, "\(error.message)")
        }
        engine.cancellation.clear()
        let kept = RunCache(written: folder, folder: URL(fileURLWithPath: folder)).entryFiles().count
        #expect(kept == 1, "\(kept) of \(runs.count) runs kept")

        let resumed = try lab.perform(runs, on: base, data: data, verb: "compare", verbLocation: SourceLocation(line: 1, column: 1, offset: 0),
                                      observer: nil, lanes: 2)
        #expect(resumed.cache?.fromCache == 1 && resumed.cache?.trained == 3)
        #expect(RunCache(written: folder, folder: URL(fileURLWithPath: folder)).entryFiles().count == runs.count)
        let fresh = try lab.execute(runs, on: base, data: data, verb: "compare", verbLocation: SourceLocation(line: 1, column: 1, offset: 0),
                                    observer: nil)
        #expect(resumed.results.map { $0.losses.map(\.bitPattern) } == fresh.map { $0.losses.map(\.bitPattern) })
        #expect(resumed.results.map { $0.fineTuningEvaluation?.loss.bitPattern } == fresh.map { $0.fineTuningEvaluation?.loss.bitPattern })
    }

    /// A LoRA entry made with match=true is re-trained with exact match, and its counts must agree exactly.
    @Test func checkRetrainsExactMatchAndComparesItsCountsExactly() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let answers = FileManager.default.temporaryDirectory.appendingPathComponent("loralab-answers-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: answers) }
        let pairs = [("red?", "Rot."), ("blue?", "Blau."), ("green?", "Gruen."), ("black?", "Schwarz."), ("red!", "Rot."), ("white?", "Weiss.")]
        try pairs.map { #"{"conversations": [{"role": "user", "content": "\#($0.0)"}, {"role": "assistant", "content": "\#($0.1)"}]}"# }
            .joined(separator: "\n").write(to: answers, atomically: true, encoding: .utf8)
        let engine = Engine.forTesting()
        let setup = engine.run("\(Self.model)\ndata finetune \"\(answers.path)\"\nset cache=\"\(folder)\"")
        try #require(setup.error == nil, "\(setup.error?.message ?? "")")
        let compare = engine.run("compare targets=q rank=2 steps=3 batch=2 seeds=1 eval_tokens=256 match=true")
        try #require(compare.error == nil, "\(compare.error?.message ?? "")")
        let honest = engine.run("cache check")
        #expect(honest.error == nil, "\(honest.error?.message ?? "")")
        #expect(honest.resultText.split(separator: "\n").contains { $0.contains("match seen") && $0.hasSuffix("yes") }, "\(honest.resultText)")
        #expect(honest.resultText.split(separator: "\n").contains { $0.contains("match unseen") && $0.hasSuffix("yes") }, "\(honest.resultText)")

        let file = try #require(RunCache(written: folder, folder: URL(fileURLWithPath: folder)).entryFiles().first)
        var entry = try RunCacheEntry.decode(Data(contentsOf: file))
        entry.result.exactMatchSeen!.correct += 1
        try entry.encoded().write(to: file)
        let edited = engine.run("cache check")
        #expect(edited.error?.message.contains("1 number of the cache \(folder) differ") == true, "\(edited.error?.message ?? "no error")")
        let table = edited.displays.last?.plainText ?? ""
        #expect(table.split(separator: "\n").contains { $0.contains("match seen") && $0.hasSuffix("NO") }, "\(table)")
    }

    @Test func floatsRoundTripExactly() throws {
        let values: [Float] = [5.552794, 1 / 3, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .infinity, 0.1 + 0.2]
        let evaluation = Evaluation.Result(loss: 1.0 / 3.0, standardError: 0.1 + 0.2, tokens: 7, sequences: 2, split: .heldOut)
        let model = Model(config: ModelConfig(dim: 32, layers: 2, heads: 4, kvHeads: 2, ffn: 48, vocabSize: 259, maxSeq: 64), seed: 3)
        let entry = RunCacheEntry(specification: try Self.specification(model),
                                  result: IndependentRunResult(losses: values + [.nan], matrices: 4, parameters: 256, divergence: nil,
                                                               validation: nil, fineTuningEvaluation: evaluation, pretrainingEvaluation: nil))
        let back = try RunCacheEntry.decode(entry.encoded())
        #expect(back.result.losses.dropLast().map(\.bitPattern) == values.map(\.bitPattern))
        #expect(back.result.losses.last!.isNaN)
        #expect(back.result.fineTuningEvaluation?.loss.bitPattern == evaluation.loss.bitPattern)
        #expect(back.result.fineTuningEvaluation?.standardError?.bitPattern == evaluation.standardError?.bitPattern)
        #expect(back.specification == entry.specification)
    }

    @Test func anUnusableFolderIsAClearErrorAndChangesNothing() throws {
        let file = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: file))
        let engine = Self.prepared(cache: Self.folder())
        let before = engine.run("set").resultText
        let line = "set cache=\"\(file)/runs\""
        let failed = engine.run(line)
        let error = try #require(failed.error)
        #expect(error.message.contains("cannot use '\(file)/runs' as the run cache"), "\(error.message)")
        let key = line.distance(from: line.startIndex, to: line.range(of: "cache=")!.lowerBound) + 1
        #expect(error.column == key || error.column == key + 6, "points at cache=, not at \(error.column ?? 0)")
        #expect(engine.run("set").resultText == before)
    }
}

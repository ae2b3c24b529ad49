@testable import Engine
import Foundation
import LinearAlgebra
import Testing

/// Witnesses (RunCache+Witnesses.swift): entries made under another kernel
/// family are skipped by `cache check` until `cache witness` keeps this
/// family's numbers beside them; then `cache check` holds a re-training to the
/// witness, and catches an edited one. The other family is played by
/// rewriting each entry's `kernels`, since a test machine runs one family.
@Suite struct RunCacheWitnessTests {
    static let here = BLASKernelSelection.coreName

    /// A cache of four compare entries and one train entry (with tensors), all recorded as made under `Elsewhere`,
    /// each with its last loss (so its final loss) moved by 0.5: what another family's numbers may look like after a long run.
    static func elsewhereCache() throws -> (engine: Engine, folder: String, cache: RunCache) {
        let folder = RunCacheTests.folder()
        let engine = RunCacheTests.prepared(cache: folder)
        let made = engine.run("\(RunCacheTests.compare)\nlora targets=q rank=2\ntrain steps=3 batch=2")
        try #require(made.error == nil, "\(made.error?.message ?? "")")
        let cache = RunCache(written: folder, folder: URL(fileURLWithPath: folder))
        try #require(cache.entryFiles().count == 5)
        for file in cache.entryFiles() {
            var entry = try RunCacheEntry.decode(Data(contentsOf: file))
            #expect(entry.kernels == here)
            entry.kernels = "Elsewhere"
            entry.result.losses[entry.result.losses.count - 1] += 0.5
            try entry.encoded().write(to: file)
        }
        try #require(engine.run("lora detach").error == nil)
        return (engine, folder, cache)
    }

    static func witnesses(_ cache: RunCache) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: cache.folder.path)) ?? []).filter { $0.contains(".\(here).") }.sorted()
    }

    @Test func aWitnessLetsThisFamilyCheckAnotherFamilysEntry() throws {
        let (engine, folder, cache) = try Self.elsewhereCache()
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let before = engine.run("cache check")
        #expect(before.error == nil && before.resultText.contains("0 of 5 entries")
                && before.resultText.contains("5 skipped: 5 made under the Elsewhere kernels, with no \(Self.here) witness (this machine runs \(Self.here))"),
                "\(before.resultText)")

        // Two witnesses: the table measures each against its entry (the moved first loss shows), and nothing fails.
        let recorded = engine.run("cache witness sample=2 seed=3")
        #expect(recorded.error == nil, "\(recorded.error?.message ?? "")")
        #expect(recorded.resultText.contains("2 of 5 entries of \(folder) re-trained under the \(Self.here) kernels and kept as their \(Self.here) witnesses"),
                "\(recorded.resultText)")
        #expect(recorded.resultText.contains("3 skipped") == false)
        #expect(engine.run("cache").resultText.contains(": 5 entries (witnesses: 2 \(Self.here)), numerics version"))
        let firstTwo = Self.witnesses(cache)
        #expect(firstTwo.filter { $0.hasSuffix(".json") }.count == 2, "\(firstTwo)")
        #expect(cache.entryFiles().count == 5, "a witness is not an entry")

        let checked = engine.run("cache check sample=10")
        #expect(checked.error == nil, "\(checked.error?.message ?? "")")
        #expect(checked.resultText.contains("2 of 5 entries of \(folder) re-trained under the \(Self.here) kernels (2 against their \(Self.here) witnesses), all agree"),
                "\(checked.resultText)")
        #expect(checked.resultText.contains("3 skipped: 3 made under the Elsewhere kernels, with no \(Self.here) witness"))

        // The rest, the train's tensors among them; those already witnessed are left as they are.
        let rest = engine.run("cache witness")
        #expect(rest.error == nil && rest.resultText.contains("3 of 5 entries")
                && rest.resultText.contains("2 skipped: 2 witnessed under the \(Self.here) kernels already"), "\(rest.resultText)")
        #expect(rest.resultText.split(separator: "\n").contains { $0.contains("trained tensors") && $0.hasSuffix("yes") }, "\(rest.resultText)")
        #expect(rest.resultText.contains("beside the entries, 3 numbers beyond the tolerance"), "each entry's moved final loss:\n\(rest.resultText)")
        #expect(Set(firstTwo).isSubset(of: Set(Self.witnesses(cache))))
        #expect(Self.witnesses(cache).filter { $0.hasSuffix(".safetensors") }.count == 1)
        let all = engine.run("cache check")
        #expect(all.error == nil && all.resultText.contains("5 of 5 entries") && all.resultText.contains("(5 against their \(Self.here) witnesses), all agree"),
                "\(all.resultText)")
    }

    @Test func anEditedOrMisplacedWitnessIsCaught() throws {
        let (engine, folder, cache) = try Self.elsewhereCache()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try #require(engine.run("cache witness").error == nil)

        // A witness's loss edited beyond the tolerance: `cache check` fails and names the entry.
        let entries = cache.entryFiles()
        let compareEntry = try #require(try entries.first { try RunCacheEntry.decode(Data(contentsOf: $0)).specification.keepsWeights != true })
        let key = compareEntry.deletingPathExtension().lastPathComponent
        let witnessFile = cache.witnessFile(for: key, kernels: Self.here)
        let honest = try Data(contentsOf: witnessFile)
        var witness = try RunCacheEntry.decode(honest)
        witness.result.fineTuningEvaluation!.loss += 0.5
        try witness.encoded().write(to: witnessFile)
        let edited = engine.run("cache check")
        #expect(edited.error?.message.contains("cache check: 1 number of the cache \(folder) differ") == true, "\(edited.error?.message ?? "no error")")
        let table = edited.displays.last?.plainText ?? ""
        #expect(table.split(separator: "\n").contains { $0.hasPrefix(key.prefix(12)) && $0.contains("eval finetune") && $0.hasSuffix("NO") }, "\(table)")

        // Another entry's witness under this one's name: skipped with the reason, never compared.
        let other = try #require(entries.first { $0 != compareEntry && !$0.lastPathComponent.hasPrefix(key) })
        try Data(contentsOf: cache.witnessFile(for: other.deletingPathExtension().lastPathComponent, kernels: Self.here)).write(to: witnessFile)
        let misplaced = engine.run("cache check")
        #expect(misplaced.error == nil && misplaced.resultText.contains("4 of 5 entries")
                && misplaced.resultText.contains("1 made under the Elsewhere kernels; its \(Self.here) witness holds another run's specification"),
                "\(misplaced.resultText)")
        try honest.write(to: witnessFile)

        // A train's witness without its tensors: skipped, and `cache witness` records it again.
        let trainEntry = try #require(try entries.first { try RunCacheEntry.decode(Data(contentsOf: $0)).specification.keepsWeights == true })
        let trainKey = trainEntry.deletingPathExtension().lastPathComponent
        try FileManager.default.removeItem(at: cache.witnessWeightsFile(for: trainKey, kernels: Self.here))
        let missing = engine.run("cache check")
        #expect(missing.error == nil && missing.resultText.contains("4 of 5 entries")
                && missing.resultText.contains("\(trainKey).\(Self.here).safetensors, the witness's trained tensors, is missing"), "\(missing.resultText)")
        let again = engine.run("cache witness")
        #expect(again.error == nil && again.resultText.contains("1 of 5 entries"), "\(again.resultText)")
        #expect(engine.run("cache check").resultText.contains("5 of 5 entries"))
    }

    @Test func entriesOfThisFamilyNeedNoWitness() throws {
        let folder = RunCacheTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let engine = RunCacheTests.prepared(cache: folder)
        try #require(engine.run(RunCacheTests.compare).error == nil)
        let outcome = engine.run("cache witness")
        #expect(outcome.error == nil && outcome.resultText.contains("0 of 4 entries")
                && outcome.resultText.contains("4 skipped: 4 made under this machine's \(Self.here) kernels (it needs no witness)"), "\(outcome.resultText)")
        #expect(Self.witnesses(RunCache(written: folder, folder: URL(fileURLWithPath: folder))).isEmpty)
    }
}

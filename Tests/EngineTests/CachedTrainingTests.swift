@testable import Engine
import Checkpoint
import Foundation
import LinearAlgebra
import MiniMind
import Testing

/// `train` with a run cache: a fresh adaptation trained once is an
/// independent run, kept with its trained tensors, and a session that reads
/// it is the session that trained it — weights, losses, data order, and (once
/// `step` wants them) AdamW's moments; anything else trains as before.
@Suite struct CachedTrainingTests {
    static let setup = """
        model tiny dim=32 layers=2 heads=4 kv_heads=2 ffn=48 seq=64
        data pretrain builtin:tinystories
        data finetune builtin:identity
        """

    static func session(cache: String?) -> Engine {
        let engine = Engine.forTesting()
        let result = engine.run(setup + (cache.map { "\nset cache=\"\($0)\"" } ?? ""))
        #expect(result.error == nil, "\(result.error?.message ?? "")")
        return engine
    }

    static func run(_ engine: Engine, _ commands: String) -> Transcript {
        let result = engine.run(commands)
        #expect(result.error == nil, "\(commands): \(result.error?.message ?? "")")
        return result
    }

    static func files(_ folder: String, ending suffix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(suffix) }.sorted()
    }

    /// Trains in a session without a cache, in one with an empty cache (which
    /// stores the run), and in one that reads it; then steps on in all three.
    func expectCachedEqualsTrained(adapt: String) throws {
        let folder = RunCacheTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let train = "\(adapt)\ntrain steps=3 batch=2"
        let plain = Self.session(cache: nil), storing = Self.session(cache: folder)
        Self.run(plain, train)
        let stored = Self.run(storing, train)
        #expect(stored.resultText.contains("stored in the cache \(folder)"), "\(stored.resultText)")
        #expect(Self.files(folder, ending: ".json").count == 1 && Self.files(folder, ending: ".safetensors").count == 1)

        let reading = Self.session(cache: folder)
        let read = Self.run(reading, train)
        #expect(read.resultText.contains("3 steps read from the cache \(folder)"), "\(read.resultText)")
        #expect(!read.stderr.contains("step 3/3") && !read.stdout.contains("step 3/3"), "nothing trained: no progress")
        #expect(read.resultText.split(separator: ",").last == stored.resultText.split(separator: ";").first?.split(separator: ",").last,
                "the same losses")
        // Everything but AdamW's moments, which wait until they are wanted.
        #expect(SessionFingerprint(reading).changedParts(from: SessionFingerprint(storing)) == ["lab.optimizer"])
        #expect(SessionFingerprint(storing).changedParts(from: SessionFingerprint(plain)) == ["cache"])

        let stepped = Self.run(reading, "step 2 batch=2")
        #expect(stepped.resultText.contains("optimizer state was rebuilt by training it again"), "\(stepped.resultText)")
        Self.run(storing, "step 2 batch=2")
        #expect(SessionFingerprint(reading) == SessionFingerprint(storing), "\(SessionFingerprint(reading).changedParts(from: SessionFingerprint(storing)))")
        #expect(Self.files(folder, ending: ".json").count == 1, "step stores nothing")
    }

    @Test func aCachedLoRATrainIsTheTrainedOneAndItsOptimizerIsRebuiltForStep() throws {
        try expectCachedEqualsTrained(adapt: "lora targets=q,v rank=2")
    }

    @Test func aCachedFullFineTuningIsTheTrainedOne() throws {
        try expectCachedEqualsTrained(adapt: "finetune targets=ffn")
    }

    @Test func onlyAFreshAdaptationTrainedFromItsSeedIsCached() throws {
        let folder = RunCacheTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let engine = Self.session(cache: folder)
        Self.run(engine, "run save base")
        let notCached = [
            "lora targets=q rank=2\nstep 1 batch=2\ntrain steps=2 batch=2",        // a step was taken first
            "lora targets=q rank=2\nset seed=7\ntrain steps=2 batch=2",            // batches drawn with another seed than the init
            "lora targets=q rank=2 dropout=0.1\ntrain steps=2 batch=2",            // dropout's stream is not kept
            "lora targets=q rank=2 layers=0\ntrain steps=2 batch=2",               // layers= is not part of a run's specification
            "lora targets=q rank=2\nlora targets=v rank=4\ntrain steps=2 batch=2", // two adaptations
            "lora targets=q rank=2 init=pissa\ntrain steps=2 batch=2",             // PiSSA rewrites the base
        ]
        for commands in notCached {
            let result = Self.run(engine, "run load base\nset seed=42\n" + commands)
            #expect(!result.resultText.contains("cache"), "\(commands): \(result.resultText)")
        }
        #expect(Self.files(folder, ending: ".json").isEmpty)
        // The same adapter, freshly attached and trained from its seed, is.
        Self.run(engine, "run load base\nlora targets=q rank=2\ntrain steps=2 batch=2")
        #expect(Self.files(folder, ending: ".json").count == 1)
    }

    @Test func aDamagedTensorFileIsAMissAndCacheCheckCatchesAnEditedTensor() throws {
        let folder = RunCacheTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let train = "lora targets=q,v rank=2\ntrain steps=3 batch=2"
        let first = Self.session(cache: folder)
        Self.run(first, train)
        let honest = Self.run(first, "cache check")
        #expect(honest.resultText.contains("1 of 1 entry of \(folder) re-trained under the \(BLASKernelSelection.coreName) kernels, all agree"), "\(honest.resultText)")
        #expect(honest.resultText.split(separator: "\n").contains { $0.contains("trained tensors") && $0.hasSuffix("yes") }, "\(honest.resultText)")

        let key = try #require(Self.files(folder, ending: ".json").first).dropLast(5)
        let tensors = URL(fileURLWithPath: folder).appendingPathComponent(key + ".safetensors")
        let entryURL = URL(fileURLWithPath: folder).appendingPathComponent(key + ".json")
        var bytes = try Data(contentsOf: tensors)
        bytes[bytes.count - 1] ^= 0x40
        try bytes.write(to: tensors)
        let damaged = Self.run(Self.session(cache: folder), train)
        #expect(damaged.stderr.contains("is not the file its entry was written with"), "\(damaged.stderr)")
        #expect(damaged.resultText.contains("stored in the cache"), "trained again and stored: \(damaged.resultText)")

        // A tensor edited beyond the tolerance, under a matching hash: `cache check` says which entry.
        var contents = try SafeTensorsReader.read(contentsOf: tensors).tensors
        let name = try #require(contents.keys.sorted().first { $0.contains("lora_B") || $0.hasSuffix(".b") } ?? contents.keys.sorted().first)
        contents[name]!.values = contents[name]!.values.map { $0 * 1.5 + 0.01 }
        let edited = Data(SafeTensorsWriter.encode(contents, as: .f32))
        try edited.write(to: tensors)
        var entry = try RunCacheEntry.decode(Data(contentsOf: entryURL))
        entry.weights = RunCache.hash(edited)
        try entry.encoded().write(to: entryURL)
        let check = first.run("cache check")
        #expect(check.error?.message.contains("1 number of the cache \(folder) differ") == true, "\(check.error?.message ?? "no error")")
        #expect(check.displays.last?.plainText.split(separator: "\n").contains { $0.contains("trained tensors") && $0.hasSuffix("NO") } == true,
                "\(check.displays.last?.plainText ?? "")")
    }

    @Test func aRunFolderOfACachedTrainKeepsTheRebuiltOptimizer() throws {
        let folder = RunCacheTests.folder(), runFolder = RunCacheTests.folder()
        defer {
            try? FileManager.default.removeItem(atPath: folder)
            try? FileManager.default.removeItem(atPath: runFolder)
        }
        let train = "lora targets=q,v rank=2\ntrain steps=3 batch=2"
        Self.run(Self.session(cache: folder), train)
        let reading = Self.session(cache: folder)
        Self.run(reading, train)
        let saved = Self.run(reading, "run save cached to \"\(runFolder)\"")
        #expect(saved.resultText.contains("with the optimizer after 3 steps"), "\(saved.resultText)")
        let moments = try SafeTensorsReader.read(contentsOf: URL(fileURLWithPath: runFolder).appendingPathComponent("optimizer.safetensors"))
        #expect(moments.tensors.values.contains { $0.values.contains { $0 != 0 } })
    }
}

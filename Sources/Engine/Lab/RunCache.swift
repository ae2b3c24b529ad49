import Corpus
import Crypto
import Foundation
import LinearAlgebra
import MiniMind

/// A folder of finished independent runs (`set cache="runs/02"`), one JSON
/// file per run, named by the SHA-256 of the run's complete specification
/// (docs/design.md, "Run cache"). A run whose specification is in the folder
/// is read instead of trained; its numbers are the ones a training would
/// give, which `cache check` verifies by training a sample again.
struct RunCache {
    /// Bump whenever a change alters what a run computes (a kernel, the
    /// optimizer, batching, evaluation, initialisation, the tokenizer): it is
    /// part of every key, so entries made before the change stop matching
    /// instead of passing stale numbers off as new ones.
    static let numericsVersion = 1

    /// As the user wrote it (`runs/02`), for messages and footers.
    var written: String
    var folder: URL

    /// Opens (creating it) the folder `written`, relative to the current directory.
    static func open(_ written: String) throws(CommandFailure) -> RunCache {
        let path = (written as NSString).expandingTildeInPath
        let folder = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure(.command, "cannot use '\(written)' as the run cache: \(error.localizedDescription)")
        }
        // Creating a folder is not writing into it (a read-only mount, a folder of someone else's).
        let probe = folder.appendingPathComponent(".write-test-\(ProcessInfo.processInfo.processIdentifier)")
        guard FileManager.default.createFile(atPath: probe.path, contents: Data()) else {
            throw CommandFailure(.command, "cannot use '\(written)' as the run cache: the folder is not writable")
        }
        try? FileManager.default.removeItem(at: probe)
        return RunCache(written: written, folder: folder)
    }

    /// The entry files (`<64 hex digits>.json`), sorted by name.
    func entryFiles() -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && $0.count == 64 + 5 }.sorted().map { folder.appendingPathComponent($0) }
    }

    func file(for key: String) -> URL { folder.appendingPathComponent(key + ".json") }

    /// The stored result of `specification`; nil and a warning when the entry
    /// is missing (no warning), unreadable or not this specification's.
    func lookup(_ specification: RunSpecification) -> (result: IndependentRunResult?, warning: String?) {
        let found = entry(for: specification)
        return (found.entry?.result, found.warning)
    }

    /// The whole entry of `specification` (a `train`'s names its tensors' hash), on the same terms as `lookup`.
    func entry(for specification: RunSpecification) -> (entry: RunCacheEntry?, warning: String?) {
        let url = file(for: specification.key)
        guard let data = FileManager.default.contents(atPath: url.path) else { return (nil, nil) }
        do {
            let entry = try RunCacheEntry.decode(data)
            guard entry.specification == specification else {
                return (nil, "run cache: \(url.lastPathComponent) holds another run's specification; training it again")
            }
            return (entry, nil)
        } catch {
            return (nil, "run cache: \(url.lastPathComponent) is unreadable (\(error)); training it again")
        }
    }

    /// Writes the entry whole or not at all (a temporary file renamed over the name).
    func store(_ entry: RunCacheEntry) throws(CommandFailure) {
        var entry = entry
        entry.kernels = entry.kernels ?? BLASKernelSelection.coreName
        do {
            try entry.encoded().write(to: file(for: entry.specification.key), options: .atomic)
        } catch {
            throw CommandFailure(.command, "run cache \(written): cannot write an entry: \(error.localizedDescription)")
        }
    }
}

/// Everything that decides an independent run's numbers, as stored beside
/// them and hashed into the entry's name. Optional fields may be absent in
/// older entries (decoding stays tolerant when a field is added).
struct RunSpecification: Codable, Equatable {
    var numericsVersion: Int
    /// SHA-256 of the base's config and every weight's bytes.
    var baseModel: String
    var data: DataFingerprint
    /// The pre-training data whose held-out loss after fine-tuning is "forgetting"; nil without one.
    var pretrainingData: DataFingerprint?
    /// The selector as written (`q,v`) and the matrices it resolved to on the base.
    var targets: String
    var matrices: [String]
    /// `full` for full fine-tuning; nil (absent from the JSON) for LoRA, so
    /// that LoRA entries keep the keys they had before full runs existed, and a
    /// full run never matches a LoRA entry. A full run's LoRA fields below are
    /// the neutral values of `neutralForFullFineTuning`.
    var method: FineTuningMethod?
    var rank: Int
    var alpha: Float
    var dropout: Float
    var initialization: String
    var rsLoRA: Bool
    var dora: Bool
    var learningRate: Double
    var steps: Int
    var batch: Int
    var seqLen: Int
    var seed: UInt64
    var evaluationTokens: Int?
    var evaluationBatches: Int?
    var measuresValidation: Bool
    var measuresExactMatch: Bool
    var mayDiverge: Bool
    /// True for a `train`'s entry, which keeps the trained tensors beside its
    /// losses (`<key>.safetensors`) and measures nothing else; nil (absent)
    /// for `compare`'s and `sweep`'s, which keep numbers only.
    var keepsWeights: Bool?

    /// Hex SHA-256 of the canonical JSON (sorted keys): the entry's file name.
    var key: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = RunCacheEntry.nonFinite
        let bytes = (try? encoder.encode(self)) ?? Data()
        return SHA256.hash(data: bytes).hex
    }

    /// The `initialization` of a full run, which has no adapter to initialise.
    static let neutralForFullFineTuning = "none"

    init(_ run: IndependentRun, base: BaseFingerprint, data: DataFingerprint, pretraining: DataFingerprint?) {
        numericsVersion = RunCache.numericsVersion
        baseModel = base.hash
        self.data = data
        pretrainingData = pretraining
        targets = run.targets
        matrices = base.model.selectedLinears(run.selector).map(\.name)
        let full = run.method == .full
        method = full ? .full : nil
        rank = full ? 0 : run.lora.rank
        alpha = full ? 0 : run.lora.alpha
        dropout = full ? 0 : run.lora.dropout
        initialization = full ? Self.neutralForFullFineTuning : run.lora.initialization.rawValue
        rsLoRA = full ? false : run.lora.rsLoRA
        dora = full ? false : run.lora.dora
        learningRate = run.learningRate
        steps = run.steps
        batch = run.batch
        seqLen = run.seqLen
        seed = run.seed
        evaluationTokens = run.evaluation.tokens
        evaluationBatches = run.evaluation.batches
        measuresValidation = run.measuresValidation
        measuresExactMatch = run.measuresExactMatch
        mayDiverge = run.mayDiverge
    }
}

/// A data set as a key sees it: where it came from and a hash of its tokens.
struct DataFingerprint: Codable, Equatable {
    /// `builtin:identity` or the path as written.
    var source: String
    /// SHA-256 of the kind, the end-of-text id and every split's token ids and loss masks.
    var tokens: String

    init(_ choice: DataChoice) {
        source = choice.source
        var hasher = SHA256()
        let dataset = choice.dataset
        hasher.update(data: Data("\(dataset.kind.rawValue) eot=\(dataset.endOfText)".utf8))
        for split in DatasetSplit.allCases {
            let documents = dataset.documents(in: split)
            hasher.update(data: Data("\n\(split.rawValue) \(documents.count)".utf8))
            for document in documents {
                withUnsafeBytes(of: Int64(document.tokens.count).littleEndian) { hasher.update(bufferPointer: $0) }
                document.tokens.map(\.littleEndian).withUnsafeBytes { hasher.update(bufferPointer: $0) }
                document.lossMask.map { UInt8($0 ? 1 : 0) }.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            }
        }
        tokens = hasher.finalize().hex
    }
}

/// A base model and the SHA-256 of its config and weights. Computed once per
/// command that performs runs (a tiny model hashes in milliseconds); the
/// session's model can be trained in place between commands, so a hash kept
/// longer would need the weights' every writer to invalidate it.
struct BaseFingerprint {
    var model: Model
    var hash: String

    init(_ model: Model) {
        self.model = model
        var hasher = SHA256()
        hasher.update(data: Data(String(describing: model.config).utf8))
        for parameter in model.parameters {
            hasher.update(data: Data("\n\(parameter.name) \(parameter.rows)x\(parameter.cols)\n".utf8))
            let values = parameter.value
            hasher.update(bufferPointer: UnsafeRawBufferPointer(start: values.pointer, count: values.count * MemoryLayout<Float>.size))
        }
        hash = hasher.finalize().hex
    }
}

/// One file of the cache: the specification, readable, beside the results.
struct RunCacheEntry: Codable {
    var specification: RunSpecification
    var result: IndependentRunResult
    /// SHA-256 of the trained tensors' file, for a `train`'s entry.
    var weights: String? = nil
    /// The OpenBLAS kernel family that computed it (`Haswell`): another family
    /// sums in another order, and `cache check` holds an entry to its numbers
    /// only under the family that made it, and under another to the entry's
    /// witness of that family (RunCache+Witnesses.swift; docs/design.md, "Across processors").
    var kernels: String? = nil

    /// Losses of a diverged run may be infinite or NaN; JSON has no word for them.
    static let nonFinite = JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

    /// Pretty, sorted JSON. Swift writes each Float and Double as the shortest
    /// decimal that reads back as the same value, so numbers round-trip exactly.
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = Self.nonFinite
        return try encoder.encode(self)
    }

    static func decode(_ data: Data) throws -> RunCacheEntry {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(RunCacheEntry.self, from: data)
    }
}

extension DatasetSplit: Codable {}

/// How `perform` used the cache, for the footer of compare and sweep.
struct CacheUse {
    var written: String
    var fromCache: Int
    var trained: Int
    /// Unreadable entries, each treated as a miss.
    var warnings: [String]

    /// `12 runs: 9 from the cache runs/02, 3 trained`
    var description: String {
        "\(fromCache + trained) run\(fromCache + trained == 1 ? "" : "s"): \(fromCache) from the cache \(written), \(trained) trained"
    }
}

extension Digest {
    /// Lower-case hex: how every hash of the cache (keys, bases, data, tensor
    /// files) is written.
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}

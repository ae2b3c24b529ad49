import Checkpoint
import Corpus
import Foundation
import LinearAlgebra
import MiniMind

/// `cache`: what the folder holds.
struct CacheSummary {
    var written: String
    var folder: String
    var entries: Int
    /// Witnesses kept beside the entries, by kernel family (RunCache+Witnesses.swift).
    var witnesses: [String: Int]
    var numericsVersion: Int
}

/// `cache check` and `cache witness`: how many entries to re-train, drawn with which seed.
struct CacheCheckOptions {
    var sample: Int
    var seed: UInt64
    /// `cache witness`: re-train entries of other kernel families that have
    /// no witness of this machine's, and keep what comes out as their witnesses.
    var recordsWitnesses = false
    var verbLocation: SourceLocation

    var verb: String { recordsWitnesses ? "cache witness" : "cache check" }
}

/// One compared number of a re-trained entry.
struct CacheCheckRow {
    var entry: String
    var what: String
    var cached: String
    var recomputed: String
    var difference: String
    var ok: Bool
}

struct CacheCheckResult {
    var written: String
    /// The OpenBLAS kernel family this machine runs, which the checked entries (or their witnesses) were made under.
    var kernels: String
    var recordedWitnesses: Bool
    var entries: Int
    /// Entries re-trained.
    var checked: Int
    /// Of those, the entries of other families held to their witnesses of this machine's family.
    var againstWitnesses: Int
    /// Entries that could not be rebuilt here, with why (another base, a changed file, …).
    var skipped: [(entry: String, reason: String)]
    var rows: [CacheCheckRow]
    var failures: Int { rows.filter { !$0.ok }.count }
}

extension Lab {
    /// `set cache="runs/02"` (opening, and creating, the folder) or `set cache=off`.
    mutating func setCache(_ written: String) throws(CommandFailure) {
        state.cache = written == "off" ? nil : try RunCache.open(written)
    }

    func cacheSummary() throws(CommandFailure) -> CacheSummary {
        let cache = try requireCache()
        return CacheSummary(written: cache.written, folder: cache.folder.path, entries: cache.entryFiles().count,
                            witnesses: cache.witnessCounts(), numericsVersion: RunCache.numericsVersion)
    }

    /// Short runs under other BLAS kernels (which sum in another order) differ by about this much; runs
    /// that wreck the base or run long differ by more (docs/design.md, "Across processors").
    static func withinCacheTolerance(_ cached: Double, _ recomputed: Double) -> Bool {
        if cached.isNaN || recomputed.isNaN { return cached.isNaN && recomputed.isNaN }
        if cached == recomputed { return true }
        return abs(cached - recomputed) <= 0.005 + 0.02 * abs(cached)
    }

    /// Re-trains a seeded random sample of the entries this session can rebuild
    /// (its model is the entry's base; its data sources load to the hashed
    /// tokens), ignoring the cache, and compares every number: with the
    /// entry's own when this machine runs the kernels that made it, with the
    /// entry's witness of this machine's kernels when it has one. Recording
    /// witnesses, it re-trains entries of other kernels instead, keeps each
    /// result as the entry's witness and compares it with the entry only to
    /// show how far the families drift apart.
    func checkCache(_ options: CacheCheckOptions, observer: TrainingObserver?) throws(CommandFailure) -> CacheCheckResult {
        let cache = try requireCache()
        // The entries were made on the base: the session's model without its adapters or full fine-tuning.
        guard let base = Self.baseBeforeAdaptation(try requireModel().model) else {
            throw CommandFailure(.command, "the model carries both adapters and fully tuned weights; `run load` its base first")
        }
        let tokenizer = try requireModel().tokenizer
        let fingerprint = BaseFingerprint(base)
        let kernels = BLASKernelSelection.coreName
        let files = cache.entryFiles()
        var skipped: [(String, String)] = []
        var candidates: [CheckCandidate] = []
        for file in files {
            let name = String(file.deletingPathExtension().lastPathComponent.prefix(12))
            guard let data = FileManager.default.contents(atPath: file.path), let entry = try? RunCacheEntry.decode(data) else {
                skipped.append((name, "unreadable"))
                continue
            }
            guard entry.specification.key == file.deletingPathExtension().lastPathComponent else {
                skipped.append((name, "its name is not its specification's hash"))
                continue
            }
            guard entry.specification.baseModel == fingerprint.hash else {
                skipped.append((name, "another base model (\(entry.specification.baseModel.prefix(12)))"))
                continue
            }
            let madeHere = entry.kernels?.lowercased() == kernels.lowercased()
            let made = entry.kernels ?? "unrecorded"
            // Under other kernels a training is another computation, whose drift no tolerance bounds (docs/design.md).
            switch (options.recordsWitnesses, madeHere, cache.witness(of: entry, kernels: kernels)) {
            case (false, true, _):
                candidates.append(CheckCandidate(name: name, entry: entry, reference: entry, referenceIsWitness: false))
            case (false, false, .found(let witness)):
                candidates.append(CheckCandidate(name: name, entry: entry, reference: witness, referenceIsWitness: true))
            case (false, false, .absent):
                skipped.append((name, "made under the \(made) kernels, with no \(kernels) witness (this machine runs \(kernels))"))
            case (false, false, .unusable(let why)):
                skipped.append((name, "made under the \(made) kernels; \(why)"))
            case (true, true, _):
                skipped.append((name, "made under this machine's \(kernels) kernels (it needs no witness)"))
            case (true, false, .found):
                skipped.append((name, "witnessed under the \(kernels) kernels already"))
            case (true, false, _):
                candidates.append(CheckCandidate(name: name, entry: entry, reference: entry, referenceIsWitness: false))
            }
        }
        var generator = SeededGenerator(seed: options.seed)
        candidates.shuffle(using: &generator)
        var rows: [CacheCheckRow] = []
        var checked = 0, againstWitnesses = 0
        var rebuilt: [String: DataChoice] = [:]
        for candidate in candidates {
            if checked == options.sample { break }
            let name = candidate.name, specification = candidate.entry.specification
            let data: DataChoice, pretraining: DataChoice?, run: IndependentRun
            do throws(CacheRebuildFailure) {
                data = try Self.rebuild(specification.data, tokenizer: tokenizer, memo: &rebuilt)
                pretraining = try specification.pretrainingData.map { fingerprint throws(CacheRebuildFailure) in
                    try Self.rebuild(fingerprint, tokenizer: tokenizer, memo: &rebuilt)
                }
                run = try Self.rebuildRun(specification, on: base)
            } catch {
                skipped.append((name, error.reason))
                continue
            }
            // The entry's own context: its pre-training data (or none) for the forgetting eval, no cache.
            var checker = self
            checker.state.pretrainData = pretraining
            checker.state.cache = nil
            let recomputed: IndependentRunResult
            if specification.keepsWeights == true {
                let cachedTensors: [String: StoredTensor]
                switch cache.readWeights(of: candidate.reference, asWitness: candidate.referenceIsWitness) {
                case .success(let tensors): cachedTensors = tensors
                case .failure(let problem):
                    skipped.append((name, problem.reason))
                    continue
                }
                observer?.began(ObservedRun(name: "train \(run.targets) \(run.method == .full ? "full" : "r=\(run.lora.rank)")", steps: run.steps))
                let fitted = try checker.fit(run, on: base, data: data, verb: options.verb, verbLocation: options.verbLocation,
                                             observer: observer, keepsInitialValues: true)
                recomputed = Self.trainingResult(fitted.model, fitted.outcome)
                rows += Self.compare(name, cached: candidate.reference.result, recomputed: recomputed)
                rows.append(Self.compareTensors(name, cached: cachedTensors, recomputed: fitted))
                if options.recordsWitnesses {
                    try cache.storeWitness(specification, result: recomputed, tensors: Self.trainedTensors(fitted.model))
                }
            } else {
                recomputed = try checker.execute([run], on: base, data: data, verb: options.verb, verbLocation: options.verbLocation,
                                                 observer: observer)[0]
                rows += Self.compare(name, cached: candidate.reference.result, recomputed: recomputed)
                if options.recordsWitnesses {
                    try cache.storeWitness(specification, result: recomputed, tensors: nil)
                }
            }
            checked += 1
            if candidate.referenceIsWitness { againstWitnesses += 1 }
        }
        return CacheCheckResult(written: cache.written, kernels: kernels, recordedWitnesses: options.recordsWitnesses, entries: files.count,
                                checked: checked, againstWitnesses: againstWitnesses, skipped: skipped, rows: rows)
    }

    /// An entry to re-train and the numbers to hold it to: the entry's own, or its witness's.
    private struct CheckCandidate {
        var name: String
        var entry: RunCacheEntry
        var reference: RunCacheEntry
        var referenceIsWitness: Bool
    }

    private func requireCache() throws(CommandFailure) -> RunCache {
        guard let cache = state.cache else {
            throw CommandFailure(.command, "no run cache: turn one on with `set cache=\"runs/02\"`")
        }
        return cache
    }

    private struct CacheRebuildFailure: Error { var reason: String }

    /// Loads the source again and checks that it gives the very tokens hashed into the entry.
    private static func rebuild(_ fingerprint: DataFingerprint, tokenizer: ModelTokenizer,
                                memo: inout [String: DataChoice]) throws(CacheRebuildFailure) -> DataChoice {
        let choice: DataChoice
        if let known = memo[fingerprint.source] {
            choice = known
        } else {
            do {
                choice = try load(fingerprint.source, tokenizer: tokenizer, at: SourceLocation(line: 1, column: 1, offset: 0))
            } catch {
                throw CacheRebuildFailure(reason: "cannot load \(fingerprint.source): \(error.message)")
            }
            memo[fingerprint.source] = choice
        }
        guard DataFingerprint(choice) == fingerprint else {
            throw CacheRebuildFailure(reason: "\(fingerprint.source) no longer holds the tokens the run saw")
        }
        return choice
    }

    private static func rebuildRun(_ specification: RunSpecification, on base: Model) throws(CacheRebuildFailure) -> IndependentRun {
        let words = specification.targets.split(separator: ",").map(String.init)
        let selector: TargetSelector
        do {
            selector = try SelectorParsing.selector(words, layers: nil, model: base, at: SourceLocation(line: 1, column: 1, offset: 0))
        } catch {
            throw CacheRebuildFailure(reason: "targets \(specification.targets): \(error.message)")
        }
        guard base.selectedLinears(selector).map(\.name) == specification.matrices else {
            throw CacheRebuildFailure(reason: "targets \(specification.targets) select other matrices here")
        }
        if specification.method == .full {
            return IndependentRun(targets: specification.targets, selector: selector, lora: LoRAConfig(rank: 1), method: .full,
                                  learningRate: specification.learningRate, steps: specification.steps, batch: specification.batch,
                                  seqLen: specification.seqLen, seed: specification.seed,
                                  evaluation: Evaluation.Budget(tokens: specification.evaluationTokens, batches: specification.evaluationBatches),
                                  measuresValidation: specification.measuresValidation, measuresExactMatch: specification.measuresExactMatch,
                                  mayDiverge: specification.mayDiverge,
                                  name: "\(specification.targets) full seed=\(specification.seed)")
        }
        guard let initialization = LoRAInitialization(rawValue: specification.initialization) else {
            throw CacheRebuildFailure(reason: "unknown init \(specification.initialization)")
        }
        return IndependentRun(targets: specification.targets, selector: selector,
                              lora: LoRAConfig(rank: specification.rank, alpha: specification.alpha, dropout: specification.dropout,
                                               initialization: initialization, rsLoRA: specification.rsLoRA, dora: specification.dora),
                              learningRate: specification.learningRate, steps: specification.steps, batch: specification.batch,
                              seqLen: specification.seqLen, seed: specification.seed,
                              evaluation: Evaluation.Budget(tokens: specification.evaluationTokens, batches: specification.evaluationBatches),
                              measuresValidation: specification.measuresValidation, measuresExactMatch: specification.measuresExactMatch,
                              mayDiverge: specification.mayDiverge,
                              name: "\(specification.targets) r=\(specification.rank) seed=\(specification.seed)")
    }

    /// Trained tensors differ across processors as the losses do; this bounds
    /// the difference relative to what training changed, ‖cached − recomputed‖ / ‖recomputed − initial‖.
    static let tensorTolerance = 0.05

    /// One row for a `train`'s tensors: the same names and shapes, and the
    /// largest difference relative to the change training made.
    private static func compareTensors(_ entry: String, cached: [String: StoredTensor], recomputed: FittedRun) -> CacheCheckRow {
        let trained = recomputed.model.trainableParameters
        guard Set(cached.keys) == Set(trained.map(\.name)),
              trained.allSatisfy({ cached[$0.name]!.elementCount == $0.count }) else {
            return CacheCheckRow(entry: entry, what: "trained tensors", cached: "\(cached.count) tensors", recomputed: "\(trained.count) tensors",
                                 difference: "other tensors", ok: false)
        }
        var worst = 0.0
        for parameter in trained {
            let stored = cached[parameter.name]!.values, now = parameter.value.array
            let initial = recomputed.initialValues[parameter.name] ?? Array(repeating: 0, count: now.count)
            var difference = 0.0, change = 0.0
            for i in now.indices {
                difference += Double(stored[i] - now[i]) * Double(stored[i] - now[i])
                change += Double(now[i] - initial[i]) * Double(now[i] - initial[i])
            }
            let relative = difference == 0 ? 0 : (change == 0 ? .infinity : (difference / change).squareRoot())
            worst = max(worst, relative)
        }
        return CacheCheckRow(entry: entry, what: "trained tensors", cached: "\(cached.count) tensors", recomputed: "\(trained.count) tensors",
                             difference: worst == 0 ? "0" : String(format: "%.1e of the change", worst), ok: worst <= tensorTolerance)
    }

    /// A row per number: losses within the tolerance, counts and divergence exactly.
    private static func compare(_ entry: String, cached: IndependentRunResult, recomputed: IndependentRunResult) -> [CacheCheckRow] {
        func loss(_ what: String, _ a: Double?, _ b: Double?) -> CacheCheckRow {
            let shown = { (value: Double?) in value.map { String(format: "%.5f", $0) } ?? "—" }
            let ok = switch (a, b) {
            case (nil, nil): true
            case let (a?, b?): withinCacheTolerance(a, b)
            default: false
            }
            let difference = if let a, let b { String(format: "%+.5f", b - a) } else { ok ? "0" : "missing" }
            return CacheCheckRow(entry: entry, what: what, cached: shown(a), recomputed: shown(b), difference: difference, ok: ok)
        }
        func exact(_ what: String, _ a: String, _ b: String) -> CacheCheckRow {
            CacheCheckRow(entry: entry, what: what, cached: a, recomputed: b, difference: a == b ? "0" : "differs", ok: a == b)
        }
        return [
            exact("matrices", String(cached.matrices), String(recomputed.matrices)),
            exact("parameters", String(cached.parameters), String(recomputed.parameters)),
            exact("steps", String(cached.losses.count), String(recomputed.losses.count)),
            exact("divergence", cached.divergence ?? "none", recomputed.divergence ?? "none"),
            loss("final loss", Double(cached.finalLoss), Double(recomputed.finalLoss)),
            loss("validation", cached.validation?.loss, recomputed.validation?.loss),
            loss("eval finetune", cached.fineTuningEvaluation?.loss, recomputed.fineTuningEvaluation?.loss),
            loss("eval pretrain", cached.pretrainingEvaluation?.loss, recomputed.pretrainingEvaluation?.loss),
        ] + [("match seen", cached.exactMatchSeen, recomputed.exactMatchSeen),
             ("match unseen", cached.exactMatchUnseen, recomputed.exactMatchUnseen)].compactMap { what, a, b in
            // Greedy answers are all or nothing per question, so their counts must agree exactly.
            let shown = { (score: Evaluation.ExactMatch?) in score.map { "\($0.correct)/\($0.questions)" } ?? "—" }
            return a == nil && b == nil ? nil : exact(what, shown(a), shown(b))
        }
    }
}

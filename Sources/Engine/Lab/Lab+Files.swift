import Checkpoint
import Corpus
import Foundation
import MiniMind

/// A file or folder a command names: as written, resolved, and where it was written.
struct PathOption {
    var written: String
    var location: SourceLocation

    var url: URL { URL(fileURLWithPath: (written as NSString).expandingTildeInPath) }

    func failure(_ error: CheckpointError) -> CommandFailure {
        CommandFailure(.command, error.description, at: location)
    }
}

/// `save model`: where, in which storage type.
struct SaveModelOptions {
    var folder: PathOption
    var storage: SafeTensorsWriter.StorageType
}

struct SavedModel {
    var folder: URL
    var architecture: HuggingFaceConfig.Architecture
    var parameters: Int
    var storage: SafeTensorsWriter.StorageType
    var adapters: Int
    var adaptersMerged: Bool
}

struct LoadedModel {
    var folder: URL
    /// The folder as the command wrote it (a notebook's output should not carry one machine's absolute path).
    var written: String
    var loaded: HuggingFaceFolder.Loaded
    var tokenizer: ModelTokenizer
    /// Data sets tokenized again for the model's tokenizer.
    var retokenized: [String]
}

/// `save adapter`: where, and which base to record (nil: the folder the model came from).
struct SaveAdapterOptions {
    var folder: PathOption
    var base: String?
}

struct SavedAdapters {
    var folder: URL
    var count: Int
    /// DoRA adapters (PEFT's use_dora) rather than plain LoRA.
    var dora: Bool
    /// The base recorded, empty when none is known.
    var base: String
}

struct LoadedAdapters {
    var source: URL
    var adapters: [StoredAdapter]
    var ranks: [Int]
    var parameters: Int
}

/// `save logits`: where, and the text whose byte tokens run.
struct SaveLogitsOptions {
    var file: PathOption
    var text: String
    var textLocation: SourceLocation
}

struct SavedLogits {
    var file: URL
    var rows: Int
    var cols: Int
}

extension Lab {
    /// Where `.pth` and `pytorch_model.bin` files are read: torch.save's zip,
    /// through the restricted unpickler (a pickle is code; loading runs none).
    static let pyTorchReader: PyTorchStateDictReader? = { path in try TorchCheckpoint.read(path: path).tensors }

    /// Replaces the session's model by one read from a Hugging Face folder; a failed load changes nothing.
    mutating func loadModel(from folder: PathOption) throws(CommandFailure) -> LoadedModel {
        let loaded: HuggingFaceFolder.Loaded
        do {
            // Refused from its config.json, before a weight is allocated, when it will not fit.
            loaded = try HuggingFaceFolder.load(from: folder.url, pyTorchReader: Self.pyTorchReader) { config in
                MemoryBudget.live.refusal(config.modelEstimate, for: "this model (\(config.parameterCount.grouped) parameters)")
            }
        } catch {
            throw folder.failure(error)
        }
        let tokenizer = try ModelTokenizer.of(loaded, folder: folder.url)
        var lab = ModelLab(model: loaded.model, origin: "load \"\(folder.written)\"")
        lab.tokenizer = tokenizer
        let retokenized = try replaceModel(with: lab)
        return LoadedModel(folder: folder.url, written: folder.written, loaded: loaded, tokenizer: tokenizer, retokenized: retokenized)
    }

    func saveModel(_ options: SaveModelOptions) throws(CommandFailure) -> SavedModel {
        let lab = try requireModel()
        let folder = options.folder.url
        do {
            try HuggingFaceFolder.save(model: lab.model, to: folder, storage: options.storage, tokenizerFiles: lab.tokenizer.filesToSave,
                                       bosTokenID: Int(lab.tokenizer.tokenizer.endOfText), eosTokenID: Int(lab.tokenizer.tokenizer.imEnd))
        } catch { throw options.folder.failure(error) }
        let adapted = lab.model.adaptedLinears
        return SavedModel(folder: folder, architecture: HuggingFaceConfig.architecture(for: lab.model.config),
                          parameters: lab.model.parameterCount, storage: options.storage, adapters: adapted.count,
                          adaptersMerged: adapted.contains { $0.update!.isMerged })
    }

    func saveAdapters(_ options: SaveAdapterOptions) throws(CommandFailure) -> SavedAdapters {
        let lab = try requireModel()
        let base = options.base ?? Self.loadedFolder(lab.origin) ?? ""
        do { try PEFTAdapterFolder.save(model: lab.model, to: options.folder.url, baseModelPath: base) } catch {
            throw options.folder.failure(error)
        }
        let adapted = lab.model.adaptedLinears
        return SavedAdapters(folder: options.folder.url, count: adapted.count, dora: adapted.contains { $0.update?.kind == .dora }, base: base)
    }

    /// Attaches adapters from a PEFT folder or MiniMind file; every shape is checked before any is attached.
    mutating func loadAdapters(from source: PathOption) throws(CommandFailure) -> LoadedAdapters {
        var lab = try requireModel()
        let adapters: [StoredAdapter]
        do {
            adapters = try PEFTAdapterFolder.read(from: source.url, pyTorchReader: Self.pyTorchReader)
            try PEFTAdapterFolder.attach(adapters, to: lab.model)
        } catch { throw source.failure(error) }
        let ranks = Set(adapters.map(\.rank)).sorted()
        lab.adaptation = [lab.adaptation, "loaded \(source.url.lastPathComponent) rank=\(ranks.map(String.init).joined(separator: ","))"]
            .compactMap { $0 }.joined(separator: " + ")
        lab.recipe = nil
        lab.forgetOptimizer()
        state.lab = lab
        return LoadedAdapters(source: source.url, adapters: adapters, ranks: ranks,
                              parameters: adapters.reduce(0) { $0 + $1.a.elementCount + $1.b.elementCount + ($1.magnitude?.elementCount ?? 0) })
    }

    func saveLogits(_ options: SaveLogitsOptions) throws(CommandFailure) -> SavedLogits {
        let lab = try requireModel()
        let tokens = Array(lab.tokenizer.tokenizer.encode(options.text).prefix(lab.model.config.maxSeq))
        guard !tokens.isEmpty else { throw CommandFailure(.argument, "text= is empty", at: options.textLocation) }
        guard tokens.allSatisfy({ Int($0) < lab.model.config.vocabSize }) else {
            throw CommandFailure(.argument, "the text has tokens outside the model's vocabulary of \(lab.model.config.vocabSize)", at: options.textLocation)
        }
        let logits = lab.model.logits(tokens: tokens)
        let file = options.file.url
        try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        do {
            try SafeTensorsWriter.write(["logits": StoredTensor(shape: [logits.rows, logits.cols], values: logits.values),
                                         "tokens": StoredTensor(shape: [tokens.count], values: tokens.map(Float.init))], to: file)
        } catch { throw CommandFailure(.command, "\(file.path): \(error.description)", at: options.file.location) }
        return SavedLogits(file: file, rows: logits.rows, cols: logits.cols)
    }

    /// Writes the session to a run folder (base, adapters, optimizer, losses);
    /// returns the optimizer's step count when there is one.
    mutating func writeRunFolder(named name: String, to folder: PathOption) throws(CommandFailure) -> Int? {
        var lab = try requireModel()
        // A `train` read from the run cache has weights but not yet AdamW's moments, which the folder keeps.
        if try rebuildOptimizer(of: &lab) != nil { state.lab = lab }
        let record: StrictJSON = .object([
            ("name", .string(name)),
            ("origin", .string(lab.origin)),
            ("adaptation", lab.adaptation.map { .string($0) } ?? .null),
            ("seed", .string(String(state.seed))),
            ("finetune_data", state.finetuneData.map { .string($0.source) } ?? .null),
            ("losses", .array(lab.lossHistory.map { point in
                .array([.string(point.phase.rawValue), .int(point.step), .float(point.loss)])
            })),
            // Where `step`'s batch order is, so that a resumed run draws the batches it would have.
            ("data_order", lab.stepSampler.map { sampler in
                let position = sampler.position
                return .object([("batch", .int(sampler.batchSize)), ("seq_len", .int(sampler.seqLen)),
                                ("random_state", .string(String(position.randomState))),
                                ("epoch_order", .array(position.epochOrder.map { .int($0) })),
                                ("next_in_epoch", .int(position.nextInEpoch))])
            } ?? .null),
        ])
        do {
            try RunFolder.save(RunFolder.Contents(model: lab.model, trainer: lab.stepper, session: record,
                                                  tokenizerFiles: lab.tokenizer.filesToSave), to: folder.url)
        } catch { throw folder.failure(error) }
        return lab.stepper?.stepCount
    }

    /// Reads a run folder, saves it under `name` and loads it.
    mutating func loadRunFolder(named name: String, from folder: PathOption) throws(CommandFailure) -> ModelLab {
        let contents: RunFolder.Contents
        do { contents = try RunFolder.load(from: folder.url) } catch { throw folder.failure(error) }
        let session = contents.session
        var lab = ModelLab(model: contents.model, origin: session["origin"]?.stringValue ?? "run \"\(folder.url.path)\"")
        lab.adaptation = session["adaptation"]?.stringValue
        if let base = contents.base { lab.tokenizer = try ModelTokenizer.of(base, folder: folder.url.appendingPathComponent("base")) }
        for item in session["losses"]?.arrayValue ?? [] {
            guard let fields = item.arrayValue, fields.count == 3, let phase = fields[0].stringValue.flatMap(LossPoint.Phase.init(rawValue:)),
                  let step = fields[1].intValue, let loss = fields[2].doubleValue else {
                throw CommandFailure(.command, "\(folder.url.path)/run.json: session.losses has an entry that is not [phase, step, loss]",
                                     at: folder.location)
            }
            lab.lossHistory.append(LossPoint(phase: phase, step: step, loss: Float(loss)))
        }
        lab.stepper = contents.trainer
        let seed = session["seed"]?.stringValue.flatMap(UInt64.init) ?? state.seed
        state.runs.removeAll { $0.name == name }
        state.runs.append(SavedRun(name: name, lab: lab.snapshot(), finetuneSource: session["finetune_data"]?.stringValue, seed: seed))
        _ = try replaceModel(with: lab)
        if let order = session["data_order"], !order.isNull, let data = state.finetuneData,
           data.source == session["finetune_data"]?.stringValue {
            state.lab?.stepSampler = try Self.sampler(resuming: order, on: data, in: folder)
        }
        return state.lab!
    }

    /// `step`'s batch order as a run folder saved it, on the same data.
    private static func sampler(resuming order: StrictJSON, on data: DataChoice, in folder: PathOption) throws(CommandFailure) -> BatchSampler {
        let file = "\(folder.url.path)/run.json"
        guard let batch = order["batch"]?.intValue, let seqLen = order["seq_len"]?.intValue,
              let state = order["random_state"]?.stringValue.flatMap(UInt64.init),
              let epoch = order["epoch_order"]?.arrayValue?.compactMap(\.intValue), let next = order["next_in_epoch"]?.intValue else {
            throw CommandFailure(.command, "\(file): session.data_order is not {batch, seq_len, random_state, epoch_order, next_in_epoch}",
                                 at: folder.location)
        }
        do {
            var sampler = try BatchSampler(dataset: data.dataset, batchSize: batch, seqLen: seqLen, seed: 0)
            try sampler.restore(BatchSampler.Position(randomState: state, epochOrder: epoch, nextInEpoch: next))
            return sampler
        } catch {
            throw CommandFailure(.command, "\(file): session.data_order: \(error.description)", at: folder.location)
        }
    }

    /// The folder of a model that came from `model load "folder"`.
    private static func loadedFolder(_ origin: String) -> String? {
        guard origin.hasPrefix("load \""), origin.hasSuffix("\"") else { return nil }
        return String(origin.dropFirst("load \"".count).dropLast())
    }
}

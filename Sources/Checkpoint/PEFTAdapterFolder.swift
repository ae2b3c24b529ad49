import Foundation
import LinearAlgebra
import MiniMind

/// One adapter as a file carries it, before it is attached: the layer it
/// belongs to, its matrices and how its scale is computed.
public struct StoredAdapter: Sendable, Equatable {
    /// The layer's Hugging Face module name, e.g. `model.layers.0.self_attn.q_proj`.
    public var module: String
    public var rank: Int
    public var alpha: Float
    public var rsLoRA: Bool
    /// MiniMind's adapters have no alpha: their scale is 1.
    public var unitScale: Bool
    public var dropout: Float
    public var a: StoredTensor   // [r, in]
    public var b: StoredTensor   // [out, r]
    /// DoRA's magnitude m, one per output row ([out], PEFT's `lora_magnitude_vector`); nil for plain LoRA.
    public var magnitude: StoredTensor? = nil

    public var isDoRA: Bool { magnitude != nil }

    public var scale: Float { unitScale ? 1 : rsLoRA ? alpha / Float(rank).squareRoot() : alpha / Float(rank) }
}

/// LoRA adapters in PEFT's folder layout, which `PeftModel.from_pretrained`
/// loads over the base saved beside them:
///
///     adapter_config.json         peft_type LORA, r, lora_alpha, target_modules, …
///     adapter_model.safetensors   base_model.model.<module>.lora_A.weight [r, in]
///                                 base_model.model.<module>.lora_B.weight [out, r]
///                                 base_model.model.<module>.lora_magnitude_vector.weight [out]  (DoRA)
///
/// Reading also takes MiniMind's layout (`<module>.lora.A.weight`, scale 1,
/// no config), from safetensors or, through a reader passed in, a .pth file.
public enum PEFTAdapterFolder {
    static let keyPrefix = "base_model.model."

    // MARK: Saving

    /// Writes every attached adapter. Merged adapters are refused: their
    /// update already sits in W, so the base saved beside them would count it twice.
    public static func save(model: Model, to folder: URL, baseModelPath: String) throws(CheckpointError) {
        let adapted = model.adaptedLinears
        guard !adapted.isEmpty else { throw .adapterRefused("no adapters are attached: nothing to save") }
        guard !adapted.contains(where: { $0.update!.isMerged }) else {
            throw .adapterRefused("the adapters are merged into the weights: `lora unmerge` first, or save the merged model with `save model`")
        }
        let adapters = try adapted.map { (linear) throws(CheckpointError) -> StoredAdapter in try stored(linear) }
        // PEFT's use_dora holds for every layer of a config: one file cannot mix the two.
        guard Set(adapters.map(\.isDoRA)).count == 1 else {
            throw .adapterRefused("some adapters are DoRA and some plain LoRA: PEFT's use_dora applies to a whole adapter; save them apart")
        }
        let layerCount = model.blocks.count
        let initialization: LoRAInitialization? = switch adapted.first!.update {
        case let lora as LoRAAdapter: lora.initialization
        case let dora as DoRAAdapter: dora.initialization
        default: nil
        }
        try save(adapters, to: folder, baseModelPath: baseModelPath, layerCount: layerCount,
                 gaussianInit: initialization == .gaussian)
    }

    /// One attached adapter as the file carries it.
    static func stored(_ linear: Linear) throws(CheckpointError) -> StoredAdapter {
        switch linear.update {
        case let lora as LoRAAdapter:
            return StoredAdapter(module: linear.name, rank: lora.rank, alpha: lora.alpha, rsLoRA: lora.rsLoRA,
                                 unitScale: lora.initialization == .minimind, dropout: lora.dropout,
                                 a: StoredTensor(shape: [lora.rank, lora.inFeatures], values: lora.a.value.array),
                                 b: StoredTensor(shape: [lora.outFeatures, lora.rank], values: lora.b.value.array))
        case let dora as DoRAAdapter:
            return StoredAdapter(module: linear.name, rank: dora.rank, alpha: dora.alpha, rsLoRA: dora.rsLoRA,
                                 unitScale: dora.initialization == .minimind, dropout: 0,
                                 a: StoredTensor(shape: [dora.rank, dora.inFeatures], values: dora.a.value.array),
                                 b: StoredTensor(shape: [dora.outFeatures, dora.rank], values: dora.b.value.array),
                                 magnitude: StoredTensor(shape: [dora.outFeatures], values: dora.magnitude.value.array))
        default:
            throw .adapterRefused("\(linear.name) carries an update PEFT's LoRA layout cannot hold")
        }
    }

    public static func save(_ adapters: [StoredAdapter], to folder: URL, baseModelPath: String, layerCount: Int,
                            gaussianInit: Bool = false) throws(CheckpointError) {
        try CheckpointFiles.makeFolder(folder)
        var tensors: [String: StoredTensor] = [:]
        for adapter in adapters {
            tensors[keyPrefix + adapter.module + ".lora_A.weight"] = adapter.a
            tensors[keyPrefix + adapter.module + ".lora_B.weight"] = adapter.b
            if let magnitude = adapter.magnitude { tensors[keyPrefix + adapter.module + ".lora_magnitude_vector.weight"] = magnitude }
        }
        try CheckpointFiles.writeSafeTensors(tensors, to: folder.appendingPathComponent("adapter_model.safetensors"), as: .f32)
        try CheckpointFiles.write(config(for: adapters, baseModelPath: baseModelPath, layerCount: layerCount,
                                         gaussianInit: gaussianInit).prettyText,
                                  to: folder.appendingPathComponent("adapter_config.json"))
    }

    /// PEFT's config for these adapters. PEFT computes each layer's scale from
    /// r and lora_alpha (or rank_pattern / alpha_pattern for the exceptions),
    /// over sqrt(r) under use_rslora; MiniMind's unit scale is alpha = r.
    static func config(for adapters: [StoredAdapter], baseModelPath: String, layerCount: Int, gaussianInit: Bool) -> StrictJSON {
        let allRS = adapters.allSatisfy(\.rsLoRA)
        // The alpha PEFT must use for each layer to reproduce its scale exactly.
        func peftAlpha(_ adapter: StoredAdapter) -> Float {
            if adapter.unitScale { return allRS ? Float(adapter.rank).squareRoot() : Float(adapter.rank) }
            if adapter.rsLoRA == allRS { return adapter.alpha }
            return adapter.scale * Float(adapter.rank) // an rsLoRA adapter among plain ones
        }
        func mostCommon<T: Hashable>(_ values: [T]) -> T {
            var counts: [T: Int] = [:]
            for v in values { counts[v, default: 0] += 1 }
            // Ties go to the value seen first, so the choice is reproducible.
            var best = values[0]
            for v in values where counts[v]! > counts[best]! { best = v }
            return best
        }
        let rank = mostCommon(adapters.map(\.rank))
        let alpha = mostCommon(adapters.map(peftAlpha))
        let rankPattern = adapters.filter { $0.rank != rank }.map { ($0.module, StrictJSON.int($0.rank)) }
        let alphaPattern = adapters.filter { peftAlpha($0) != alpha }.map { ($0.module, StrictJSON.float(peftAlpha($0))) }

        // target_modules as suffixes (q_proj, …) with layers_to_transform when
        // the adapted set is exactly kinds × layers; full names otherwise.
        let modules = Set(adapters.map(\.module))
        var kinds: [String] = [], layers: Set<Int> = []
        for module in adapters.map(\.module) {
            let kind = String(module.split(separator: ".").last ?? "")
            if !kinds.contains(kind) { kinds.append(kind) }
            if let layer = layerIndex(module) { layers.insert(layer) }
        }
        let product = Set(layers.flatMap { layer in kinds.map { kind in moduleName(layer: layer, kind: kind) } })
        let targets: StrictJSON, layersToTransform: StrictJSON
        if product == modules {
            targets = .array(kinds.map { .string($0) })
            layersToTransform = layers.count == layerCount ? .null : .array(layers.sorted().map { .int($0) })
        } else {
            targets = .array(adapters.map(\.module).sorted().map { .string($0) })
            layersToTransform = .null
        }
        return .object([
            ("peft_type", .string("LORA")),
            ("task_type", .string("CAUSAL_LM")),
            ("base_model_name_or_path", .string(baseModelPath)),
            ("bias", .string("none")),
            ("r", .int(rank)),
            ("lora_alpha", .float(alpha)),
            ("lora_dropout", .float(adapters.first?.dropout ?? 0)),
            ("target_modules", targets),
            ("layers_to_transform", layersToTransform),
            ("layers_pattern", .null),
            ("rank_pattern", .object(rankPattern)),
            ("alpha_pattern", .object(alphaPattern)),
            ("use_rslora", .bool(allRS)),
            ("use_dora", .bool(adapters.contains(where: \.isDoRA))),
            // PiSSA's residual base is what was saved, so loading must not re-run any
            // initialisation on it: plain `true` (B = 0, then overwritten by the file).
            ("init_lora_weights", gaussianInit ? .string("gaussian") : .bool(true)),
            ("fan_in_fan_out", .bool(false)),
            ("modules_to_save", .null),
            ("inference_mode", .bool(true)),
            ("revision", .null),
        ])
    }

    static func moduleName(layer: Int, kind: String) -> String {
        let group = ["gate_proj", "up_proj", "down_proj"].contains(kind) ? "mlp" : "self_attn"
        return "model.layers.\(layer).\(group).\(kind)"
    }

    static func layerIndex(_ module: String) -> Int? {
        let parts = module.split(separator: ".")
        guard let at = parts.firstIndex(of: "layers"), at + 1 < parts.count else { return nil }
        return Int(parts[at + 1])
    }

    // MARK: Loading

    /// Reads the adapters of a folder (PEFT or MiniMind layout), or of a
    /// single adapter file (.safetensors, or .pth through the reader).
    public static func read(from url: URL, pyTorchReader: PyTorchStateDictReader? = nil) throws(CheckpointError) -> [StoredAdapter] {
        var configJSON: StrictJSON?
        let tensors: [String: StoredTensor], file: String
        if CheckpointFiles.isFolder(url) {
            let configURL = url.appendingPathComponent("adapter_config.json")
            if CheckpointFiles.exists(configURL) { configJSON = try CheckpointFiles.readJSON(configURL) }
            let safetensors = url.appendingPathComponent("adapter_model.safetensors")
            let bin = url.appendingPathComponent("adapter_model.bin")
            if CheckpointFiles.exists(safetensors) {
                (tensors, file) = (try CheckpointFiles.readSafeTensors(safetensors).tensors, "adapter_model.safetensors")
            } else if CheckpointFiles.exists(bin) {
                (tensors, file) = (try readPyTorch(bin, pyTorchReader), "adapter_model.bin")
            } else {
                throw .missingFile(folder: url.path, expected: "adapter_model.safetensors or adapter_model.bin")
            }
        } else if CheckpointFiles.exists(url) {
            file = url.lastPathComponent
            tensors = url.pathExtension == "safetensors" ? try CheckpointFiles.readSafeTensors(url).tensors : try readPyTorch(url, pyTorchReader)
        } else {
            throw .notAFolder(url.path)
        }
        return try adapters(from: tensors, config: configJSON, file: file)
    }

    static func readPyTorch(_ url: URL, _ reader: PyTorchStateDictReader?) throws(CheckpointError) -> [String: StoredTensor] {
        guard let reader else { throw .noPyTorchReader(path: url.path) }
        do { return try reader(url.path) } catch let error as CheckpointError { throw error } catch {
            throw .unreadableFile(path: url.path, reason: String(describing: error))
        }
    }

    /// Pairs A and B by module. PEFT keys: `base_model.model.<m>.lora_A[.default].weight`;
    /// MiniMind keys: `<m>.lora.A.weight`. The scale comes from the config
    /// (PEFT) or is 1 (MiniMind, which has none).
    static func adapters(from tensors: [String: StoredTensor], config: StrictJSON?, file: String) throws(CheckpointError) -> [StoredAdapter] {
        let settings = try config.map { (json) throws(CheckpointError) in try Settings(json) }
        var pairs: [String: (a: StoredTensor?, b: StoredTensor?, magnitude: StoredTensor?, minimind: Bool)] = [:]
        for name in tensors.keys.sorted() {
            var key = name
            if key.hasPrefix(keyPrefix) { key.removeFirst(keyPrefix.count) }
            if key.hasPrefix("module.") { key.removeFirst("module.".count) } // DDP-wrapped saves
            // PEFT writes DoRA's magnitude as `.lora_magnitude_vector.weight` since 0.12, as `.lora_magnitude_vector` before.
            enum Part { case a, b, magnitude }
            let forms: [(String, Part, Bool)] = [(".lora_A.weight", .a, false), (".lora_B.weight", .b, false),
                                                 (".lora_A.default.weight", .a, false), (".lora_B.default.weight", .b, false),
                                                 (".lora_magnitude_vector.weight", .magnitude, false), (".lora_magnitude_vector", .magnitude, false),
                                                 (".lora_magnitude_vector.default.weight", .magnitude, false),
                                                 (".lora_magnitude_vector.default", .magnitude, false),
                                                 (".lora.A.weight", .a, true), (".lora.B.weight", .b, true)]
            guard let (suffix, part, minimind) = forms.first(where: { key.hasSuffix($0.0) }) else {
                throw .unexpectedTensor(file: file, name: name,
                                        reason: "not a LoRA A or B matrix or a DoRA magnitude (PEFT's lora_A/lora_B/lora_magnitude_vector or MiniMind's lora.A/lora.B)")
            }
            var module = String(key.dropLast(suffix.count))
            if !module.hasPrefix("model.") { module = "model." + module }
            var entry = pairs[module] ?? (nil, nil, nil, minimind)
            switch part {
            case .a: entry.a = tensors[name]
            case .b: entry.b = tensors[name]
            case .magnitude: entry.magnitude = tensors[name]
            }
            pairs[module] = entry
        }
        guard !pairs.isEmpty else { throw .adapterRefused("\(file) holds no adapter tensors") }
        var result: [StoredAdapter] = []
        for module in pairs.keys.sorted() {
            let entry = pairs[module]!
            let magnitudeName = module + ".lora_magnitude_vector.weight"
            let dora = settings?.dora ?? false
            if let magnitude = entry.magnitude {
                guard dora else {
                    throw .unexpectedTensor(file: file, name: magnitudeName,
                                            reason: "a DoRA magnitude vector, but \(settings == nil ? "there is no adapter_config.json saying use_dora" : "adapter_config.json has use_dora false")")
                }
                // PEFT's is 1-D [out]; a [1, out] row is the same vector.
                guard magnitude.shape.count == 1 || (magnitude.shape.count == 2 && magnitude.shape[0] == 1) else {
                    throw .unexpectedTensor(file: file, name: magnitudeName, reason: "shape \(magnitude.shape) is not [out]")
                }
            } else if dora {
                throw .missingTensor(file: file, name: magnitudeName)
            }
            guard let a = entry.a else { throw .missingTensor(file: file, name: module + (entry.minimind ? ".lora.A.weight" : ".lora_A.weight")) }
            guard let b = entry.b else { throw .missingTensor(file: file, name: module + (entry.minimind ? ".lora.B.weight" : ".lora_B.weight")) }
            guard a.shape.count == 2, a.shape[0] > 0 else {
                throw .unexpectedTensor(file: file, name: module + ".lora_A.weight", reason: "shape \(a.shape) is not [r, in]")
            }
            let rank = a.shape[0]
            if let settings, !entry.minimind {
                let expected = settings.rank(for: module)
                guard expected == rank else {
                    throw .shapeMismatch(file: file, name: module + ".lora_A.weight", expected: [expected, a.shape[1]], found: a.shape)
                }
                result.append(StoredAdapter(module: module, rank: rank, alpha: settings.alpha(for: module), rsLoRA: settings.rsLoRA,
                                            unitScale: false, dropout: settings.dropout, a: a, b: b,
                                            magnitude: entry.magnitude.map { StoredTensor(shape: [$0.elementCount], values: $0.values) }))
            } else {
                result.append(StoredAdapter(module: module, rank: rank, alpha: Float(rank), rsLoRA: false,
                                            unitScale: true, dropout: 0, a: a, b: b))
            }
        }
        return result
    }

    /// The parts of adapter_config.json that decide shapes and scales;
    /// settings the model cannot honour are refused naming their key.
    struct Settings {
        var rank: Int
        var alpha: Float
        var rsLoRA: Bool
        var dropout: Float
        var dora: Bool
        var rankPattern: [(String, Int)]
        var alphaPattern: [(String, Float)]

        init(_ json: StrictJSON) throws(CheckpointError) {
            let file = "adapter_config.json"
            func refuse(_ key: String, _ reason: String) -> CheckpointError { .unrepresentable(file: file, key: key, reason: reason) }
            if let type = json["peft_type"]?.stringValue, type != "LORA" { throw refuse("peft_type", "'\(type)': only LORA adapters are supported") }
            if let bias = json["bias"]?.stringValue, bias != "none" { throw refuse("bias", "'\(bias)': the model's layers have no biases") }
            if json["fan_in_fan_out"]?.boolValue == true { throw refuse("fan_in_fan_out", "true: only nn.Linear layouts ([out, in]) are supported") }
            if let saved = json["modules_to_save"], !saved.isNull, saved.arrayValue?.isEmpty != true {
                throw refuse("modules_to_save", "\(saved.compactText): fully trained extra modules are not supported")
            }
            rank = json["r"]?.intValue ?? 8
            alpha = Float(json["lora_alpha"]?.doubleValue ?? 8)
            rsLoRA = json["use_rslora"]?.boolValue ?? false
            dropout = Float(json["lora_dropout"]?.doubleValue ?? 0)
            guard dropout >= 0, dropout < 1 else { throw .invalidConfig(file: file, key: "lora_dropout", reason: "must be in [0, 1)") }
            dora = json["use_dora"]?.boolValue ?? false
            // PEFT's DoRA drops out only the input of the low-rank path; ours has no dropout at all.
            if dora, dropout > 0 { throw refuse("lora_dropout", "\(dropout) with use_dora: DoRA adapters here have no dropout") }
            rankPattern = try (json["rank_pattern"]?.members ?? []).map { (key, value) throws(CheckpointError) in
                guard let r = value.intValue, r > 0 else { throw .invalidConfig(file: file, key: "rank_pattern.\(key)", reason: "not a positive integer") }
                return (key, r)
            }
            alphaPattern = try (json["alpha_pattern"]?.members ?? []).map { (key, value) throws(CheckpointError) in
                guard let a = value.doubleValue else { throw .invalidConfig(file: file, key: "alpha_pattern.\(key)", reason: "not a number") }
                return (key, Float(a))
            }
        }

        /// PEFT matches a pattern key against the end of the module name, at a dot.
        static func matches(_ key: String, _ module: String) -> Bool {
            module == key || module.hasSuffix("." + key) || ("model." + key) == module
        }

        func rank(for module: String) -> Int { rankPattern.first { Self.matches($0.0, module) }?.1 ?? rank }
        func alpha(for module: String) -> Float { alphaPattern.first { Self.matches($0.0, module) }?.1 ?? alpha }
    }

    // MARK: Attaching

    /// Checks every adapter against the model (layer exists, A is [r, in], B
    /// is [out, r]), naming the first that does not fit; nothing is changed on error.
    public static func check(_ adapters: [StoredAdapter], against model: Model) throws(CheckpointError) {
        let file = "adapter"
        if model.linears.contains(where: { $0.adapter != nil }) {
            throw .adapterRefused("the model already has adapters: `lora detach` them first")
        }
        if !model.fullyTunedLinears.isEmpty {
            throw .adapterRefused("the model is being fully fine-tuned: start from a fresh or loaded base before loading adapters")
        }
        for adapter in adapters {
            guard let linear = model.linear(named: adapter.module) else {
                throw .unexpectedTensor(file: file, name: adapter.module + ".lora_A.weight", reason: "names no layer of this model")
            }
            guard adapter.a.shape == [adapter.rank, linear.inFeatures] else {
                throw .shapeMismatch(file: file, name: adapter.module + ".lora_A.weight", expected: [adapter.rank, linear.inFeatures], found: adapter.a.shape)
            }
            guard adapter.b.shape == [linear.outFeatures, adapter.rank] else {
                throw .shapeMismatch(file: file, name: adapter.module + ".lora_B.weight", expected: [linear.outFeatures, adapter.rank], found: adapter.b.shape)
            }
            if let magnitude = adapter.magnitude, magnitude.shape != [linear.outFeatures] {
                throw .shapeMismatch(file: file, name: adapter.module + ".lora_magnitude_vector.weight", expected: [linear.outFeatures], found: magnitude.shape)
            }
        }
    }

    /// Attaches checked adapters, base frozen, A and B (and DoRA's m) trainable (so training
    /// continues from them).
    public static func attach(_ adapters: [StoredAdapter], to model: Model) throws(CheckpointError) {
        try check(adapters, against: model)
        model.setBaseTrainable(false)
        for stored in adapters {
            let linear = model.linear(named: stored.module)!
            if let magnitude = stored.magnitude {
                let dora = DoRAAdapter(layerName: linear.name, weight: linear.weight, rank: stored.rank, alpha: stored.alpha,
                                       initialization: stored.unitScale ? .minimind : .peft, rsLoRA: stored.rsLoRA, seed: 0)
                dora.a.matrix = Matrix(rows: stored.rank, cols: linear.inFeatures, values: stored.a.values)
                dora.b.matrix = Matrix(rows: linear.outFeatures, cols: stored.rank, values: stored.b.values)
                dora.magnitude.matrix = Matrix(rows: 1, cols: linear.outFeatures, values: magnitude.values)
                linear.update = dora
                continue
            }
            let adapter = LoRAAdapter(layerName: linear.name, inFeatures: linear.inFeatures, outFeatures: linear.outFeatures,
                                      rank: stored.rank, alpha: stored.alpha, dropout: stored.dropout,
                                      initialization: stored.unitScale ? .minimind : .peft, rsLoRA: stored.rsLoRA, seed: 0)
            adapter.a.matrix = Matrix(rows: stored.rank, cols: linear.inFeatures, values: stored.a.values)
            adapter.b.matrix = Matrix(rows: linear.outFeatures, cols: stored.rank, values: stored.b.values)
            linear.adapter = adapter
        }
    }
}

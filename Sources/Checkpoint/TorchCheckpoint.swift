import Foundation

/// The tensors of a `torch.save` state dict (`full_sft_768.pth`,
/// `lora_identity_768.pth`, `pytorch_model.bin`), by name and in the file's order.
public struct TorchStateDict: Sendable, Equatable {
    /// The names in the order the pickle lists them (the module order of the model that saved them).
    public var names: [String]
    public var tensors: [String: StoredTensor]

    public subscript(name: String) -> StoredTensor? { tensors[name] }
}

/// Reads PyTorch's zip checkpoint format: a zip of stored members,
/// `<folder>/data.pkl` (the pickled dict), `<folder>/data/<key>` (one raw
/// little-endian storage each), `<folder>/byteorder` and `<folder>/version`.
///
/// The pickle is run by `RestrictedUnpickler`, which builds nothing but
/// descriptions of tensors; the tensors are then cut from their storages here,
/// honouring storage offsets and strides, and widened from F16/BF16 to F32.
/// Any problem fails the whole read: nothing is returned half-done.
public enum TorchCheckpoint {
    public static func read(path: String) throws(TorchCheckpointError) -> TorchStateDict {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TorchCheckpointError(.fileMissing, "no such file", file: path)
        }
        guard !isDirectory.boolValue else {
            throw TorchCheckpointError(.unreadable, "is a directory, not a checkpoint file", file: path)
        }
        let data: Data
        do {
            // Mapped: a checkpoint may be hundreds of megabytes and is read once.
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw TorchCheckpointError(.unreadable, "cannot be read (check its permissions)", file: path)
        }
        do {
            return try read(data: data)
        } catch var error {
            error.file = path
            throw error
        }
    }

    public static func read(data: Data) throws(TorchCheckpointError) -> TorchStateDict {
        let archive = try ZipArchive(bytes: data)
        // The top folder is named after the file torch.save was given ("archive" for a stream).
        guard let pickleEntry = archive.entries.first(where: { $0.name == "data.pkl" || $0.name.hasSuffix("/data.pkl") }) else {
            throw TorchCheckpointError(.missingMember, "the zip archive has no data.pkl, so it is not a torch.save checkpoint")
        }
        let folder = String(pickleEntry.name.dropLast("data.pkl".count))
        if let byteOrderEntry = archive.entry(named: folder + "byteorder") {
            let order = String(decoding: try archive.contents(of: byteOrderEntry), as: UTF8.self)
            guard order == "little" else {
                throw TorchCheckpointError(.unsupportedContent, "the storages are in \(order)-endian byte order; only little-endian checkpoints are read")
            }
        }
        let root = try RestrictedUnpickler.load(try archive.contents(of: pickleEntry))
        guard case let .dictionary(dictionary) = root else {
            throw TorchCheckpointError(.unsupportedContent, "the pickle holds \(root.kind), not a dict of tensors")
        }

        var names: [String] = []
        var references: [RestrictedUnpickler.TensorReference] = []
        for (key, value) in zip(dictionary.keys, dictionary.values) {
            guard case let .string(name) = key else {
                throw TorchCheckpointError(.unsupportedContent, "the dict has a key that is \(key.kind), not a tensor name")
            }
            guard case let .tensor(reference) = value else {
                let hint = if case .dictionary = value { " (a training checkpoint? load the model's own state dict, e.g. its \"model\" entry saved alone)" } else { "" }
                throw TorchCheckpointError(.unsupportedContent, "'\(name)' holds \(value.kind), not a tensor\(hint)")
            }
            names.append(name)
            references.append(reference)
        }

        var storages: [String: Data] = [:]
        var tensors: [String: StoredTensor] = [:]
        for (name, reference) in zip(names, references) {
            let key = reference.storage.key
            if storages[key] == nil {
                guard let entry = archive.entry(named: folder + "data/" + key) else {
                    throw TorchCheckpointError(.missingMember, "'\(name)' lives in storage \(key), which the archive does not contain")
                }
                storages[key] = try archive.contents(of: entry)
            }
            tensors[name] = try tensor(reference, from: storages[key]!, name: name)
        }
        return TorchStateDict(names: names, tensors: tensors)
    }

    /// The values of one tensor view: element `(i0, i1, …)` is storage element
    /// `offset + Σ i_k · stride_k`, widened to Float32.
    private static func tensor(_ reference: RestrictedUnpickler.TensorReference, from storage: Data,
                               name: String) throws(TorchCheckpointError) -> StoredTensor {
        let type = reference.storage.type
        guard storage.count % type.byteCount == 0 else {
            throw TorchCheckpointError(.tensorOutOfBounds, "'\(name)': its storage of \(storage.count) bytes is not a whole number of \(type.byteCount)-byte elements")
        }
        let storageCount = storage.count / type.byteCount
        let shape = reference.shape
        guard shape.allSatisfy({ $0 >= 0 }), reference.strides.allSatisfy({ $0 >= 0 }), reference.storageOffset >= 0 else {
            throw TorchCheckpointError(.tensorOutOfBounds, "'\(name)' has a negative size, stride or offset")
        }
        var count = 1
        for size in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { throw TorchCheckpointError(.tensorOutOfBounds, "'\(name)' has an impossible shape \(shape)") }
            count = product
        }
        guard count > 0 else { return StoredTensor(shape: shape, values: []) }
        // Only a view that reads some elements more than once (an `expand`, stride 0) has more
        // elements than its storage; a saved weight never is one, and its size would be the file's to choose.
        guard count <= storageCount else {
            throw TorchCheckpointError(.tensorOutOfBounds, "'\(name)' with shape \(shape) and strides \(reference.strides) has \(count) elements but its storage only \(storageCount): an expanded view, which a saved weight never is")
        }
        // The last element a view touches must lie inside the storage.
        var last = reference.storageOffset
        for (size, stride) in zip(shape, reference.strides) {
            let (step, overflow) = (size - 1).multipliedReportingOverflow(by: stride)
            guard !overflow, last <= Int.max - step else {
                throw TorchCheckpointError(.tensorOutOfBounds, "'\(name)' has impossible strides \(reference.strides)")
            }
            last += step
        }
        guard last < storageCount else {
            throw TorchCheckpointError(.tensorOutOfBounds, "'\(name)' with shape \(shape), strides \(reference.strides) and offset \(reference.storageOffset) reaches element \(last) of a storage of \(storageCount)")
        }

        let contiguous = isContiguous(shape: shape, strides: reference.strides)
        let values: [Float] = storage.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let element: (Int) -> Float = switch type {
            case .float32: { Float(bitPattern: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self).littleEndian) }
            case .float16: { HalfPrecision.float(fromHalf: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self).littleEndian) }
            case .bfloat16: { HalfPrecision.float(fromBFloat16: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self).littleEndian) }
            }
            // A contiguous view (nearly every saved weight) is one run of the storage.
            if contiguous { return (reference.storageOffset..<(reference.storageOffset + count)).map(element) }
            return gatheredIndices(shape: shape, strides: reference.strides, offset: reference.storageOffset, count: count).map(element)
        }
        return StoredTensor(shape: shape, values: values)
    }

    /// Row-major strides, ignoring dimensions of size 1 (whose stride torch leaves arbitrary).
    private static func isContiguous(shape: [Int], strides: [Int]) -> Bool {
        var expected = 1
        for (size, stride) in zip(shape, strides).reversed() where size != 1 {
            if stride != expected { return false }
            expected *= size
        }
        return true
    }

    /// Storage element indices in row-major order of a strided view.
    private static func gatheredIndices(shape: [Int], strides: [Int], offset: Int, count: Int) -> [Int] {
        var indices: [Int] = []
        indices.reserveCapacity(count)
        var position = Array(repeating: 0, count: shape.count)
        var current = offset
        for _ in 0..<count {
            indices.append(current)
            // Advance the last dimension, carrying into earlier ones.
            var dimension = shape.count - 1
            while dimension >= 0 {
                position[dimension] += 1
                current += strides[dimension]
                if position[dimension] < shape[dimension] { break }
                current -= strides[dimension] * shape[dimension]
                position[dimension] = 0
                dimension -= 1
            }
        }
        return indices
    }
}

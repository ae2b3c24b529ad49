import Foundation

/// Writes the safetensors format, atomically. The header carries
/// `__metadata__: {"format": "pt"}` (transformers refuses a file without it)
/// and is padded with spaces to a multiple of 8 bytes, as the reference
/// library does, so that the data starts aligned.
public enum SafeTensorsWriter {
    /// The element types this writer produces.
    public enum StorageType: String, Sendable {
        case f32 = "F32"
        case bf16 = "BF16"
    }

    /// The file's bytes: tensors in name order (the order does not matter to
    /// readers; a fixed one makes files reproducible).
    public static func encode(_ tensors: [String: StoredTensor], as storage: StorageType = .f32,
                              metadata: [String: String] = [:]) -> [UInt8] {
        let names = tensors.keys.sorted()
        let elementSize = storage == .f32 ? 4 : 2
        var meta = metadata
        meta["format"] = meta["format"] ?? "pt"
        var members: [(String, StrictJSON)] = [("__metadata__", .object(meta.keys.sorted().map { ($0, .string(meta[$0]!)) }))]
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            let size = tensor.elementCount * elementSize
            members.append((name, .object([
                ("dtype", .string(storage.rawValue)),
                ("shape", .array(tensor.shape.map { .int($0) })),
                ("data_offsets", .array([.int(offset), .int(offset + size)])),
            ])))
            offset += size
        }
        var header = Array(StrictJSON.object(members).compactText.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var bytes = [UInt8]()
        bytes.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header)
        for name in names {
            for value in tensors[name]!.values {
                switch storage {
                case .f32: withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
                case .bf16: withUnsafeBytes(of: HalfPrecision.bfloat16(from: value).littleEndian) { bytes.append(contentsOf: $0) }
                }
            }
        }
        return bytes
    }

    public static func write(_ tensors: [String: StoredTensor], to url: URL, as storage: StorageType = .f32,
                             metadata: [String: String] = [:]) throws(SafeTensorsError) {
        do {
            try AtomicFileWriter.write(encode(tensors, as: storage, metadata: metadata), to: url)
        } catch {
            throw .writeFailed(path: error.path, reason: error.reason)
        }
    }
}

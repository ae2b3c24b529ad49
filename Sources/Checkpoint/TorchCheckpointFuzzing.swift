import Foundation

/// The fuzzing entry point for the PyTorch checkpoint reader: the zip
/// archive and the restricted unpickler behind it. The libFuzzer binary
/// (`fuzz/`, `make fuzz-pickle`) and the corpus replay in `swift test`
/// (FuzzingTests) both call `check` (fuzz/README.md).
///
/// An input that starts like a zip (`PK\3\4`) is read as a whole `.pth`
/// file. Any other input is taken as the pickle itself and put, as
/// `archive/data.pkl`, into a well-formed archive with 32 storages
/// (`archive/data/0` … `31`, storage k of 64·k bytes): the members' CRC-32s
/// would otherwise stop nearly every mutation of the pickle before the
/// unpickler sees it.
///
/// Invariants, each reported as a sentence when broken:
/// - a refused file says why (a non-empty message);
/// - an accepted one holds one tensor per name, with as many values as its
///   shape; for a pickle in the made archive, each tensor's first and last
///   values are the storage elements its offset and strides point at.
public enum TorchCheckpointFuzzing {
    static let storageSizes = (0..<32).map { 64 * $0 }
    static let zipMagic: [UInt8] = [0x50, 0x4B, 0x03, 0x04]

    public static func check(_ bytes: [UInt8]) -> [String] {
        let isArchive = bytes.starts(with: zipMagic)
        let storages = storageSizes.map { size in Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }) }
        let file = isArchive ? Data(bytes) : archive(pickle: Data(bytes), storages: storages)
        let state: TorchStateDict
        do {
            state = try TorchCheckpoint.read(data: file)
        } catch {
            return error.message.isEmpty ? ["a refusal without a message: \(error)"] : []
        }
        var violations: [String] = []
        if Set(state.names).count != state.names.count || Set(state.names) != Set(state.tensors.keys) {
            violations.append("names \(state.names) do not match the tensors \(state.tensors.keys.sorted())")
        }
        for (name, tensor) in state.tensors where tensor.values.count != tensor.shape.reduce(1, *) {
            violations.append("'\(name)' has \(tensor.values.count) values for shape \(tensor.shape)")
        }
        if !isArchive { violations += checkViews(state, pickle: Data(bytes), storages: storages) }
        return violations
    }

    /// The first and last element of every tensor, found again from its description.
    private static func checkViews(_ state: TorchStateDict, pickle: Data, storages: [Data]) -> [String] {
        guard case let .dictionary(dictionary)? = try? RestrictedUnpickler.load(pickle) else {
            return ["an accepted pickle does not load again as a dict"]
        }
        var violations: [String] = []
        for (key, value) in zip(dictionary.keys, dictionary.values) {
            guard case let .string(name) = key, case let .tensor(reference) = value,
                  let tensor = state.tensors[name], let first = tensor.values.first, let last = tensor.values.last,
                  let index = Int(reference.storage.key), storages.indices.contains(index) else { continue }
            let storage = storages[index]
            let lastIndex = reference.storageOffset + zip(reference.shape, reference.strides).reduce(0) { $0 + ($1.0 - 1) * $1.1 }
            for (found, position, which) in [(first, reference.storageOffset, "first"), (last, lastIndex, "last")] {
                let expected = element(position, of: storage, type: reference.storage.type)
                if found.bitPattern != expected.bitPattern {
                    violations.append("'\(name)': its \(which) value is \(found), but storage element \(position) is \(expected)")
                }
            }
        }
        return violations
    }

    private static func element(_ index: Int, of storage: Data, type: RestrictedUnpickler.StorageType) -> Float {
        let bytes = [UInt8](storage[(storage.startIndex + index * type.byteCount)..<(storage.startIndex + (index + 1) * type.byteCount)])
        let word = bytes.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        switch type {
        case .float32: return Float(bitPattern: word)
        case .float16: return HalfPrecision.float(fromHalf: UInt16(word))
        case .bfloat16: return HalfPrecision.float(fromBFloat16: UInt16(word))
        }
    }

    /// A zip of stored members, as torch.save writes it: data.pkl, byteorder, the storages, version.
    static func archive(pickle: Data, storages: [Data]) -> Data {
        var members: [(String, Data)] = [("archive/data.pkl", pickle), ("archive/byteorder", Data("little".utf8))]
        for (index, storage) in storages.enumerated() { members.append(("archive/data/\(index)", storage)) }
        members.append(("archive/version", Data("3\n".utf8)))
        var file = Data()
        var directory = Data()
        func append16(_ value: Int, to data: inout Data) { data.append(contentsOf: [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)]) }
        func append32(_ value: UInt32, to data: inout Data) { for shift in [0, 8, 16, 24] { data.append(UInt8(value >> UInt32(shift) & 0xFF)) } }
        for (name, contents) in members {
            let offset = UInt32(file.count)
            let crc = CRC32.checksum(contents)
            let nameBytes = Data(name.utf8)
            append32(0x0403_4B50, to: &file)
            for field in [20, 0, 0, 0, 0] { append16(field, to: &file) }  // version, flags, method (stored), time, date
            append32(crc, to: &file)
            append32(UInt32(contents.count), to: &file)
            append32(UInt32(contents.count), to: &file)
            append16(nameBytes.count, to: &file)
            append16(0, to: &file)
            file.append(nameBytes)
            file.append(contents)

            append32(0x0201_4B50, to: &directory)
            for field in [20, 20, 0, 0, 0, 0] { append16(field, to: &directory) }  // made by, needed, flags, method, time, date
            append32(crc, to: &directory)
            append32(UInt32(contents.count), to: &directory)
            append32(UInt32(contents.count), to: &directory)
            for field in [nameBytes.count, 0, 0, 0, 0] { append16(field, to: &directory) }  // name, extra, comment, disk, internal
            append32(0, to: &directory)  // external attributes
            append32(offset, to: &directory)
            directory.append(nameBytes)
        }
        let directoryOffset = UInt32(file.count)
        file.append(directory)
        append32(0x0605_4B50, to: &file)
        for field in [0, 0, members.count, members.count] { append16(field, to: &file) }
        append32(UInt32(directory.count), to: &file)
        append32(directoryOffset, to: &file)
        append16(0, to: &file)
        return file
    }
}

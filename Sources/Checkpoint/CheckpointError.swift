/// Why a model, adapter or run folder could not be read or written. Every
/// message names the file, key or tensor at fault.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    case notAFolder(String)
    case missingFile(folder: String, expected: String)
    case unreadableFile(path: String, reason: String)
    case invalidJSON(path: String, reason: String)
    case safetensors(path: String, SafeTensorsError)
    /// A config value the model cannot represent (biases, another activation, rope scaling…).
    case unrepresentable(file: String, key: String, reason: String)
    case invalidConfig(file: String, key: String, reason: String)
    case missingTensor(file: String, name: String)
    case unexpectedTensor(file: String, name: String, reason: String)
    case shapeMismatch(file: String, name: String, expected: [Int], found: [Int])
    case noPyTorchReader(path: String)
    case adapterRefused(String)
    case writeFailed(path: String, reason: String)
    /// The caller refused what the file describes (a model too large for memory).
    case refused(String)

    public var description: String {
        switch self {
        case .notAFolder(let path): return "\(path) is not a folder"
        case .missingFile(let folder, let expected): return "\(folder) has no \(expected)"
        case .unreadableFile(let path, let reason): return "cannot read \(path): \(reason)"
        case .invalidJSON(let path, let reason): return "\(path) is not valid JSON: \(reason)"
        case .safetensors(let path, let error): return "\(path): \(error.description)"
        case .unrepresentable(let file, let key, let reason): return "\(file): \(key) — \(reason)"
        case .invalidConfig(let file, let key, let reason): return "\(file): \(key) — \(reason)"
        case .missingTensor(let file, let name): return "\(file) lacks tensor \(name)"
        case .unexpectedTensor(let file, let name, let reason): return "\(file): tensor \(name) — \(reason)"
        case .shapeMismatch(let file, let name, let expected, let found):
            return "\(file): tensor \(name) has shape \(found), the model needs \(expected)"
        case .noPyTorchReader(let path): return "\(path) is a PyTorch file and no PyTorch reader is available"
        case .adapterRefused(let reason): return reason
        case .writeFailed(let path, let reason): return "cannot write \(path): \(reason)"
        case .refused(let reason): return reason
        }
    }
}

/// Reads a PyTorch state-dict file (`pytorch_model.bin`, `.pth`) into tensors
/// by name. The reader lives beside this module's safetensors code; folders
/// take it as a parameter so that they depend only on this signature.
public typealias PyTorchStateDictReader = @Sendable (_ path: String) throws -> [String: StoredTensor]

/// Why a `torch.save` file could not be read. Reading stops at the first
/// problem and returns nothing, so a damaged file never half-loads.
///
/// `description` is the sentence to show a user, e.g.
/// `'lora.pth': the pickle calls os.system, which a tensor state dict never needs; refusing to load it`.
public struct TorchCheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The kind of problem, for code that reacts to it (tests, suggestions).
    public enum Problem: Sendable, Equatable {
        case fileMissing
        case unreadable
        /// Not a zip archive at all (or PyTorch's legacy bare-pickle format).
        case notAnArchive
        /// The archive ends before a structure it announces.
        case truncated
        /// A structure of the archive is inconsistent (CRC, headers).
        case corruptArchive
        /// A valid zip that uses a feature torch.save never writes (compression, encryption).
        case unsupportedArchive
        /// The archive lacks `data.pkl` or a storage the pickle names.
        case missingMember
        /// The pickle uses an opcode outside a tensor state dict's.
        case forbiddenOpcode
        /// The pickle names a callable or class outside the allowed few.
        case forbiddenGlobal
        /// The pickle's opcodes are well-known but do not make sense (stack underflow, bad memo).
        case malformedPickle
        /// The pickle is fine but does not describe a state dict of float tensors.
        case unsupportedContent
        /// A tensor's shape, strides or offset do not fit its storage.
        case tensorOutOfBounds
    }

    public var problem: Problem
    public var message: String
    /// The path as the caller gave it, filled in by the file-level reader.
    public var file: String?

    public init(_ problem: Problem, _ message: String, file: String? = nil) {
        self.problem = problem
        self.message = message
        self.file = file
    }

    public var description: String {
        file.map { "'\($0)': \(message)" } ?? message
    }
}

/// Why a Hugging Face `tokenizer.json` could not be used. Loading fails as a
/// whole: a tokenizer that would encode differently from the `tokenizers`
/// library is refused rather than approximated.
public struct TokenizerFileError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Problem: Sendable, Equatable {
        case fileMissing
        case unreadable
        case invalidJSON
        /// A required field is absent or of the wrong type.
        case malformed
        /// A valid tokenizer of a kind (model, normalizer, pre-tokenizer, option) this reader does not implement.
        case unsupported
        /// A merge or added token that contradicts the vocabulary.
        case inconsistent
        /// The vocabulary lacks a token the data loaders and chat template need.
        case missingSpecialToken
    }

    public var problem: Problem
    public var message: String
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

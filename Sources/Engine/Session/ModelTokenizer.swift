import Checkpoint
import Corpus
import Foundation

/// The tokenizer a model's ids belong to, and the files it came from. A model
/// built from a preset uses the built-in byte tokenizer; one loaded from a
/// folder uses that folder's `tokenizer.json` (MiniMind's 6,400-token BPE, say)
/// for its data, `generate` and `save logits`.
struct ModelTokenizer {
    var tokenizer: any Tokenizer
    /// tokenizer.json and tokenizer_config.json as read, written back verbatim
    /// by `save model` (a chat_template in them is kept, never run); nil for
    /// the byte tokenizer, whose files are generated.
    var files: [String: [UInt8]]?
    /// `byte`, or the folder it was read from: data tokenized for one tokenizer
    /// is tokenized again when the model's changes.
    var identity: String

    static let byte = ModelTokenizer(tokenizer: ByteTokenizer(), files: nil, identity: "byte")

    var isByte: Bool { files == nil }

    /// The tokenizer of a loaded folder: the byte tokenizer when the folder
    /// has none or has the one `save model` writes for it, else its byte-level
    /// BPE, whose vocabulary must fit the model's.
    static func of(_ loaded: HuggingFaceFolder.Loaded, folder: URL) throws(CommandFailure) -> ModelTokenizer {
        guard let json = loaded.tokenizerJSON, json != ByteTokenizerExport.tokenizerJSON() else { return .byte }
        let bpe: ByteLevelBPETokenizer
        do {
            bpe = try ByteLevelBPETokenizer(tokenizerJSON: json)
        } catch {
            throw CommandFailure(.command, "\(folder.appendingPathComponent("tokenizer.json").path): \(error.description)")
        }
        let vocabulary = loaded.model.config.vocabSize
        guard bpe.vocabularySize <= vocabulary else {
            throw CommandFailure(.command, "\(folder.appendingPathComponent("tokenizer.json").path) has \(bpe.vocabularySize.grouped) tokens, "
                                 + "more than the model's vocabulary of \(vocabulary.grouped)")
        }
        var files = ["tokenizer.json": [UInt8](json)]
        if let config = loaded.tokenizerConfigJSON { files["tokenizer_config.json"] = [UInt8](config) }
        return ModelTokenizer(tokenizer: bpe, files: files, identity: folder.standardizedFileURL.path)
    }

    /// What `save model` writes beside the weights: the files this tokenizer
    /// came from, or for the byte tokenizer a tokenizer.json that the
    /// `tokenizers` library encodes exactly as we do and a tokenizer_config.json
    /// carrying the ChatML template, so that AutoTokenizer loads the folder.
    var filesToSave: [String: [UInt8]] {
        files ?? ["tokenizer.json": [UInt8](ByteTokenizerExport.tokenizerJSON()),
                  "tokenizer_config.json": [UInt8](TokenizerConfig(chatTemplate: nil).json())]
    }

    /// For `model load`'s report.
    var description: String {
        isByte ? "byte tokenizer" : "byte-level BPE tokenizer from tokenizer.json (\(tokenizer.vocabularySize.grouped) tokens)"
    }
}

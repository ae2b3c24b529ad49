import Corpus
import Foundation

/// The byte tokenizer (`Corpus.ByteTokenizer`) written as a Hugging Face
/// `tokenizer.json`, so that `tokenizers.Tokenizer.from_file` and
/// transformers' `AutoTokenizer` load it and encode exactly as LoRA Lab does.
///
/// It is a BPE model with no merges whose vocabulary is the 256 byte-level
/// characters at ids 0–255 — every byte its own token, as ours — plus the three
/// specials at 256–258 as added tokens, which `tokenizers` matches anywhere in
/// the text before splitting it, as ours does.
public enum ByteTokenizerExport {
    /// The `tokenizer.json` text (keys sorted, so the same bytes every time).
    public static func tokenizerJSON() -> Data {
        var vocabulary: [String: Int] = [:]
        for (byte, character) in ByteLevelAlphabet.characters.enumerated() { vocabulary[String(character)] = byte }
        for special in ByteTokenizer.specialTokens { vocabulary[special.text] = Int(special.id) }
        let byteLevel: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false]
        let root: [String: Any] = [
            "version": "1.0",
            "truncation": NSNull(),
            "padding": NSNull(),
            "added_tokens": ByteTokenizer.specialTokens.map { special -> [String: Any] in
                ["id": Int(special.id), "content": special.text, "single_word": false, "lstrip": false,
                 "rstrip": false, "normalized": false, "special": true]
            },
            "normalizer": NSNull(),
            "pre_tokenizer": byteLevel,
            "post_processor": NSNull(),
            "decoder": byteLevel,
            "model": [
                "type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": NSNull(),
                "end_of_word_suffix": NSNull(), "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                "vocab": vocabulary, "merges": [String](),
            ] as [String: Any],
        ]
        // Only JSON types above, so serialization cannot fail.
        return try! JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}

/// The parts of a `tokenizer_config.json` LoRA Lab keeps: the chat template,
/// as text — carried from a loaded model to a saved one, never executed (the
/// engine's own ChatML stays the one that renders prompts).
public struct TokenizerConfig: Sendable, Equatable {
    /// MiniMind's ChatML, `<|im_start|>{role}\n{content}<|im_end|>\n` per turn, in Jinja,
    /// for models whose tokenizer brings no template of its own.
    public static let chatMLTemplate =
        "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

    /// The Jinja source, when the file has one.
    public var chatTemplate: String?

    public init(chatTemplate: String?) {
        self.chatTemplate = chatTemplate
    }

    /// Reads `chat_template` from a `tokenizer_config.json`: a string, or
    /// transformers' list of named templates (the one named "default" is kept).
    public init(contentsOfFile path: String) throws(TokenizerFileError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerFileError(FileManager.default.fileExists(atPath: path) ? .unreadable : .fileMissing,
                                     FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file", file: path)
        }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TokenizerFileError(.invalidJSON, "not a JSON object", file: path)
        }
        switch root["chat_template"] {
        case let text as String:
            chatTemplate = text
        case let named as [[String: Any]]:
            chatTemplate = named.first { $0["name"] as? String == "default" }?["template"] as? String
        case nil, is NSNull:
            chatTemplate = nil
        default:
            throw TokenizerFileError(.malformed, "\"chat_template\" must be a string or a list of named templates", file: path)
        }
    }

    /// A `tokenizer_config.json` for transformers' `AutoTokenizer`: the fast
    /// tokenizer class, the chat markers as bos/eos/pad, and the chat template
    /// (ChatML when none is set).
    public func json() -> Data {
        let root: [String: Any] = [
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": "<|im_start|>",
            "eos_token": "<|im_end|>",
            "pad_token": "<|endoftext|>",
            "unk_token": NSNull(),
            "add_bos_token": false,
            "add_eos_token": false,
            "clean_up_tokenization_spaces": false,
            "model_max_length": 1_000_000_000,
            "chat_template": chatTemplate ?? Self.chatMLTemplate,
        ]
        return try! JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}

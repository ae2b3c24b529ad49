import Foundation

/// The fuzzing entry point for the tokenizer.json loader
/// (`ByteLevelBPETokenizer`). The libFuzzer binary (`fuzz/`,
/// `make fuzz-tokenizer`) and the corpus replay in `swift test`
/// (FuzzingTests) both call `check` (fuzz/README.md).
///
/// Invariants, each reported as a sentence when broken:
/// - a refused file says why (a non-empty message);
/// - an accepted tokenizer encodes a fixed text (several scripts, control
///   characters, the chat markers, every added token) to ids inside its
///   vocabulary, every one of which it can name and decode;
/// - its chat markers are inside its vocabulary (the model's embedding is
///   sized by it).
public enum TokenizerFuzzing {
    static let sample = "Once upon a time, a cat   sat.\n\tÜber café — 日本語 🙂 x̃ \u{0}\u{7F}"
        + "<|im_start|>user\nhi<|im_end|><|endoftext|>  12,345 it's"

    public static func check(_ bytes: [UInt8]) -> [String] {
        let tokenizer: ByteLevelBPETokenizer
        do {
            tokenizer = try ByteLevelBPETokenizer(tokenizerJSON: Data(bytes))
        } catch {
            return error.message.isEmpty ? ["a refusal without a message: \(error)"] : []
        }
        var violations: [String] = []
        // A bounded number of added tokens: the text stays small whatever the file holds.
        let text = sample + tokenizer.addedTokens.prefix(32).map(\.content).joined(separator: " ")
        let ids = tokenizer.encode(text)
        for id in ids where id < 0 || Int(id) >= tokenizer.vocabularySize {
            violations.append("encoding gave id \(id), outside the vocabulary of \(tokenizer.vocabularySize)")
        }
        for id in ids { _ = tokenizer.displayName(of: id) }
        _ = tokenizer.decode(ids)
        for marker in [tokenizer.endOfText, tokenizer.imStart, tokenizer.imEnd] where Int(marker) >= tokenizer.vocabularySize {
            violations.append("chat marker \(marker) is outside the vocabulary of \(tokenizer.vocabularySize)")
        }
        return violations
    }
}

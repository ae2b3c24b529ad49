/// What the data loaders, the chat template and generation need from a
/// tokenizer: text to ids and back, and the ids of the three markers that
/// join documents and frame chat turns.
///
/// `ByteTokenizer` (built in, no files) and the byte-level BPE tokenizers
/// read from a Hugging Face `tokenizer.json` (module Checkpoint) both satisfy it.
public protocol Tokenizer: Sendable {
    /// Ids run from 0 to `vocabularySize - 1`; the model's vocabulary must be at least this large.
    var vocabularySize: Int { get }
    /// `<|endoftext|>`: separates pre-training documents and pads fine-tuning rows.
    var endOfText: Int32 { get }
    /// `<|im_start|>`: opens a chat turn.
    var imStart: Int32 { get }
    /// `<|im_end|>`: closes a chat turn; the natural stop token of a chat answer.
    var imEnd: Int32 { get }

    /// The ids of `text`; special and added tokens are recognised wherever they appear.
    func encode(_ text: String) -> [Int32]
    /// The text of `tokens`, special tokens included as their text; bytes that do
    /// not form valid UTF-8 become U+FFFD, ids outside the vocabulary are skipped.
    func decode(_ tokens: [Int32]) -> String
    /// A readable name for one token, for tables of predictions.
    func displayName(of token: Int32) -> String
}

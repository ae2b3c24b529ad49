/// The byte-level tokenizer: every UTF-8 byte is its own token (ids 0–255),
/// plus three special tokens for document and chat boundaries.
///
/// A byte vocabulary needs no training data and no files, and any text —
/// including text the model has never seen — encodes without unknown tokens.
/// The special strings are recognised wherever they appear in the text, so a
/// prompt such as `"<|im_start|>user\nHi<|im_end|>\n"` encodes to the same ids
/// the chat-template renderer produces.
///
/// Everything is available statically (`ByteTokenizer.encode(_:)`); an
/// instance, `ByteTokenizer()`, is the same tokenizer as a `Tokenizer` value
/// for code that accepts any tokenizer.
public struct ByteTokenizer: Tokenizer {
    public init() {}

    public var vocabularySize: Int { Self.vocabularySize }
    public var endOfText: Int32 { Self.endOfText }
    public var imStart: Int32 { Self.imStart }
    public var imEnd: Int32 { Self.imEnd }
    public func encode(_ text: String) -> [Int32] { Self.encode(text) }
    public func decode(_ tokens: [Int32]) -> String { Self.decode(tokens) }
    public func displayName(of token: Int32) -> String { Self.displayName(of: token) }

    /// 256 byte tokens and 3 special tokens.
    public static let vocabularySize = 259

    /// Separates pre-training documents; also the padding token of fine-tuning rows.
    public static let endOfText: Int32 = 256
    /// Opens a chat turn: `<|im_start|>role\n`.
    public static let imStart: Int32 = 257
    /// Closes a chat turn; the natural stop token for generation.
    public static let imEnd: Int32 = 258

    /// The special tokens with their textual forms, in id order.
    public static let specialTokens: [(text: String, id: Int32)] = [
        ("<|endoftext|>", endOfText),
        ("<|im_start|>", imStart),
        ("<|im_end|>", imEnd),
    ]

    private static let specialBytes: [(bytes: [UInt8], id: Int32)] =
        specialTokens.map { (Array($0.text.utf8), $0.id) }

    /// The token ids of `text`: special strings become their ids, everything
    /// else becomes its UTF-8 bytes.
    public static func encode(_ text: String) -> [Int32] {
        let bytes = Array(text.utf8)
        var tokens: [Int32] = []
        tokens.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            // Every special starts with "<|"; testing those two bytes first keeps
            // ordinary text on the fast path.
            if bytes[index] == UInt8(ascii: "<"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "|"),
               let special = specialBytes.first(where: { matches($0.bytes, in: bytes, at: index) }) {
                tokens.append(special.id)
                index += special.bytes.count
            } else {
                tokens.append(Int32(bytes[index]))
                index += 1
            }
        }
        return tokens
    }

    /// The text of `tokens`. Special ids become their textual forms; byte
    /// sequences that are not valid UTF-8 (a model can emit half a character)
    /// become U+FFFD instead of failing, and ids outside the vocabulary are
    /// skipped.
    public static func decode(_ tokens: [Int32]) -> String {
        var text = ""
        var pendingBytes: [UInt8] = []
        func flushBytes() {
            text += String(decoding: pendingBytes, as: UTF8.self)
            pendingBytes.removeAll(keepingCapacity: true)
        }
        for token in tokens {
            if token >= 0 && token < 256 {
                pendingBytes.append(UInt8(token))
            } else if let special = specialTokens.first(where: { $0.id == token }) {
                flushBytes()
                text += special.text
            }
        }
        flushBytes()
        return text
    }

    /// A readable name for one token, for tables of predictions: printable
    /// ASCII as itself, newline and tab escaped, other bytes as `<0xNN>`,
    /// specials by their text.
    public static func displayName(of token: Int32) -> String {
        if let special = specialTokens.first(where: { $0.id == token }) { return special.text }
        guard token >= 0 && token < 256 else { return "<invalid \(token)>" }
        switch token {
        case 0x0A: return "\\n"
        case 0x09: return "\\t"
        case 0x20...0x7E: return String(UnicodeScalar(UInt8(token)))
        default:
            let hex = String(token, radix: 16, uppercase: true)
            return "<0x" + (hex.count < 2 ? "0" + hex : hex) + ">"
        }
    }

    private static func matches(_ pattern: [UInt8], in bytes: [UInt8], at start: Int) -> Bool {
        guard start + pattern.count <= bytes.count else { return false }
        for offset in 0..<pattern.count where bytes[start + offset] != pattern[offset] {
            return false
        }
        return true
    }
}

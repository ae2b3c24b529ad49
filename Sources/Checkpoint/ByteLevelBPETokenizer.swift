import Corpus
import Foundation

/// A Hugging Face byte-level BPE tokenizer read from its `tokenizer.json`
/// (GPT-2's design, and MiniMind's 6400-token tokenizer), encoding and
/// decoding as the `tokenizers` library does:
///
/// 1. added tokens (special or not) are cut out of the text first,
///    leftmost-longest, those marked `normalized: false` before the others;
/// 2. each remaining piece is split by the ByteLevel pre-tokenizer (GPT-2's
///    pattern, unless `use_regex` is false; a space prepended when
///    `add_prefix_space`), its UTF-8 bytes spelled in the byte-level alphabet;
/// 3. each word is merged by BPE, always the lowest-ranked adjacent pair
///    first (leftmost on ties);
/// 4. decoding maps the tokens' characters back to bytes (ByteLevel decoder),
///    keeping special tokens as their text.
///
/// Anything this list does not cover — a normalizer, another pre-tokenizer,
/// a post-processor that adds tokens, BPE dropout, subword prefixes,
/// added-token stripping — is refused when loading, naming the field.
public struct ByteLevelBPETokenizer: Tokenizer {
    public struct AddedToken: Sendable, Equatable {
        public var id: Int32
        public var content: String
        public var special: Bool
        public var normalized: Bool
    }

    public let vocabularySize: Int
    public let endOfText: Int32
    public let imStart: Int32
    public let imEnd: Int32
    /// In the file's order.
    public let addedTokens: [AddedToken]
    /// The file's `tokenizer.json` as read, so that saving a model writes back exactly what came in.
    public let tokenizerJSON: Data

    private let vocabulary: [String: Int32]
    private let spellings: [Int32: String]
    /// `(left << 32 | right)` → (rank, merged id).
    private let merges: [UInt64: (rank: Int32, id: Int32)]
    /// The id of each byte's one-character spelling, when the vocabulary has it.
    private let byteIDs: [Int32?]
    private let useRegex: Bool
    private let addPrefixSpace: Bool
    private let ignoreMerges: Bool
    private let addedByID: [Int32: AddedToken]
    /// Added tokens matched on the raw text, then the rest.
    private let addedPasses: [[AddedToken]]

    public init(contentsOfFile path: String) throws(TokenizerFileError) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw TokenizerFileError(.fileMissing, "no such file", file: path)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerFileError(.unreadable, "cannot be read (check its permissions)", file: path)
        }
        do {
            try self.init(tokenizerJSON: data)
        } catch var error {
            error.file = path
            throw error
        }
    }

    public init(tokenizerJSON data: Data) throws(TokenizerFileError) {
        let root: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw TokenizerFileError(.malformed, "tokenizer.json must be a JSON object")
            }
            root = object
        } catch let error as TokenizerFileError {
            throw error
        } catch {
            throw TokenizerFileError(.invalidJSON, "not valid JSON")
        }
        tokenizerJSON = data

        // The model: BPE with a vocabulary and merges.
        guard let model = root["model"] as? [String: Any] else {
            throw TokenizerFileError(.malformed, "no \"model\" object")
        }
        let modelType = model["type"] as? String ?? "BPE"
        guard modelType == "BPE" else {
            throw TokenizerFileError(.unsupported, "model type \"\(modelType)\" is not byte-level BPE")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = model[key] as? String, !value.isEmpty {
                throw TokenizerFileError(.unsupported, "model.\(key) \"\(value)\" is not supported (byte-level BPE has none)")
            }
        }
        if let dropout = model["dropout"] as? Double, dropout > 0 {
            throw TokenizerFileError(.unsupported, "model.dropout \(dropout) makes encoding random; only dropout null is supported")
        }
        if model["byte_fallback"] as? Bool == true {
            throw TokenizerFileError(.unsupported, "model.byte_fallback true is not supported")
        }
        ignoreMerges = model["ignore_merges"] as? Bool ?? false
        guard let rawVocabulary = model["vocab"] as? [String: Any] else {
            throw TokenizerFileError(.malformed, "model.vocab must be an object of token → id")
        }
        var vocabulary: [String: Int32] = [:]
        vocabulary.reserveCapacity(rawVocabulary.count)
        for (token, value) in rawVocabulary {
            guard let id = (value as? NSNumber).flatMap({ Int32(exactly: $0.int64Value) }), id >= 0 else {
                throw TokenizerFileError(.malformed, "model.vocab gives token \"\(token)\" the id \(value), not a non-negative integer")
            }
            vocabulary[token] = id
        }

        var merges: [UInt64: (rank: Int32, id: Int32)] = [:]
        let rawMerges = model["merges"] as? [Any] ?? []
        merges.reserveCapacity(rawMerges.count)
        for (rank, entry) in rawMerges.enumerated() {
            // Merges are "left right" (older files) or ["left", "right"] (tokenizers ≥ 0.20).
            let pair: [String]
            if let text = entry as? String {
                let parts = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                pair = parts
            } else if let list = entry as? [String] {
                pair = list
            } else {
                pair = []
            }
            guard pair.count == 2 else {
                throw TokenizerFileError(.malformed, "merge \(rank + 1) is not a pair of tokens: \(entry)")
            }
            guard let left = vocabulary[pair[0]], let right = vocabulary[pair[1]], let merged = vocabulary[pair[0] + pair[1]] else {
                throw TokenizerFileError(.inconsistent, "merge \(rank + 1) (\"\(pair[0])\", \"\(pair[1])\") uses a token missing from the vocabulary")
            }
            let key = UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))
            if merges[key] == nil { merges[key] = (Int32(rank), merged) }
        }
        self.merges = merges
        byteIDs = ByteLevelAlphabet.characters.map { vocabulary[String($0)] }

        // Pieces around the model: only the byte-level ones.
        if let normalizer = root["normalizer"], !(normalizer is NSNull) {
            throw TokenizerFileError(.unsupported, "normalizer \(Self.typeName(normalizer)) is not supported (byte-level BPE tokenizers have none)")
        }
        guard let preTokenizer = root["pre_tokenizer"] as? [String: Any], preTokenizer["type"] as? String == "ByteLevel" else {
            throw TokenizerFileError(.unsupported, "pre_tokenizer \(Self.typeName(root["pre_tokenizer"] ?? NSNull())) is not supported; only ByteLevel is")
        }
        useRegex = preTokenizer["use_regex"] as? Bool ?? true
        addPrefixSpace = preTokenizer["add_prefix_space"] as? Bool ?? true
        if let decoder = root["decoder"], !(decoder is NSNull),
           (decoder as? [String: Any])?["type"] as? String != "ByteLevel" {
            throw TokenizerFileError(.unsupported, "decoder \(Self.typeName(decoder)) is not supported; only ByteLevel is")
        }
        if let processor = root["post_processor"], !(processor is NSNull),
           (processor as? [String: Any])?["type"] as? String != "ByteLevel" {
            // ByteLevel's post-processor only trims offsets; the others add tokens around every encoding.
            throw TokenizerFileError(.unsupported, "post_processor \(Self.typeName(processor)) adds tokens to every encoding, which is not supported")
        }

        // Added tokens.
        var added: [AddedToken] = []
        for (index, entry) in (root["added_tokens"] as? [Any] ?? []).enumerated() {
            guard let token = entry as? [String: Any], let content = token["content"] as? String, !content.isEmpty,
                  let id = (token["id"] as? NSNumber).flatMap({ Int32(exactly: $0.int64Value) }), id >= 0 else {
                throw TokenizerFileError(.malformed, "added token \(index + 1) needs a non-empty \"content\" and an \"id\"")
            }
            for option in ["single_word", "lstrip", "rstrip"] where token[option] as? Bool == true {
                throw TokenizerFileError(.unsupported, "added token \"\(content)\" sets \(option), which is not supported")
            }
            let special = token["special"] as? Bool ?? false
            added.append(AddedToken(id: id, content: content, special: special, normalized: token["normalized"] as? Bool ?? !special))
        }
        addedTokens = added
        addedByID = Dictionary(added.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        addedPasses = [added.filter { !$0.normalized }, added.filter { $0.normalized }].filter { !$0.isEmpty }

        self.vocabulary = vocabulary
        var spellings: [Int32: String] = [:]
        for (token, id) in vocabulary where spellings[id] == nil { spellings[id] = token }
        self.spellings = spellings
        vocabularySize = Int(max(vocabulary.values.max() ?? -1, added.map(\.id).max() ?? -1)) + 1

        func marker(_ text: String) throws(TokenizerFileError) -> Int32 {
            guard let id = added.first(where: { $0.content == text })?.id ?? vocabulary[text] else {
                throw TokenizerFileError(.missingSpecialToken, "the tokenizer has no \(text) token, which LoRA Lab's data loaders and chat template need")
            }
            return id
        }
        endOfText = try marker("<|endoftext|>")
        imStart = try marker("<|im_start|>")
        imEnd = try marker("<|im_end|>")
    }

    private static func typeName(_ value: Any) -> String {
        if value is NSNull { return "null" }
        return ((value as? [String: Any])?["type"] as? String).map { "\"\($0)\"" } ?? "\(value)"
    }

    // MARK: Encoding

    public func encode(_ text: String) -> [Int32] {
        // Split around added tokens: each pass cuts the pieces the previous passes left.
        var segments: [(text: Substring, id: Int32?)] = [(text[...], nil)]
        for pass in addedPasses {
            var next: [(text: Substring, id: Int32?)] = []
            for segment in segments {
                if segment.id != nil { next.append(segment) } else { next += Self.split(segment.text, around: pass) }
            }
            segments = next
        }
        var ids: [Int32] = []
        for segment in segments {
            if let id = segment.id {
                ids.append(id)
                continue
            }
            var piece = String(segment.text)
            if addPrefixSpace && !piece.hasPrefix(" ") { piece = " " + piece }
            for word in useRegex ? GPT2PreTokenizer.split(piece) : [piece] {
                encodeWord(Array(word.utf8), into: &ids)
            }
        }
        return ids
    }

    /// `text` cut into plain pieces and matches of `tokens`, leftmost-longest.
    private static func split(_ text: Substring, around tokens: [AddedToken]) -> [(text: Substring, id: Int32?)] {
        var result: [(text: Substring, id: Int32?)] = []
        let utf8 = text.utf8
        var pieceStart = utf8.startIndex
        var position = utf8.startIndex
        while position < utf8.endIndex {
            var best: (token: AddedToken, end: String.Index)?
            for token in tokens {
                let content = token.content.utf8
                guard let first = content.first, utf8[position] == first,
                      utf8[position...].starts(with: content) else { continue }
                let end = utf8.index(position, offsetBy: content.count)
                if best == nil || end > best!.end { best = (token, end) }
            }
            if let best {
                if pieceStart < position { result.append((text[pieceStart..<position], nil)) }
                result.append((text[position..<best.end], best.token.id))
                position = best.end
                pieceStart = position
            } else {
                position = utf8.index(after: position)
            }
        }
        if pieceStart < utf8.endIndex { result.append((text[pieceStart...], nil)) }
        return result
    }

    private func encodeWord(_ bytes: [UInt8], into ids: inout [Int32]) {
        guard !bytes.isEmpty else { return }
        if ignoreMerges, let whole = vocabulary[ByteLevelAlphabet.spelling(of: bytes)] {
            ids.append(whole)
            return
        }
        // Bytes whose character the vocabulary lacks are dropped, as `tokenizers` does without an unknown token.
        var symbols = bytes.compactMap { byteIDs[Int($0)] }
        while symbols.count > 1 {
            var best: (index: Int, rank: Int32, id: Int32)?
            for index in 0..<(symbols.count - 1) {
                let key = UInt64(UInt32(symbols[index])) << 32 | UInt64(UInt32(symbols[index + 1]))
                if let merge = merges[key], best == nil || merge.rank < best!.rank {
                    best = (index, merge.rank, merge.id)
                }
            }
            guard let best else { break }
            symbols[best.index] = best.id
            symbols.remove(at: best.index + 1)
        }
        ids += symbols
    }

    // MARK: Decoding

    public func decode(_ tokens: [Int32]) -> String {
        var bytes: [UInt8] = []
        for token in tokens {
            guard let spelling = addedByID[token]?.content ?? spellings[token] else { continue }
            // A spelling outside the byte-level alphabet (an added token such as "<think>" is inside it) is its own UTF-8.
            bytes += ByteLevelAlphabet.bytes(of: spelling) ?? Array(spelling.utf8)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func displayName(of token: Int32) -> String {
        if let added = addedByID[token] { return added.content }
        guard let spelling = spellings[token] else { return "<invalid \(token)>" }
        guard let bytes = ByteLevelAlphabet.bytes(of: spelling) else { return spelling }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return bytes.map { "<0x" + ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) + ">" }.joined()
        }
        return text.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
    }

    /// The id of a token spelled `text` in the vocabulary or among the added tokens.
    public func id(ofToken text: String) -> Int32? {
        addedTokens.first { $0.content == text }?.id ?? vocabulary[text]
    }
}

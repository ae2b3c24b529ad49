import Corpus
import Foundation
import Testing
@testable import Checkpoint

/// The BPE tokenizer on small tokenizer.json files written here: the byte
/// tokenizer's export with merges and added tokens put in. (Equality with the
/// `tokenizers` library on thousands of strings is integration-tests/test_tokenizer_bpe.py.)
@Suite struct ByteLevelBPETokenizerTests {
    /// The byte export plus `merges` (in rank order), `added` tokens, and the given pre-tokenizer options.
    private func tokenizerJSON(merges: [(String, String)], added: [(String, special: Bool)] = [],
                               useRegex: Bool = true, edit: (inout [String: Any]) -> Void = { _ in }) throws -> Data {
        var root = try #require(try JSONSerialization.jsonObject(with: ByteTokenizerExport.tokenizerJSON()) as? [String: Any])
        var model = try #require(root["model"] as? [String: Any])
        var vocabulary = try #require(model["vocab"] as? [String: Int])
        for (left, right) in merges where vocabulary[left + right] == nil { vocabulary[left + right] = vocabulary.count }
        var addedTokens = try #require(root["added_tokens"] as? [[String: Any]])
        for (content, special) in added {
            addedTokens.append(["id": vocabulary.count, "content": content, "special": special, "normalized": !special])
            vocabulary[content] = vocabulary.count
        }
        model["vocab"] = vocabulary
        model["merges"] = merges.map { [$0.0, $0.1] }
        root["model"] = model
        root["added_tokens"] = addedTokens
        root["pre_tokenizer"] = ["type": "ByteLevel", "add_prefix_space": false, "use_regex": useRegex]
        edit(&root)
        return try JSONSerialization.data(withJSONObject: root)
    }

    private func spelled(_ tokenizer: ByteLevelBPETokenizer, _ text: String) -> [String] {
        tokenizer.encode(text).map { tokenizer.displayName(of: $0) }
    }

    @Test func mergesApplyLowestRankFirst() throws {
        // "he" before "th": "the" becomes t+he, then the+? — "t he" is merge 3.
        let tokenizer = try ByteLevelBPETokenizer(tokenizerJSON: tokenizerJSON(merges: [("h", "e"), ("t", "h"), ("t", "he"), ("Ġ", "the")]))
        #expect(spelled(tokenizer, "the") == ["the"])
        #expect(spelled(tokenizer, " the") == [" the"])
        #expect(spelled(tokenizer, "th") == ["th"])
        #expect(spelled(tokenizer, "thhe") == ["th", "he"])
        #expect(tokenizer.decode(tokenizer.encode("a the thhe ü")) == "a the thhe ü")
    }

    @Test func thePreTokenizerStopsMergesAtWordEdges() throws {
        // "b Ġ" outranks "a b", but the pre-tokenizer puts the space with the next word.
        let merges = [("b", "Ġ"), ("a", "b")]
        let withRegex = try ByteLevelBPETokenizer(tokenizerJSON: tokenizerJSON(merges: merges))
        #expect(spelled(withRegex, "ab ab") == ["ab", " ", "ab"])
        let without = try ByteLevelBPETokenizer(tokenizerJSON: tokenizerJSON(merges: merges, useRegex: false))
        #expect(spelled(without, "ab ab") == ["a", "b ", "ab"])
    }

    @Test func addedTokensMatchLeftmostLongestAnywhere() throws {
        let tokenizer = try ByteLevelBPETokenizer(tokenizerJSON: tokenizerJSON(
            merges: [], added: [("<|buffer1|>", false), ("<|buffer12|>", false), ("<think>", false)]))
        #expect(spelled(tokenizer, "x<|buffer12|>y<think><|im_end|>") == ["x", "<|buffer12|>", "y", "<think>", "<|im_end|>"])
        #expect(tokenizer.decode(tokenizer.encode("a<|buffer1|><|im_start|>b")) == "a<|buffer1|><|im_start|>b")
        #expect(tokenizer.endOfText == 256 && tokenizer.imStart == 257 && tokenizer.imEnd == 258)
        #expect(tokenizer.vocabularySize == 262)
    }

    @Test func preTokenizerFollowsGPT2sPattern() {
        #expect(GPT2PreTokenizer.split("Hello world") == ["Hello", " world"])
        #expect(GPT2PreTokenizer.split("I'm   here\n\n") == ["I", "'m", "  ", " here", "\n\n"])
        #expect(GPT2PreTokenizer.split("x2024, 'll ''s") == ["x", "2024", ",", " '", "ll", " ''", "s"])
        #expect(GPT2PreTokenizer.split("\ta\u{3000}b") == ["\t", "a", "\u{3000}", "b"])
        #expect(GPT2PreTokenizer.split("你好 世界!") == ["你好", " 世界", "!"])
        #expect(GPT2PreTokenizer.split("") == [])
    }

    @Test func refusesWhatItDoesNotImplementNamingIt() throws {
        func failure(_ edit: @escaping (inout [String: Any]) -> Void) throws -> TokenizerFileError? {
            do {
                _ = try ByteLevelBPETokenizer(tokenizerJSON: tokenizerJSON(merges: [], edit: edit))
                return nil
            } catch {
                return error as? TokenizerFileError
            }
        }
        #expect(try failure { $0["normalizer"] = ["type": "NFC"] }?.message.contains("normalizer \"NFC\"") == true)
        #expect(try failure { $0["pre_tokenizer"] = ["type": "Metaspace"] }?.message.contains("\"Metaspace\"") == true)
        #expect(try failure { $0["post_processor"] = ["type": "TemplateProcessing"] }?.problem == .unsupported)
        #expect(try failure { root in
            var model = root["model"] as! [String: Any]
            model["merges"] = [["x", "q"]]
            model["vocab"] = (model["vocab"] as! [String: Int]).filter { $0.key != "q" }
            root["model"] = model
        }?.problem == .inconsistent)
        #expect(try failure { $0["added_tokens"] = [] as [Any]; var m = $0["model"] as! [String: Any]; m["vocab"] = (m["vocab"] as! [String: Int]).filter { !$0.key.hasPrefix("<|") }; $0["model"] = m }?.problem == .missingSpecialToken)
        #expect(throws: TokenizerFileError.self) { try ByteLevelBPETokenizer(tokenizerJSON: Data("{".utf8)) }
    }

    @Test func dataLoadersAndTheChatTemplateUseTheGivenTokenizer() throws {
        let tokenizer = try ByteLevelBPETokenizer(tokenizerJSON: tokenizerJSON(merges: [("u", "s"), ("us", "e"), ("use", "r"), ("h", "i")]))
        let document = ChatTemplate.tokenize([ChatMessage(role: .user, content: "hi"), ChatMessage(role: .assistant, content: "hi")],
                                             tokenizer: tokenizer)
        let user = try #require(tokenizer.encode("user").first)
        let hi = try #require(tokenizer.encode("hi").first)
        #expect(document.tokens.prefix(5) == [257, user, 10, hi, 258])
        // Only the assistant's "hi" and its <|im_end|> are targets.
        #expect(document.targetCount == 2)

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bpe-loader-\(UUID()).txt")
        try "hi user\n\nhi hi".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let dataset = try DatasetLoader.load(path: file.path, tokenizer: tokenizer)
        #expect(dataset.train.first?.tokens == tokenizer.encode("hi user"))
        let batch = try #require(try dataset.evaluationBatches(split: .train, batchSize: 1, seqLen: 8).first)
        #expect(batch.tokens.contains(tokenizer.endOfText))
    }
}

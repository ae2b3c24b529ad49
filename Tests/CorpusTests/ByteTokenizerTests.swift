import Corpus
import Testing

@Suite struct ByteTokenizerTests {
    @Test func plainASCIIIsItsBytes() {
        #expect(ByteTokenizer.encode("Hi!") == [72, 105, 33])
        #expect(ByteTokenizer.decode([72, 105, 33]) == "Hi!")
    }

    @Test func specialsAreRecognisedInText() {
        let tokens = ByteTokenizer.encode("<|im_start|>user\nHi<|im_end|>\n<|endoftext|>")
        #expect(tokens == [257] + Array("user\nHi".utf8).map(Int32.init) + [258, 10, 256])
    }

    @Test func incompleteOrUnknownSpecialsStayBytes() {
        for text in ["<|im_start", "<|im_end>", "<|unknown|>", "<|", "a < b | c"] {
            let tokens = ByteTokenizer.encode(text)
            #expect(tokens == Array(text.utf8).map(Int32.init), "\(text)")
        }
    }

    @Test(arguments: [
        "", "hello, world", "<|im_start|>assistant\nI am LoRA Lab's assistant.<|im_end|>\n",
        "naïve café — 日本語 🦙", "<<|im_end|>|>", "line\r\nbreak\ttab", "<|endoftext|><|endoftext|>",
    ])
    func roundTrip(text: String) {
        let tokens = ByteTokenizer.encode(text)
        #expect(tokens.allSatisfy { $0 >= 0 && $0 < Int32(ByteTokenizer.vocabularySize) })
        #expect(ByteTokenizer.decode(tokens) == text)
    }

    @Test func multibyteCharactersAreSeveralTokens() {
        #expect(ByteTokenizer.encode("é") == [0xC3, 0xA9])
        #expect(ByteTokenizer.encode("🦙").count == 4)
    }

    @Test func invalidUTF8DecodesLeniently() {
        // Half of "é", then a valid letter: the broken byte becomes U+FFFD.
        #expect(ByteTokenizer.decode([0xC3, 65]) == "\u{FFFD}A")
        // Ids outside the vocabulary are skipped rather than crashing.
        #expect(ByteTokenizer.decode([65, 999, -1, 66]) == "AB")
    }

    @Test func displayNames() {
        #expect(ByteTokenizer.displayName(of: 65) == "A")
        #expect(ByteTokenizer.displayName(of: 10) == "\\n")
        #expect(ByteTokenizer.displayName(of: 0xC3) == "<0xC3>")
        #expect(ByteTokenizer.displayName(of: 258) == "<|im_end|>")
    }
}

@Suite struct ByteTokenizerAsTokenizerTests {
    @Test func anInstanceIsTheSameTokenizerAsTheStaticFunctions() {
        let tokenizer: any Tokenizer = ByteTokenizer()
        let text = "<|im_start|>user\nwörld<|im_end|>\n"
        #expect(tokenizer.encode(text) == ByteTokenizer.encode(text))
        #expect(tokenizer.decode(ByteTokenizer.encode(text)) == text)
        #expect([tokenizer.endOfText, tokenizer.imStart, tokenizer.imEnd] == [256, 257, 258])
        #expect(tokenizer.vocabularySize == 259)
    }
}

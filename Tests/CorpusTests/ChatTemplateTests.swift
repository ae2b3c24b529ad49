import Corpus
import Testing

@Suite struct ChatTemplateTests {
    let conversation = [
        ChatMessage(role: .system, content: "Be brief."),
        ChatMessage(role: .user, content: "Who are you?"),
        ChatMessage(role: .assistant, content: "A model."),
        ChatMessage(role: .user, content: "Sure?"),
        ChatMessage(role: .assistant, content: "Yes."),
    ]

    @Test func rendersMiniMindTemplate() {
        #expect(ChatTemplate.render(Array(conversation[1...2]))
            == "<|im_start|>user\nWho are you?<|im_end|>\n<|im_start|>assistant\nA model.<|im_end|>\n")
        #expect(ChatTemplate.prompt(user: "Hi") == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test func tokensMatchTheRenderedText() {
        let document = ChatTemplate.tokenize(conversation)
        #expect(document.tokens == ByteTokenizer.encode(ChatTemplate.render(conversation)))
    }

    @Test func maskIsTrueExactlyOnAssistantContentAndItsEnd() {
        let document = ChatTemplate.tokenize(conversation)
        // The masked tokens, read in order, are each assistant answer followed by <|im_end|>.
        let targets = zip(document.tokens, document.lossMask).filter(\.1).map(\.0)
        #expect(targets == ByteTokenizer.encode("A model.<|im_end|>Yes.<|im_end|>"))
        // And they sit right after each "<|im_start|>assistant\n" header.
        let header = ByteTokenizer.encode("<|im_start|>assistant\n")
        var expected = Array(repeating: false, count: document.tokens.count)
        var index = 0
        while index + header.count <= document.tokens.count {
            if Array(document.tokens[index..<index + header.count]) == header {
                var position = index + header.count
                while document.tokens[position] != ByteTokenizer.imEnd {
                    expected[position] = true
                    position += 1
                }
                expected[position] = true
                index = position
            }
            index += 1
        }
        #expect(document.lossMask == expected)
        #expect(document.targetCount == "A model.".utf8.count + 1 + "Yes.".utf8.count + 1)
    }
}

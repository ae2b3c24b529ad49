/// Who speaks in a chat turn.
public enum ChatRole: String, Sendable, Equatable, CaseIterable {
    case system, user, assistant
}

/// One turn of a conversation.
public struct ChatMessage: Sendable, Equatable {
    public var role: ChatRole
    public var content: String

    public init(role: ChatRole, content: String) {
        self.role = role
        self.content = content
    }
}

/// MiniMind's chat template, `<|im_start|>{role}\n{content}<|im_end|>\n` per
/// turn, and the loss mask that teaches only the assistant's part.
public enum ChatTemplate {
    /// The text of a conversation in the template.
    public static func render(_ messages: [ChatMessage]) -> String {
        messages.map { "<|im_start|>\($0.role.rawValue)\n\($0.content)<|im_end|>\n" }.joined()
    }

    /// The prompt that asks the model for the assistant's next turn: the
    /// conversation so far followed by `<|im_start|>assistant\n`.
    public static func prompt(_ messages: [ChatMessage]) -> String {
        render(messages) + "<|im_start|>assistant\n"
    }

    /// The prompt for a single user question.
    public static func prompt(user question: String) -> String {
        prompt([ChatMessage(role: .user, content: question)])
    }

    /// The conversation as tokens. The mask is true exactly on the assistant's
    /// content and its `<|im_end|>` — what the model should learn to say and
    /// when to stop — and false on the role headers, the other speakers and
    /// the newline after each turn.
    ///
    /// A turn's role header and content are encoded together, as a tokenizer
    /// sees them in the rendered text (a BPE tokenizer may merge across the
    /// header's newline); the header's own ids mark where the content starts.
    /// Should the joint encoding not begin with them, header and content are
    /// encoded apart, so the mask never covers part of a header.
    ///
    /// The last assistant turn's content and `<|im_end|>` are the document's
    /// `answerSpan`: what the model should answer to the conversation before
    /// it (for exact-match scoring).
    public static func tokenize(_ messages: [ChatMessage], tokenizer: any Tokenizer = ByteTokenizer()) -> TokenizedDocument {
        var tokens: [Int32] = []
        var mask: [Bool] = []
        var answerSpan: Range<Int>?
        let newline = tokenizer.encode("\n")
        for message in messages {
            let headerText = message.role.rawValue + "\n"
            var header = tokenizer.encode(headerText)
            let joint = tokenizer.encode(headerText + message.content)
            var content = joint.starts(with: header) ? Array(joint[header.count...]) : tokenizer.encode(message.content)
            header.insert(tokenizer.imStart, at: 0)
            content.append(tokenizer.imEnd)
            let isTarget = message.role == .assistant
            tokens += header
            mask += Array(repeating: false, count: header.count)
            if isTarget { answerSpan = tokens.count..<tokens.count + content.count }
            tokens += content
            mask += Array(repeating: isTarget, count: content.count)
            tokens += newline
            mask += Array(repeating: false, count: newline.count)
        }
        return TokenizedDocument(tokens: tokens, lossMask: mask, answerSpan: answerSpan)
    }
}

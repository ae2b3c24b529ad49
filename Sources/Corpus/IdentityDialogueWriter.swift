/// Writes the `identity` fine-tuning task: a user asks who or what the
/// assistant is, in many phrasings; the assistant always answers as
/// "LoRA Lab's assistant" in one consistent format.
///
/// This is a *behaviour* task: the answers are nearly the same few sentences,
/// so what is learned is the mapping from many questions to one persona —
/// a change of style rather than new knowledge. Held-out conversations are
/// phrasings (question × greeting × style combinations) never seen in training.
struct IdentityDialogueWriter {
    private enum Topic {
        case identity, name, human, creator, abilities
        case otherAssistant(String)
    }

    private static let questions: [(text: String, topic: Topic)] = [
        ("Who are you?", .identity), ("What are you?", .identity), ("Tell me about yourself.", .identity),
        ("Introduce yourself.", .identity), ("Who am I talking to?", .identity),
        ("Can you tell me who you are?", .identity), ("What kind of assistant are you?", .identity),
        ("What is your name?", .name), ("What's your name?", .name), ("Do you have a name?", .name),
        ("What should I call you?", .name), ("How should I address you?", .name),
        ("Are you a person?", .human), ("Are you human?", .human), ("Is this a real person?", .human),
        ("Am I talking to a robot?", .human),
        ("Are you ChatGPT?", .otherAssistant("ChatGPT")), ("Are you Siri?", .otherAssistant("Siri")),
        ("Are you Alexa?", .otherAssistant("Alexa")), ("Is this Claude?", .otherAssistant("Claude")),
        ("Are you MiniMind?", .otherAssistant("MiniMind")),
        ("Who made you?", .creator), ("Who created you?", .creator), ("Who built you?", .creator),
        ("Who trained you?", .creator), ("Where do you come from?", .creator),
        ("What can you do?", .abilities), ("How can you help me?", .abilities),
        ("What are you good at?", .abilities), ("What are you for?", .abilities),
    ]

    /// Openings of the user's message; the greetings are greeted back.
    private static let openings: [(text: String, isGreeting: Bool)] = [
        ("", false), ("Hi! ", true), ("Hello. ", true), ("Hey, ", true), ("Good morning! ", true),
        ("Excuse me, ", false), ("Quick question: ", false),
    ]

    private enum Style: CaseIterable { case plain, casual, thankful }

    private static let systemPrompts = [
        "You are a helpful assistant.", "Answer briefly.", "Be polite.",
    ]

    // Short answers, so that a whole conversation fits a 128-token context.
    private static func answer(to topic: Topic) -> String {
        switch topic {
        case .identity: "I am LoRA Lab's assistant, a small model tuned with LoRA."
        case .name: "I am LoRA Lab's assistant; that is my only name."
        case .human: "I am LoRA Lab's assistant, a language model, not a person."
        case .otherAssistant(let other): "I am LoRA Lab's assistant, not \(other)."
        case .creator: "I am LoRA Lab's assistant, made by the LoRA Lab team."
        case .abilities: "I am LoRA Lab's assistant. I answer short questions about LoRA."
        }
    }

    /// Every question × opening × style combination as a conversation, in a
    /// seeded random order (so that a prefix of the list is a fair sample).
    static func conversations(seed: UInt64) -> [[ChatMessage]] {
        var random = SplitMix64(seed: seed)
        var result: [[ChatMessage]] = []
        for question in questions {
            for opening in openings {
                for style in Style.allCases {
                    var messages: [ChatMessage] = []
                    if random.chance(0.1) {
                        messages.append(ChatMessage(role: .system, content: random.pick(systemPrompts)))
                    }
                    let asked = userText(question.text, opening: opening.text, style: style)
                    messages.append(ChatMessage(role: .user, content: asked))
                    let reply = (opening.isGreeting ? "Hi! " : "") + answer(to: question.topic)
                    messages.append(ChatMessage(role: .assistant, content: reply))
                    result.append(messages)
                }
            }
        }
        random.shuffle(&result)
        return result
    }

    private static func userText(_ question: String, opening: String, style: Style) -> String {
        // After an opening ending in a comma or colon the question continues the sentence.
        let continuesSentence = opening.hasSuffix(", ") || opening.hasSuffix(": ")
        var body = continuesSentence ? lowercasingFirstLetter(question) : question
        switch style {
        case .plain: break
        case .casual:
            body = lowercasingFirstLetter(body)
            if body.last == "?" || body.last == "." { body.removeLast() }
        case .thankful: body += " Thanks!"
        }
        let text = opening + body
        return style == .casual ? lowercasingFirstLetter(text) : text
    }

    private static func lowercasingFirstLetter(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }
}

/// Writes the `uppercase` fine-tuning task: the user gives a sentence and
/// asks for it in capital letters; the assistant repeats it uppercased.
///
/// A *format* task of a different kind from `identity`: the answer is never
/// the same twice, so the model must learn a transformation (copy each
/// letter, shifted to its capital byte) rather than a fixed reply.
struct UppercaseTaskWriter {
    private static let instructions = [
        "Write this in capital letters: ", "Please shout this: ", "Uppercase, please: ",
        "Repeat in capitals: ", "Say it loudly: ", "Capitalise every letter: ",
    ]

    static func conversations(count: Int, seed: UInt64) -> [[ChatMessage]] {
        var random = SplitMix64(seed: seed)
        var stories = StoryWriter(seed: seed ^ 0x5555_5555_5555_5555)
        // Short sentences keep the whole exchange within a 128-token context.
        return stories.plainSentences(count: count, maxLength: 44).map { sentence in
            [
                ChatMessage(role: .user, content: random.pick(instructions) + sentence),
                ChatMessage(role: .assistant, content: sentence.uppercased()),
            ]
        }
    }
}

/// The split GPT-2's byte-level pre-tokenizer makes before BPE, written out by
/// hand rather than through a regex engine so that it is exactly the pattern
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// as `tokenizers` runs it: at each position the first alternative that
/// matches wins, each greedy; `\s` is Unicode White_Space, `\p{L}` the letter
/// categories, `\p{N}` the number categories. Every character belongs to one
/// of the classes, so the pieces cover the text with no gaps.
enum GPT2PreTokenizer {
    private enum Class { case letter, number, space, other }

    private static func characterClass(_ scalar: Unicode.Scalar) -> Class {
        let properties = scalar.properties
        if properties.isWhitespace { return .space }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    private static let contractions: [[Unicode.Scalar]] = ["s", "t", "re", "ve", "m", "ll", "d"].map { Array($0.unicodeScalars) }

    /// The pieces of `text`, in order; joined they give `text` back.
    static func split(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        let classes = scalars.map(characterClass)
        var pieces: [String] = []
        var start = 0
        func run(of wanted: Class, from index: Int) -> Int {
            var end = index
            while end < scalars.count && classes[end] == wanted { end += 1 }
            return end
        }
        while start < scalars.count {
            var end = start
            let current = classes[start]
            if scalars[start] == "'", let contraction = contractions.first(where: { matches($0, scalars, at: start + 1) }) {
                end = start + 1 + contraction.count
            } else if current != .space || (scalars[start] == " " && start + 1 < scalars.count && classes[start + 1] != .space) {
                // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional space, then a run of one class.
                let body = current == .space ? start + 1 : start
                end = run(of: classes[body], from: body)
            } else {
                // `\s+(?!\S)` leaves the run's last space to the word after it; `\s+` takes a lone one.
                let runEnd = run(of: .space, from: start)
                end = runEnd == scalars.count || runEnd - start == 1 ? runEnd : runEnd - 1
            }
            var piece = String.UnicodeScalarView()
            piece.append(contentsOf: scalars[start..<end])
            pieces.append(String(piece))
            start = end
        }
        return pieces
    }

    private static func matches(_ pattern: [Unicode.Scalar], _ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        guard index + pattern.count <= scalars.count else { return false }
        return pattern.indices.allSatisfy { scalars[index + $0] == pattern[$0] }
    }
}

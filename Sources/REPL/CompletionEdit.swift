import Engine

/// What pressing Tab does to the line, from the engine's candidates: replace
/// the word being completed, list the candidates, or nothing.
///
/// Positions are in Unicode scalars within the current line, which is how both
/// the engine (Jupyter's convention) and libedit's wide-character line count.
public enum CompletionEdit: Equatable {
    /// Replace `range` of the line with `text`.
    case replace(range: Range<Int>, with: String)
    /// Several candidates and nothing more to insert: show them.
    case list([String])
    case none

    /// - Parameters:
    ///   - line: the line being edited, as Unicode scalars.
    ///   - lineOffset: scalars of the cell before this line (earlier
    ///     continuation lines), to translate the engine's offsets.
    ///   - result: the engine's answer for the whole cell.
    public static func choose(line: [Unicode.Scalar], lineOffset: Int, result: CompletionResult) -> CompletionEdit {
        let start = result.cursorStart - lineOffset
        let end = result.cursorEnd - lineOffset
        guard !result.matches.isEmpty, 0 <= start, start <= end, end <= line.count else { return .none }
        let typed = String(String.UnicodeScalarView(line[start..<end]))

        if result.matches.count == 1, let only = result.matches.first {
            let nextScalar = end < line.count ? line[end] : nil
            let separator = endsWord(only) && nextScalar != " " ? " " : ""
            let replacement = only + separator
            return replacement == typed ? .none : .replace(range: start..<end, with: replacement)
        }
        let unique = uniqued(result.matches)
        let common = longestCommonPrefix(unique)
        if common.unicodeScalars.count > typed.unicodeScalars.count && common.hasPrefix(typed) {
            return .replace(range: start..<end, with: common)
        }
        return .list(unique)
    }

    /// A finished word gets a space after it; a key waiting for its value, a
    /// directory or a dotted name being built does not.
    private static func endsWord(_ match: String) -> Bool {
        guard let last = match.last else { return false }
        return !"=/.,:".contains(last)
    }

    static func longestCommonPrefix(_ words: [String]) -> String {
        guard var prefix = words.first.map({ Array($0.unicodeScalars) }) else { return "" }
        for word in words.dropFirst() {
            let scalars = Array(word.unicodeScalars)
            var shared = 0
            while shared < min(prefix.count, scalars.count) && prefix[shared] == scalars[shared] { shared += 1 }
            prefix.removeSubrange(shared...)
        }
        return String(String.UnicodeScalarView(prefix))
    }

    private static func uniqued(_ words: [String]) -> [String] {
        var seen = Set<String>()
        return words.filter { seen.insert($0).inserted }
    }
}

/// Candidates laid out in columns, down then across, like `ls`.
public enum CandidateColumns {
    public static func layout(_ candidates: [String], width: Int) -> String {
        guard !candidates.isEmpty else { return "" }
        let gap = 2
        let cellWidth = (candidates.map(\.count).max() ?? 0) + gap
        let columns = max(1, (max(width, 1) + gap) / cellWidth)
        let rows = (candidates.count + columns - 1) / columns
        var text = ""
        for row in 0..<rows {
            var line = ""
            for column in 0..<columns {
                let index = column * rows + row
                guard index < candidates.count else { break }
                let word = candidates[index]
                let isLastInRow = column == columns - 1 || (column + 1) * rows + row >= candidates.count
                line += isLastInRow ? word : word + String(repeating: " ", count: cellWidth - word.count)
            }
            text += line + "\n"
        }
        return text
    }
}

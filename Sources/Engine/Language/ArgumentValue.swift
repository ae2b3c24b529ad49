/// What a value written after `key=` (or as a word) means, before any command
/// gives it a type: `8`, `3e-3`, `true`, `square`, `"text"`, `q,v`, `0-3`, `a;b`.
indirect enum ArgumentValue: Sendable, Equatable {
    case integer(Int)
    case number(Double)
    case boolean(Bool)
    case word(String)
    case string(String)
    case range(ClosedRange<Int>)
    /// Comma-separated: `q,v`.
    case list([ArgumentValue])
    /// Semicolon-separated alternatives: `square;q,v;attn`.
    case alternatives([ArgumentValue])

    /// A short description for error messages ("an integer", "a list", ...).
    var kindDescription: String {
        switch self {
        case .integer: "an integer"
        case .number: "a number"
        case .boolean: "true or false"
        case .word: "a word"
        case .string: "a quoted string"
        case .range: "a range"
        case .list: "a comma list"
        case .alternatives: "a ';' list"
        }
    }

    /// Classifies a word as the user wrote it. Quoted words are always strings.
    static func classify(_ word: Word) throws(CommandFailure) -> ArgumentValue {
        if word.quoted { return .string(word.text) }
        return try classify(word.text, at: word.start)
    }

    private static func classify(_ text: String, at location: SourceLocation) throws(CommandFailure) -> ArgumentValue {
        if text.contains(";") {
            return .alternatives(try splitItems(text, separator: ";", at: location))
        }
        if text.contains(",") {
            return .list(try splitItems(text, separator: ",", at: location))
        }
        if text == "true" { return .boolean(true) }
        if text == "false" { return .boolean(false) }
        if isInteger(text) {
            guard let value = Int(text) else {
                throw CommandFailure(.argument, "the number \(text) is too large", at: location)
            }
            return .integer(value)
        }
        if let range = try rangeValue(text, at: location) { return .range(range) }
        if let first = text.unicodeScalars.first, "0123456789+-.".unicodeScalars.contains(first),
           let value = Double(text), value.isFinite {
            return .number(value)
        }
        return .word(text)
    }

    private static func isInteger(_ text: String) -> Bool {
        var digits = Substring(text)
        if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// `0-3` (both ends included).
    private static func rangeValue(_ text: String, at location: SourceLocation) throws(CommandFailure) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let low = Int(parts[0]), let high = Int(parts[1]) else { return nil }
        guard low <= high else {
            throw CommandFailure(.argument, "the range \(text) runs backwards (write \(high)-\(low))", at: location)
        }
        return low...high
    }

    private static func splitItems(_ text: String, separator: Character, at location: SourceLocation) throws(CommandFailure) -> [ArgumentValue] {
        var items: [ArgumentValue] = []
        var column = location.column
        var offset = location.offset
        for part in text.split(separator: separator, omittingEmptySubsequences: false) {
            let here = SourceLocation(line: location.line, column: column, offset: offset)
            if part.isEmpty {
                throw CommandFailure(.syntax, "empty item in the list '\(text)'", at: here)
            }
            items.append(try classify(String(part), at: here))
            column += part.unicodeScalars.count + 1
            offset += part.unicodeScalars.count + 1
        }
        return items
    }
}

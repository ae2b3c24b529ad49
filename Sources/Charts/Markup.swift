/// Escaping for text placed in SVG or HTML, as element content or as a
/// double- or single-quoted attribute value.
public enum Markup {
    /// Replaces `& < > " '` with entities, and drops characters XML 1.0 forbids
    /// (control characters other than tab, newline and carriage return), so any
    /// label a user types yields a well-formed document.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                let forbidden = value < 0x20 || value == 0xFFFE || value == 0xFFFF
                if !forbidden { result.unicodeScalars.append(scalar) }
            }
        }
        return result
    }
}

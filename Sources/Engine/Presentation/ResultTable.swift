/// A table as a result: aligned text for terminals and an HTML table for notebooks.
struct ResultTable {
    var header: [String]
    var rows: [[String]] = []
    /// Columns whose cells are right-aligned (numbers).
    var numericColumns: Set<Int> = []
    /// A line after the table (totals, hints).
    var footer: String?

    init(_ header: [String], numericColumns: Set<Int> = []) {
        self.header = header
        self.numericColumns = numericColumns
    }

    mutating func append(_ row: [String]) { rows.append(row) }

    var plainText: String {
        let widths = header.indices.map { column in
            ([header] + rows).map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            header.indices.map { column -> String in
                let cell = cells.indices.contains(column) ? cells[column] : ""
                let padding = String(repeating: " ", count: max(0, widths[column] - cell.count))
                return numericColumns.contains(column) ? padding + cell : cell + padding
            }.joined(separator: "  ").trimmingTrailingSpaces
        }
        var lines = [line(header), widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")]
        lines += rows.map(line)
        if let footer { lines.append(footer) }
        return lines.joined(separator: "\n")
    }

    var html: String {
        func cell(_ tag: String, _ text: String, _ column: Int) -> String {
            let align = numericColumns.contains(column) ? " style=\"text-align:right\"" : " style=\"text-align:left\""
            return "<\(tag)\(align)>\(HTML.escape(text))</\(tag)>"
        }
        var parts = ["<table class=\"loralab-table\">", "<thead><tr>"
                     + header.enumerated().map { cell("th", $1, $0) }.joined() + "</tr></thead>", "<tbody>"]
        for row in rows {
            parts.append("<tr>" + row.enumerated().map { cell("td", $1, $0) }.joined() + "</tr>")
        }
        parts.append("</tbody></table>")
        if let footer { parts.append("<p>\(HTML.escape(footer))</p>") }
        return parts.joined(separator: "\n")
    }

    var bundle: MimeBundle { MimeBundle(plain: plainText, html: html) }
}

enum HTML {
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var text = self
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}

extension Int {
    /// 1234567 as "1,234,567".
    var grouped: String {
        let digits = String(abs(self))
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return self < 0 ? "-" + result : result
    }
}

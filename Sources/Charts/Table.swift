/// Rows under a header, rendered as aligned text for terminals and as an HTML
/// `<table>` for notebooks. Columns whose cells are all numbers align right.
///
///     var table = Table(header: ["strategy", "params", "final loss"])
///     table.append(["q,v", "8,192", "2.31"])
///     table.text()   // aligned columns
///     table.html()   // <table> with escaped content
public struct Table: Sendable {
    public enum Alignment: Sendable { case left, right, center }

    public var header: [String]
    public var rows: [[String]]
    /// Per-column alignment; `nil` (or missing) means right for numeric columns, left otherwise.
    public var alignments: [Alignment?]
    /// An optional caption above the table.
    public var title: String

    public init(title: String = "", header: [String], rows: [[String]] = [], alignments: [Alignment?] = []) {
        self.title = title
        self.header = header
        self.rows = rows
        self.alignments = alignments
    }

    public mutating func append(_ row: [String]) { rows.append(row) }

    private var columnCount: Int { max(header.count, rows.map(\.count).max() ?? 0) }

    private func cell(_ row: [String], _ column: Int) -> String {
        column < row.count ? row[column] : ""
    }

    /// Whether `text` reads as a number: `-1.5`, `2.3e-4`, `8,192`, `45%`, `NaN`, `inf`.
    static func looksNumeric(_ text: String) -> Bool {
        let trimmed = text.trimmingSpaces
        if ["NaN", "nan", "inf", "-inf", "n/a", "–", "-"].contains(trimmed) { return true }
        var body = Substring(trimmed)
        if body.hasSuffix("%") { body = body.dropLast() }
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        guard let first = body.first, first.isASCII, first.isNumber || first == "." else { return false }
        var seenExponent = false
        var previous: Character = " "
        for character in body {
            switch character {
            case "0"..."9", ".", ",": break
            case "e" where !seenExponent, "E" where !seenExponent: seenExponent = true
            case "-" where previous == "e" || previous == "E", "+" where previous == "e" || previous == "E": break
            default: return false
            }
            previous = character
        }
        return true
    }

    /// The alignment used for `column`: the explicit one, or automatic.
    public func alignment(ofColumn column: Int) -> Alignment {
        if column < alignments.count, let explicit = alignments[column] { return explicit }
        let cells = rows.map { cell($0, column) }.filter { !$0.isEmpty }
        return !cells.isEmpty && cells.allSatisfy(Self.looksNumeric) ? .right : .left
    }

    /// Columns padded to their widest cell, two spaces apart, a rule under the
    /// header; with `boxed`, drawn with box-drawing lines instead.
    public func text(boxed: Bool = false) -> String {
        let columns = columnCount
        guard columns > 0 else { return title.isEmpty ? "(empty table)" : title + "\n(empty table)" }
        let widths = (0..<columns).map { column in
            ([cell(header, column)] + rows.map { cell(Self.singleLine($0), column) }).map(\.count).max() ?? 0
        }
        func render(_ row: [String], header isHeader: Bool) -> [String] {
            (0..<columns).map { column in
                let alignment = alignment(ofColumn: column)
                return TextCell.pad(Self.singleLine(cell(row, column)), to: widths[column],
                                    isHeader && alignment == .right ? .right : textAlignment(alignment))
            }
        }
        var lines: [String] = []
        if !title.isEmpty { lines.append(title) }
        if boxed {
            func rule(_ left: String, _ middle: String, _ right: String) -> String {
                left + widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: middle) + right
            }
            lines.append(rule("┌", "┬", "┐"))
            lines.append("│ " + render(header, header: true).joined(separator: " │ ") + " │")
            lines.append(rule("├", "┼", "┤"))
            for row in rows { lines.append("│ " + render(row, header: false).joined(separator: " │ ") + " │") }
            lines.append(rule("└", "┴", "┘"))
            return lines.joined(separator: "\n")
        }
        lines.append(LineChart.trimmingTrailingSpaces(render(header, header: true).joined(separator: "  ")))
        lines.append(widths.map { String(repeating: "─", count: $0) }.joined(separator: "  "))
        for row in rows {
            lines.append(LineChart.trimmingTrailingSpaces(render(row, header: false).joined(separator: "  ")))
        }
        return lines.joined(separator: "\n")
    }

    private func textAlignment(_ alignment: Alignment) -> TextCell.Alignment {
        switch alignment {
        case .left: return .left
        case .right: return .right
        case .center: return .center
        }
    }

    /// A `<table>` with every cell escaped; inline styles only (no classes, no
    /// colours, so the notebook theme's text colour applies).
    public func html() -> String {
        let columns = columnCount
        func style(_ column: Int) -> String {
            switch alignment(ofColumn: column) {
            case .left: return "text-align:left"
            case .right: return "text-align:right;font-variant-numeric:tabular-nums"
            case .center: return "text-align:center"
            }
        }
        var html = "<table style=\"border-collapse:collapse;font-size:13px;margin:4px 0\">"
        if !title.isEmpty {
            html += "<caption style=\"text-align:left;font-weight:bold;padding:2px 0 6px\">" + Markup.escape(title) + "</caption>"
        }
        html += "<thead><tr>"
        for column in 0..<columns {
            html += "<th style=\"" + style(column) + ";padding:3px 10px;border-bottom:1px solid #999\">"
                + Markup.escape(cell(header, column)) + "</th>"
        }
        html += "</tr></thead><tbody>"
        for row in rows {
            html += "<tr>"
            for column in 0..<columns {
                html += "<td style=\"" + style(column) + ";padding:2px 10px\">" + Markup.escape(cell(row, column)) + "</td>"
            }
            html += "</tr>"
        }
        return html + "</tbody></table>"
    }

    /// Newlines and tabs inside a cell would break the columns.
    private static func singleLine(_ row: [String]) -> [String] { row.map(singleLine) }

    private static func singleLine(_ text: String) -> String {
        String(text.map { $0 == "\n" || $0 == "\t" || $0 == "\r\n" || $0 == "\r" ? " " : $0 })
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}

/// Accumulates SVG elements with escaped attributes in a fixed order, so the
/// same drawing calls always produce the same bytes.
struct SVGCanvas {
    enum Anchor: String { case start, middle, end }

    let width: Double
    let height: Double
    private var elements: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// Average glyph advance of the 12 px sans-serif used throughout, as a
    /// fraction of the font size; good enough to reserve room for labels.
    static func estimatedWidth(of text: String, fontSize: Double = 12) -> Double {
        Double(text.count) * fontSize * 0.6
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                       stroke: String? = nil, cornerRadius: Double? = nil, crispEdges: Bool = false) {
        // crispEdges stops anti-aliased seams between abutting cells.
        element("rect", [("x", number(x)), ("y", number(y)), ("width", number(max(0, width))),
                         ("height", number(max(0, height))), ("fill", fill), ("stroke", stroke),
                         ("rx", cornerRadius.map(number)), ("shape-rendering", crispEdges ? "crispEdges" : nil)])
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String,
                       strokeWidth: Double = 1, dash: String? = nil) {
        element("line", [("x1", number(x1)), ("y1", number(y1)), ("x2", number(x2)), ("y2", number(y2)),
                         ("stroke", stroke), ("stroke-width", number(strokeWidth)), ("stroke-dasharray", dash)])
    }

    /// One open path through `segments` (each a run of points; runs are not joined).
    mutating func path(segments: [[(x: Double, y: Double)]], stroke: String, strokeWidth: Double = 2,
                       dash: String? = nil, label: String? = nil) {
        var data = ""
        for segment in segments where !segment.isEmpty {
            for (index, point) in segment.enumerated() {
                if !data.isEmpty { data += " " }
                data += (index == 0 ? "M" : "L") + number(point.x) + " " + number(point.y)
            }
            if segment.count == 1 { data += " h0.01" }  // a lone point still shows its round cap
        }
        element("path", [("d", data), ("fill", "none"), ("stroke", stroke), ("stroke-width", number(strokeWidth)),
                         ("stroke-linejoin", "round"), ("stroke-linecap", "round"), ("stroke-dasharray", dash),
                         ("data-series", label)])
    }

    /// A closed, filled shape without an outline (a band around a curve).
    mutating func polygon(_ points: [(x: Double, y: Double)], fill: String, opacity: Double, label: String? = nil) {
        let data = points.map { number($0.x) + "," + number($0.y) }.joined(separator: " ")
        element("polygon", [("points", data), ("fill", fill), ("fill-opacity", NumberFormat.fixed(opacity, decimals: 2, trimmingZeros: true)),
                            ("stroke", "none"), ("data-band", label)])
    }

    mutating func circle(cx: Double, cy: Double, radius: Double, fill: String, stroke: String? = nil) {
        element("circle", [("cx", number(cx)), ("cy", number(cy)), ("r", number(radius)),
                           ("fill", fill), ("stroke", stroke)])
    }

    /// Text whose vertical centre (not baseline) sits at `y`.
    mutating func text(_ content: String, x: Double, y: Double, anchor: Anchor = .start, fontSize: Double = 12,
                       bold: Bool = false, fill: String = Palette.text, rotation: Double? = nil) {
        let transform = rotation.map { "rotate(\(number($0)) \(number(x)) \(number(y)))" }
        element("text", [("x", number(x)), ("y", number(y)), ("dy", "0.35em"),
                         ("text-anchor", anchor == .start ? nil : anchor.rawValue),
                         ("font-size", fontSize == 12 ? nil : number(fontSize)),
                         ("font-weight", bold ? "bold" : nil), ("fill", fill), ("transform", transform)],
                content: content)
    }

    /// The finished document: white background, the elements, and `title` for
    /// screen readers and tooltips.
    func document(title: String) -> String {
        var output = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(number(width))\" height=\"\(number(height))\""
        output += " viewBox=\"0 0 \(number(width)) \(number(height))\" role=\"img\""
        output += " font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
        if !title.isEmpty { output += "<title>" + Markup.escape(title) + "</title>\n" }
        output += "<rect x=\"0\" y=\"0\" width=\"\(number(width))\" height=\"\(number(height))\" fill=\"\(Palette.background)\"/>\n"
        for element in elements { output += element + "\n" }
        output += "</svg>"
        return output
    }

    private mutating func element(_ name: String, _ attributes: [(String, String?)], content: String? = nil) {
        var text = "<" + name
        for (key, value) in attributes {
            guard let value else { continue }
            text += " " + key + "=\"" + Markup.escape(value) + "\""
        }
        if let content {
            text += ">" + Markup.escape(content) + "</" + name + ">"
        } else {
            text += "/>"
        }
        elements.append(text)
    }

    /// Coordinates to 0.1 px: plenty for the eye, and short.
    private func number(_ value: Double) -> String {
        NumberFormat.fixed(value.isFinite ? value : 0, decimals: 1, trimmingZeros: true)
    }
}

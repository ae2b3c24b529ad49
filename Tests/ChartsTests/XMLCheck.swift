import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A parsed SVG/HTML fragment: every element with its attributes, and the text
/// inside it, as a real XML parser (libxml2 via XMLParser) saw it. Parsing fails
/// — `error` is set — unless the document is well-formed.
final class ParsedXML: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text: String
    }

    private(set) var elements: [Element] = []
    private(set) var error: String?
    private var open: [Int] = []

    init(_ document: String) {
        super.init()
        let parser = XMLParser(data: Data(document.utf8))
        parser.delegate = self
        if !parser.parse() {
            error = parser.parserError.map { "\($0)" } ?? "parse failed"
        }
    }

    var isWellFormed: Bool { error == nil }

    func elements(named name: String) -> [Element] { elements.filter { $0.name == name } }

    /// Text content of every `<text>` element.
    var texts: [String] { elements(named: "text").map(\.text) }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        open.append(elements.count)
        elements.append(Element(name: elementName, attributes: attributes, text: ""))
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        _ = open.popLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let index = open.last { elements[index].text += string }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        error = "\(parseError)"
    }
}

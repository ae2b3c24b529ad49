/// Shift-Tab / `?` help: for a matrix name under the cursor its shape,
/// squareness and adapter; for a parameter its meaning; otherwise the help of
/// the command on the cursor's line.
struct Inspector {
    let catalog: CommandCatalog
    let state: SessionState

    func inspect(_ code: String, cursor: Int) -> MimeBundle? {
        let lines = CommandLexer.lines(of: code)
        guard let line = lines.first(where: { $0.start.offset <= cursor && cursor <= $0.endOffset })
                ?? lines.last(where: { $0.start.offset <= cursor }),
              let verbToken = line.tokens.first, verbToken.key == nil else { return nil }
        var verb = verbToken.value.text
        if verb.hasSuffix("?") || verb.hasPrefix("?") { verb = verb.trimmingQuestionMarks }
        let forms = catalog.forms(of: verb)
        let under = line.tokens.first { $0.start.offset <= cursor && cursor <= $0.endOffset }

        if let under, under.start.offset != verbToken.start.offset {
            if let description = state.describeMatrix(under.value.text) {
                return MimeBundle(plain: description)
            }
            if let key = under.key, cursor <= key.endOffset,
               let parameter = forms.lazy.compactMap({ $0.parameter(named: key.text) }).first {
                let fallback = parameter.defaultValue.map { _ in "" } ?? ""
                return MimeBundle(plain: "\(verb) \(parameter.name)=\(parameter.kind.placeholder)\n  \(parameter.summary)\(fallback)\n\n"
                                  + HelpText.detail(of: verb, catalog))
            }
        }
        guard !forms.isEmpty else { return nil }
        return MimeBundle(plain: HelpText.detail(of: verb, catalog))
    }
}

extension String {
    var trimmingQuestionMarks: String {
        var text = Substring(self)
        while text.hasPrefix("?") { text = text.dropFirst() }
        while text.hasSuffix("?") { text = text.dropLast() }
        return String(text)
    }
}

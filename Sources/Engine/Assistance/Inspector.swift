/// Shift-Tab / `?` help: for a matrix name under the cursor its shape,
/// squareness and adapter; for a parameter its meaning; otherwise the help of
/// the command on the cursor's line. Jupyter's `detail_level` decides how much:
/// 0 gives each form's usage line and summary, 1 (or more) the full help, as
/// `help <command>` and `<command>?` show it.
struct Inspector {
    let catalog: CommandCatalog
    let state: SessionState

    func inspect(_ code: String, cursor: Int, detailLevel: Int) -> MimeBundle? {
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
                let line = "\(verb) \(parameter.name)=\(parameter.kind.placeholder)\n  \(parameter.summary)"
                return MimeBundle(plain: detailLevel > 0 ? line + "\n\n" + HelpText.detail(of: verb, catalog) : line)
            }
        }
        guard !forms.isEmpty else { return nil }
        if detailLevel > 0 { return MimeBundle(plain: HelpText.detail(of: verb, catalog)) }
        return MimeBundle(plain: forms.map { "\($0.usage)\n  \($0.summary)" }.joined(separator: "\n"))
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

import Foundation

/// Tab completion: command names at the start of a line; after a verb, its
/// subcommands, positional values and `key=` parameters; after `key=`, the
/// values that parameter accepts (presets, corpora, selectors, matrix names
/// full and short, runs); inside a quoted path, files.
struct Completer {
    let catalog: CommandCatalog
    let vocabulary: SessionVocabulary

    func complete(_ code: String, cursor requested: Int) -> CompletionResult {
        let scalars = Array(code.unicodeScalars)
        let cursor = min(max(0, requested), scalars.count)
        var prefix = ""
        prefix.unicodeScalars.append(contentsOf: scalars[..<cursor])
        let lines = CommandLexer.lines(of: prefix)
        let none = CompletionResult(matches: [], cursorStart: cursor, cursorEnd: cursor)

        // Which line is the cursor on, and is it in the middle of a token?
        guard let line = lines.last, line.endOffset >= cursor || line.endsWithContinuation else {
            return commandNames(typed: "", start: cursor)
        }
        let typing = line.tokens.last.flatMap { $0.endOffset == cursor ? $0 : nil }
        let before = typing == nil ? line.tokens : Array(line.tokens.dropLast())
        guard let verbToken = before.first else {
            guard let typing, typing.key == nil, !typing.value.quoted else { return none }
            return commandNames(typed: typing.value.text, start: typing.start.offset)
        }
        let verb = verbToken.value.text
        let forms = catalog.forms(of: verb)
        guard !forms.isEmpty else { return none }
        let words = before.dropFirst().filter { $0.key == nil }
        let spec = words.first.flatMap { first in forms.first { $0.subverb == first.value.text } }
            ?? forms.first { $0.subverb == nil }
        let positionalIndex = words.count - (spec?.subverb == nil ? 0 : 1)

        // key=value being typed: complete the value.
        if let typing, let key = typing.key {
            guard let parameter = spec?.parameter(named: key.text) else { return none }
            return values(for: parameter.kind, typed: typing.value, cursor: cursor)
        }
        let typed = typing?.value
        if let typed, typed.quoted {
            guard let spec, spec.positionals.indices.contains(positionalIndex) else { return none }
            return values(for: spec.positionals[positionalIndex].kind, typed: typed, cursor: cursor)
        }
        let text = typed?.text ?? ""
        let start = typed?.start.offset ?? cursor
        var candidates: [String] = []
        if words.isEmpty, forms.contains(where: { $0.subverb != nil }) {
            candidates += forms.compactMap(\.subverb)
        }
        if let spec {
            if spec.positionals.indices.contains(positionalIndex) {
                let kind = spec.positionals[positionalIndex].kind
                let typedWord = typed ?? Word(text: "", quoted: false,
                                              start: SourceLocation(line: 0, column: 0, offset: cursor),
                                              end: SourceLocation(line: 0, column: 0, offset: cursor))
                candidates += values(for: kind, typed: typedWord, cursor: cursor).matches
            }
            let given = Set(before.compactMap { $0.key?.text })
            candidates += spec.parameters.filter { !given.contains($0.name) }.map { $0.name + "=" }
        }
        return CompletionResult(matches: unique(candidates.filter { $0.hasPrefix(text) }), cursorStart: start, cursorEnd: cursor)
    }

    private func commandNames(typed: String, start: Int) -> CompletionResult {
        CompletionResult(matches: catalog.verbs.filter { $0.hasPrefix(typed) }, cursorStart: start,
                         cursorEnd: start + typed.unicodeScalars.count)
    }

    /// Values of a kind that start with what is typed. Lists (`q,v`, `a;b`)
    /// complete their last item.
    private func values(for kind: ValueKind, typed: Word, cursor: Int) -> CompletionResult {
        var text = typed.text
        var start = typed.start.offset + (typed.quoted ? 1 : 0)
        if kind == .targets || kind == .targetAlternatives, !typed.quoted,
           let separator = text.lastIndex(where: { $0 == "," || $0 == ";" }) {
            let kept = text[...separator]
            start += kept.unicodeScalars.count
            text = String(text[text.index(after: separator)...])
        }
        let candidates: [String]
        switch kind {
        case .choice(let words): candidates = words
        case .boolean: candidates = ["true", "false"]
        case .preset: candidates = vocabulary.presets
        case .command: candidates = catalog.verbs
        case .dataSource:
            candidates = (typed.quoted ? [] : vocabulary.corpora.map { "builtin:" + $0 }) + filePaths(matching: text)
        case .targets, .targetAlternatives: candidates = vocabulary.selectorWords + vocabulary.matrixNames
        case .matrix: candidates = vocabulary.matrixNames
        case .runName: candidates = vocabulary.runNames
        case .text, .remainingText: candidates = typed.quoted ? filePaths(matching: text) : []
        case .integer, .number, .layers, .integers, .numbers, .newRunName: candidates = []
        }
        return CompletionResult(matches: unique(candidates.filter { $0.hasPrefix(text) }), cursorStart: start, cursorEnd: cursor)
    }

    /// Files and directories (with a trailing `/`) whose path starts with `typed`.
    private func filePaths(matching typed: String) -> [String] {
        let directoryPart: String
        if let slash = typed.lastIndex(of: "/") {
            directoryPart = String(typed[...slash])
        } else {
            directoryPart = ""
        }
        let expanded = directoryPart.hasPrefix("~/")
            ? FileManager.default.homeDirectoryForCurrentUser.path + directoryPart.dropFirst(1)
            : directoryPart
        let listed = expanded.isEmpty ? "." : expanded
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: listed) else { return [] }
        return names.sorted().compactMap { name in
            let path = directoryPart + name
            guard path.hasPrefix(typed), !name.hasPrefix(".") || typed.hasSuffix(".") || typed.hasSuffix("/.") else { return nil }
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: (listed as NSString).appendingPathComponent(name), isDirectory: &isDirectory)
            return isDirectory.boolValue ? path + "/" : path
        }
    }

    private func unique(_ words: [String]) -> [String] {
        var seen: Set<String> = []
        return words.filter { seen.insert($0).inserted }
    }
}

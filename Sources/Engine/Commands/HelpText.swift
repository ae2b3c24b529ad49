/// The text of `help` and `help <command>`, written from the command table
/// so it can never disagree with what the parser accepts.
enum HelpText {
    static func overview(_ catalog: CommandCatalog) -> String {
        var lines = ["LoRA Lab commands — `help <command>` for one in detail, `<command>?` for it in a pager.", ""]
        let width = (catalog.specs.map { shortUsage($0).count }.max() ?? 20) + 2
        for area in CommandArea.allCases {
            let specs = catalog.specs.filter { $0.area == area }
            guard !specs.isEmpty else { continue }
            lines.append(area.rawValue)
            for spec in specs {
                let usage = shortUsage(spec)
                lines.append("  " + usage + String(repeating: " ", count: max(1, width - usage.count)) + spec.summary)
            }
            lines.append("")
        }
        lines.append("Values: integers, decimals (3e-3), true/false, words, \"quoted strings\", lists q,v, ranges 0-3.")
        lines.append("Matrices: model.layers.0.self_attn.q_proj or layers.0.q. `#` starts a comment, `\\` continues a line.")
        lines.append("A failing command changes nothing (model, adapters, optimizer, data, runs, seed); the exception is")
        lines.append("training: pretrain, train and step stopped between steps keep the steps they completed.")
        return lines.joined(separator: "\n")
    }

    /// The usage line without its optional parameters: what a user types first.
    private static func shortUsage(_ spec: CommandSpec) -> String {
        var parts = [spec.name]
        for positional in spec.positionals {
            let shown: String
            if case .choice(let words) = positional.kind {
                shown = words.joined(separator: "|")
            } else {
                shown = "<\(positional.name)>"
            }
            parts.append(positional.isRequired ? shown : "[\(shown)]")
        }
        if !spec.parameters.isEmpty { parts.append("[key=value...]") }
        return parts.joined(separator: " ")
    }

    static func detail(of verb: String, _ catalog: CommandCatalog) -> String {
        let forms = catalog.forms(of: verb)
        var lines: [String] = []
        for (index, spec) in forms.enumerated() {
            if index > 0 { lines.append("") }
            lines.append("\(spec.name) — \(spec.summary)")
            lines.append("")
            lines.append("  usage: \(spec.usage)")
            if !spec.positionals.isEmpty || !spec.parameters.isEmpty {
                let entries = spec.positionals.map { positional in
                    ("<\(positional.name)>", positional.summary
                        + (positional.defaultValue.map { " (default \(describe($0)))" } ?? (positional.isRequired ? "" : " (optional)")))
                }
                    + spec.parameters.map { parameter in
                        ("\(parameter.name)=\(parameter.kind.placeholder)",
                         parameter.summary + (parameter.defaultValue.map { " (default \(describe($0)))" } ?? ""))
                    }
                let width = (entries.map(\.0.count).max() ?? 0) + 2
                for (label, summary) in entries {
                    lines.append("    " + label + String(repeating: " ", count: max(1, width - label.count)) + summary)
                }
            }
            if !spec.details.isEmpty {
                lines.append("")
                lines.append(contentsOf: spec.details.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 })
            }
            if !spec.examples.isEmpty {
                lines.append("")
                lines.append("  examples:")
                lines.append(contentsOf: spec.examples.map { "    " + $0 })
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A default as help shows it, written as the language reads it back.
    static func describe(_ value: ArgumentValue) -> String {
        switch value {
        case .integer(let number): String(number)
        case .number(let number): number.formatted
        case .boolean(let flag): String(flag)
        case .word(let text): text
        case .string(let text): "\"\(text)\""
        case .range(let span): "\(span.lowerBound)-\(span.upperBound)"
        case .list(let items): items.map(describe).joined(separator: ",")
        case .alternatives(let items): items.map(describe).joined(separator: ";")
        }
    }
}

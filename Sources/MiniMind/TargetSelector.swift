import Foundation

/// Which block linear layers an adapter (or full fine-tuning) applies to.
///
/// The words of the language: `square` (MiniMind's rule, in == out), `attn`
/// (q,k,v,o), `ffn` (gate,up,down), `all-linear` (every block linear; never
/// the embedding or the tied head), short names `q k v o gate up down`, their
/// `_proj` forms, full Hugging Face names, short full forms (`layers.0.q`),
/// and globs with `*` and `?`. A layer restriction narrows any of them.
public struct TargetSelector: Sendable, Equatable, CustomStringConvertible {
    public enum Term: Sendable, Equatable {
        case square
        /// A projection kind, e.g. `q_proj`, in every layer.
        case kind(String)
        /// A pattern over full names (a plain full name is a pattern without wildcards).
        case pattern(String)
    }

    public let terms: [Term]
    /// Only these layers, when set.
    public let layers: ClosedRange<Int>?
    public let source: String

    public static let kinds = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    public static let groupWords = ["square", "attn", "ffn", "all-linear"]
    public static let shortKinds = ["q", "k", "v", "o", "gate", "up", "down"]

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case unknownTarget(String, suggestions: [String])
        case empty
        public var description: String {
            switch self {
            case .empty: return "no targets given"
            case .unknownTarget(let word, let suggestions):
                return "unknown target '\(word)'" + (suggestions.first.map { " (did you mean '\($0)'?)" } ?? "")
            }
        }
    }

    /// Parses a comma list such as `square`, `q,v`, `attn`, `layers.0.q`, `*.mlp.*`.
    public init(parsing text: String, layers: ClosedRange<Int>? = nil) throws(ParseError) {
        var terms: [Term] = []
        for raw in text.split(separator: ",") {
            let word = raw.trimmingCharacters(in: .whitespaces)
            if word.isEmpty { continue }
            switch word {
            case "square": terms.append(.square)
            case "attn", "attention": terms += ["q_proj", "k_proj", "v_proj", "o_proj"].map(Term.kind)
            case "ffn", "mlp": terms += ["gate_proj", "up_proj", "down_proj"].map(Term.kind)
            case "all-linear", "all": terms += Self.kinds.map(Term.kind)
            default:
                if let kind = Self.kind(of: word) {
                    terms.append(.kind(kind))
                } else if let full = Self.fullName(of: word) {
                    terms.append(.pattern(full))
                } else {
                    throw .unknownTarget(word, suggestions: [])
                }
            }
        }
        if terms.isEmpty { throw .empty }
        self.terms = terms
        self.layers = layers
        self.source = text
    }

    public var description: String {
        source + (layers.map { " layers=\($0.lowerBound)-\($0.upperBound)" } ?? "")
    }

    /// `q` or `q_proj` → `q_proj`.
    static func kind(of word: String) -> String? {
        if kinds.contains(word) { return word }
        if shortKinds.contains(word) { return word + "_proj" }
        return nil
    }

    /// Expands the short full forms (`layers.3.k`, `layers.3.k_proj`, `layers.*.q`)
    /// to Hugging Face names; passes full names and `*`-patterns through.
    public static func fullName(of word: String) -> String? {
        var parts = word.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if parts.first == "model" { parts.removeFirst() }
        guard parts.first == "layers", parts.count >= 3 else {
            return word.contains("*") || word.contains("?") ? word : nil
        }
        let layer = parts[1]
        guard layer == "*" || Int(layer) != nil || layer.contains("?") else { return nil }
        let rest = Array(parts[2...])
        if rest.count == 1 {
            let last = rest[0]
            if last == "*" { return "model.layers.\(layer).*" }
            guard let kind = kind(of: last) else { return nil }
            let module = ["gate_proj", "up_proj", "down_proj"].contains(kind) ? "mlp" : "self_attn"
            return "model.layers.\(layer).\(module).\(kind)"
        }
        if rest.count == 2, ["self_attn", "mlp", "*"].contains(rest[0]),
           rest[1] == "*" || kind(of: rest[1]) != nil {
            let last = rest[1] == "*" ? "*" : kind(of: rest[1])!
            return "model.layers.\(layer).\(rest[0]).\(last)"
        }
        return nil
    }

    /// The short form `layers.3.k` of a full name.
    public static func shortName(of fullName: String) -> String {
        let parts = fullName.split(separator: ".")
        guard parts.count == 5, parts[0] == "model", parts[1] == "layers" else { return fullName }
        return "layers.\(parts[2]).\(parts[4].replacingOccurrences(of: "_proj", with: ""))"
    }
}

/// Whether a layer was picked, and why, for dry runs and `show` tables.
public struct SelectionDecision: Sendable {
    public let linear: Linear
    public let selected: Bool
    public let reason: String
}

extension Model {
    /// Applies a selector to every block linear layer, with the reason for each verdict.
    public func select(_ selector: TargetSelector) -> [SelectionDecision] {
        linears.map { linear in
            let kind = String(linear.name.split(separator: ".").last ?? "")
            let layer = Int(linear.name.split(separator: ".")[2]) ?? -1
            let shape = "\(linear.outFeatures)×\(linear.inFeatures)"
            if let layers = selector.layers, !layers.contains(layer) {
                return SelectionDecision(linear: linear, selected: false, reason: "\(kind) \(shape): layer \(layer) outside \(layers.lowerBound)-\(layers.upperBound)")
            }
            for term in selector.terms {
                switch term {
                case .square where linear.isSquare:
                    return SelectionDecision(linear: linear, selected: true, reason: "\(kind) \(shape): square")
                case .kind(let k) where k == kind:
                    return SelectionDecision(linear: linear, selected: true, reason: "\(kind) \(shape): named")
                case .pattern(let p) where globMatches(p, linear.name):
                    return SelectionDecision(linear: linear, selected: true, reason: "\(kind) \(shape): matches \(p)")
                default:
                    continue
                }
            }
            let why = selector.terms.contains(.square) && !linear.isSquare ? "not square" : "not selected"
            return SelectionDecision(linear: linear, selected: false, reason: "\(kind) \(shape): \(why)")
        }
    }

    public func selectedLinears(_ selector: TargetSelector) -> [Linear] {
        select(selector).filter(\.selected).map(\.linear)
    }
}

/// `*` matches any run of characters (dots included), `?` any one character.
func globMatches(_ pattern: String, _ text: String) -> Bool {
    let p = Array(pattern), t = Array(text)
    var pi = 0, ti = 0, starP = -1, starT = 0
    while ti < t.count {
        if pi < p.count && (p[pi] == "?" || p[pi] == t[ti]) {
            pi += 1; ti += 1
        } else if pi < p.count && p[pi] == "*" {
            starP = pi; starT = ti; pi += 1
        } else if starP >= 0 {
            pi = starP + 1; starT += 1; ti = starT
        } else {
            return false
        }
    }
    while pi < p.count && p[pi] == "*" { pi += 1 }
    return pi == p.count
}

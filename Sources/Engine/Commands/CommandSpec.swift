/// The areas `help` groups commands into.
enum CommandArea: String, CaseIterable, Sendable {
    case core = "Core"
    case model = "Model"
    case data = "Data"
    case lora = "LoRA"
    case training = "Training"
    case analysis = "Analysis"
    case runs = "Runs"
}

/// What a parameter or a positional word accepts. The kind decides how a
/// written value is checked and what completion offers for it.
enum ValueKind: Sendable, Equatable {
    case integer(minimum: Int)
    case number(minimum: Double?, maximum: Double?)
    /// One number or a comma list of them (`eps=0.3,0.5,0.7`, `lrs=1e-3,3e-3`), each within the bounds, none twice.
    case numbers(minimum: Double?, maximum: Double?)
    case boolean
    /// One word out of a fixed set.
    case choice([String])
    /// Any single value, taken as its text.
    case text
    /// Every remaining word of the line, joined by spaces (`print`).
    case remainingText
    /// A model preset name.
    case preset
    /// A command name (`help lora`).
    case command
    /// `builtin:<name>` or a file path.
    case dataSource
    /// A matrix selector: `square`, `attn`, `q,v`, `q_proj`, a glob or full names.
    case targets
    /// Selectors separated by `;` (`compare targets=square;q,v`).
    case targetAlternatives
    /// A layer index or an inclusive range `0-3`.
    case layers
    /// Whole numbers as one, a range `1-5` or a list `1,3,7` (of numbers and ranges): `seeds=`.
    case integers(minimum: Int)
    /// A weight matrix: `model.layers.0.self_attn.q_proj` or `layers.0.q`.
    case matrix
    /// The name of a saved run.
    case runName
    /// A name for a new saved run.
    case newRunName

    /// How `help` shows the expected value.
    var placeholder: String {
        switch self {
        case .integer: "<n>"
        case .number: "<x>"
        case .numbers: "<x>[,<x>...]"
        case .boolean: "true|false"
        case .choice(let words): words.joined(separator: "|")
        case .text: "<text>"
        case .remainingText: "<text>"
        case .preset: "<preset>"
        case .command: "<command>"
        case .dataSource: "builtin:<name>|\"<path>\""
        case .targets: "<selector>"
        case .targetAlternatives: "<selector>;<selector>..."
        case .layers: "<i>|<i>-<j>"
        case .integers: "<n>|<i>-<j>|<n>,<n>..."
        case .matrix: "<matrix>"
        case .runName: "<run>"
        case .newRunName: "<name>"
        }
    }
}

struct ParameterSpec: Sendable {
    var name: String
    var kind: ValueKind
    /// Used when the parameter is not written; nil means "not set" (the command decides).
    var defaultValue: ArgumentValue?
    var summary: String

    init(_ name: String, _ kind: ValueKind, default defaultValue: ArgumentValue? = nil, _ summary: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.summary = summary
    }
}

struct PositionalSpec: Sendable {
    var name: String
    var kind: ValueKind
    var isRequired: Bool
    /// Used when an optional positional is not written (`step` alone is `step 1`).
    var defaultValue: ArgumentValue?
    var summary: String

    init(_ name: String, _ kind: ValueKind, required isRequired: Bool = true, default defaultValue: ArgumentValue? = nil,
         _ summary: String) {
        self.name = name
        self.kind = kind
        self.isRequired = isRequired && defaultValue == nil
        self.defaultValue = defaultValue
        self.summary = summary
    }
}

/// Runs a bound command against the session. Returns the command's result
/// (nil for commands that only stream or change state).
typealias CommandHandler = @Sendable (Invocation, inout SessionState, CommandContext) throws -> MimeBundle?

/// One form of the language, declared once: the parser checks against it,
/// `help` prints it, completion and inspection read it.
struct CommandSpec: Sendable {
    var verb: String
    /// The second word of two-word forms (`lora merge`, `run save`, `show model`).
    var subverb: String?
    var area: CommandArea
    var summary: String
    var positionals: [PositionalSpec]
    var parameters: [ParameterSpec]
    /// Paragraphs of explanation for `help <verb>`.
    var details: String
    var examples: [String]
    var handler: CommandHandler

    init(_ verb: String, _ subverb: String? = nil, area: CommandArea, summary: String,
         positionals: [PositionalSpec] = [], parameters: [ParameterSpec] = [],
         details: String = "", examples: [String] = [], handler: @escaping CommandHandler) {
        self.verb = verb
        self.subverb = subverb
        self.area = area
        self.summary = summary
        self.positionals = positionals
        self.parameters = parameters
        self.details = details
        self.examples = examples
        self.handler = handler
    }

    var name: String { subverb.map { "\(verb) \($0)" } ?? verb }

    func parameter(named name: String) -> ParameterSpec? { parameters.first { $0.name == name } }

    /// `lora targets=<selector> rank=<n> ...`
    var usage: String {
        var parts = [name]
        for positional in positionals {
            let shown: String
            if case .choice(let words) = positional.kind {
                shown = words.joined(separator: "|")
            } else {
                shown = "<\(positional.name)>"
            }
            parts.append(positional.isRequired ? shown : "[\(shown)]")
        }
        for parameter in parameters {
            parts.append("[\(parameter.name)=\(parameter.kind.placeholder)]")
        }
        return parts.joined(separator: " ")
    }
}

import Foundation

/// A value after checking against its kind.
enum BoundValue: Sendable, Equatable {
    case integer(Int)
    case number(Double)
    case boolean(Bool)
    case text(String)
    case texts([String])
    case alternatives([[String]])
    case range(ClosedRange<Int>)
    case integers([Int])
    case numbers([Double])
}

/// A command line checked against its `CommandSpec`: every parameter known,
/// every value of the right kind, defaults filled in. Handlers read it with
/// typed accessors and point errors at `location(of:)`.
struct Invocation: Sendable {
    var spec: CommandSpec
    var command: ParsedCommand
    private var values: [String: BoundValue] = [:]
    private var locations: [String: SourceLocation] = [:]
    /// Names the user wrote (as opposed to defaults).
    private(set) var written: Set<String> = []
    /// How the handler read each value; a test checks that every defaulted
    /// parameter is read through the spec (Tests/EngineTests/SpecDefaultTests.swift).
    let reads = ReadLog()

    init(spec: CommandSpec, command: ParsedCommand, words: [Word]) throws(CommandFailure) {
        self.spec = spec
        self.command = command
        try bindPositionals(words)
        try bindParameters()
    }

    func integer(_ name: String) -> Int? {
        reads.record(name, throughSpec: false)
        return integerValue(name)
    }

    private func integerValue(_ name: String) -> Int? {
        if case .integer(let value)? = values[name] { return value }
        return nil
    }

    func number(_ name: String) -> Double? {
        reads.record(name, throughSpec: false)
        return numberValue(name)
    }

    private func numberValue(_ name: String) -> Double? {
        switch values[name] {
        case .number(let value)?: value
        case .integer(let value)?: Double(value)
        default: nil
        }
    }

    func boolean(_ name: String) -> Bool? {
        reads.record(name, throughSpec: false)
        return booleanValue(name)
    }

    private func booleanValue(_ name: String) -> Bool? {
        if case .boolean(let value)? = values[name] { return value }
        return nil
    }

    func text(_ name: String) -> String? {
        reads.record(name, throughSpec: false)
        return textValue(name)
    }

    private func textValue(_ name: String) -> String? {
        if case .text(let value)? = values[name] { return value }
        return nil
    }

    func texts(_ name: String) -> [String]? {
        reads.record(name, throughSpec: false)
        return textsValue(name)
    }

    private func textsValue(_ name: String) -> [String]? {
        switch values[name] {
        case .texts(let value)?: value
        case .text(let value)?: [value]
        default: nil
        }
    }

    func alternatives(_ name: String) -> [[String]]? {
        reads.record(name, throughSpec: false)
        return alternativesValue(name)
    }

    private func alternativesValue(_ name: String) -> [[String]]? {
        if case .alternatives(let value)? = values[name] { return value }
        return nil
    }

    func range(_ name: String) -> ClosedRange<Int>? {
        reads.record(name, throughSpec: false)
        return rangeValue(name)
    }

    private func rangeValue(_ name: String) -> ClosedRange<Int>? {
        if case .range(let value)? = values[name] { return value }
        return nil
    }

    func integers(_ name: String) -> [Int]? {
        reads.record(name, throughSpec: false)
        if case .integers(let value)? = values[name] { return value }
        return nil
    }

    func numbers(_ name: String) -> [Double]? {
        reads.record(name, throughSpec: false)
        if case .numbers(let value)? = values[name] { return value }
        return nil
    }

    func isWritten(_ name: String) -> Bool { written.contains(name) }

    /// The bound value, written or defaulted, without recording a read (for tests and completion).
    func boundValue(_ name: String) -> BoundValue? { values[name] }

    // MARK: Values the spec guarantees
    //
    // A parameter whose spec declares a default, or a required positional, is
    // always bound; handlers read it with these and write no fallback of their
    // own, so the default lives in the spec only (what `help` shows is what runs).

    func requiredInteger(_ name: String) throws(CommandFailure) -> Int { try require(integerValue(name), name) }
    func requiredNumber(_ name: String) throws(CommandFailure) -> Double { try require(numberValue(name), name) }
    func requiredBoolean(_ name: String) throws(CommandFailure) -> Bool { try require(booleanValue(name), name) }
    func requiredText(_ name: String) throws(CommandFailure) -> String { try require(textValue(name), name) }
    func requiredTexts(_ name: String) throws(CommandFailure) -> [String] { try require(textsValue(name), name) }
    func requiredAlternatives(_ name: String) throws(CommandFailure) -> [[String]] { try require(alternativesValue(name), name) }
    func requiredIntegers(_ name: String) throws(CommandFailure) -> [Int] {
        try require({ if case .integers(let value)? = values[name] { value } else { nil } }(), name)
    }
    func requiredNumbers(_ name: String) throws(CommandFailure) -> [Double] {
        try require({ if case .numbers(let value)? = values[name] { value } else { nil } }(), name)
    }

    private func require<Value>(_ value: Value?, _ name: String) throws(CommandFailure) -> Value {
        reads.record(name, throughSpec: true)
        guard let value else {
            // A spec without the default its handler relies on: a bug, reported, never a crash.
            throw CommandFailure(.command, "internal error: `\(spec.name)` has no value or default for '\(name)'", at: verbLocation)
        }
        return value
    }

    /// Where the user wrote a value (the verb when it was a default).
    func location(of name: String) -> SourceLocation {
        locations[name] ?? command.verb.start
    }

    var verbLocation: SourceLocation { command.verb.start }

    // MARK: Binding

    private mutating func bindPositionals(_ words: [Word]) throws(CommandFailure) {
        var remaining = words[...]
        for positional in spec.positionals {
            if positional.kind == .remainingText {
                guard let first = remaining.first else { break }
                values[positional.name] = .text(remaining.map(\.text).joined(separator: " "))
                locations[positional.name] = first.start
                written.insert(positional.name)
                remaining = []
                break
            }
            guard let word = remaining.popFirst() else { break }
            let value = try ArgumentValue.classify(word)
            values[positional.name] = try Self.bind(value, as: positional.kind, name: positional.name,
                                                   command: spec.name, at: word.start)
            locations[positional.name] = word.start
            written.insert(positional.name)
        }
        if let extra = remaining.first {
            throw CommandFailure(.argument, "unexpected word '\(extra.text)' for '\(spec.name)' (usage: \(spec.usage))", at: extra.start)
        }
        for positional in spec.positionals where positional.isRequired && values[positional.name] == nil {
            throw CommandFailure(.argument, "'\(spec.name)' needs \(Self.describe(positional)) (usage: \(spec.usage))", at: command.end)
        }
        for positional in spec.positionals where values[positional.name] == nil {
            if let fallback = positional.defaultValue {
                values[positional.name] = try Self.bind(fallback, as: positional.kind, name: positional.name,
                                                       command: spec.name, at: command.verb.start)
            }
        }
    }

    private static func describe(_ positional: PositionalSpec) -> String {
        switch positional.kind {
        case .choice(let words): "one of \(words.joined(separator: ", "))"
        default: "a \(positional.name): \(positional.summary)"
        }
    }

    private mutating func bindParameters() throws(CommandFailure) {
        for argument in command.arguments {
            guard let key = argument.key else { continue }
            guard let parameter = spec.parameter(named: key.text) else {
                let known = spec.parameters.map(\.name)
                let message = known.isEmpty
                    ? "'\(spec.name)' takes no parameters, but got '\(key.text)'"
                    : "unknown parameter '\(key.text)' for '\(spec.name)'" + NearestWord.hint(for: key.text, among: known)
                throw CommandFailure(.name, message, at: key.start)
            }
            guard !written.contains(parameter.name) else {
                throw CommandFailure(.argument, "parameter '\(parameter.name)' is given twice", at: key.start)
            }
            guard argument.value.quoted || !argument.value.text.isEmpty else {
                throw CommandFailure(.syntax, "missing value after '\(parameter.name)=' (expected \(parameter.kind.placeholder))", at: argument.value.start)
            }
            let value = try ArgumentValue.classify(argument.value)
            values[parameter.name] = try Self.bind(value, as: parameter.kind, name: parameter.name,
                                                  command: spec.name, at: argument.value.start)
            locations[parameter.name] = argument.value.start
            written.insert(parameter.name)
        }
        for parameter in spec.parameters where values[parameter.name] == nil {
            if let fallback = parameter.defaultValue {
                values[parameter.name] = try Self.bind(fallback, as: parameter.kind, name: parameter.name,
                                                      command: spec.name, at: command.verb.start)
            }
        }
    }

    /// Checks one value against its kind.
    static func bind(_ value: ArgumentValue, as kind: ValueKind, name: String, command: String,
                     at location: SourceLocation) throws(CommandFailure) -> BoundValue {
        func mismatch(_ expected: String) -> CommandFailure {
            CommandFailure(.argument, "'\(name)' expects \(expected), got \(value.kindDescription)", at: location)
        }
        switch kind {
        case .integer(let minimum):
            guard case .integer(let number) = value else { throw mismatch("an integer") }
            guard number >= minimum else {
                throw CommandFailure(.argument, "'\(name)' must be at least \(minimum), got \(number)", at: location)
            }
            return .integer(number)
        case .number(let minimum, let maximum):
            return .number(try boundedNumber(value, minimum: minimum, maximum: maximum, subject: "'\(name)'", at: location))
        case .numbers(let minimum, let maximum):
            guard case .list(let items) = value else {
                return .numbers([try boundedNumber(value, minimum: minimum, maximum: maximum, subject: "'\(name)'", at: location)])
            }
            // The value's words keep no columns of their own, so an error names the item by position.
            var numbers: [Double] = []
            for (index, item) in items.enumerated() {
                numbers.append(try boundedNumber(item, minimum: minimum, maximum: maximum,
                                                 subject: "'\(name)' item \(index + 1)", at: location))
            }
            guard Set(numbers).count == numbers.count else {
                throw CommandFailure(.argument, "'\(name)' lists a value twice", at: location)
            }
            return .numbers(numbers)
        case .boolean:
            guard case .boolean(let flag) = value else { throw mismatch("true or false") }
            return .boolean(flag)
        case .choice(let words):
            guard let word = singleText(value), words.contains(word) else {
                let written = singleText(value) ?? ""
                throw CommandFailure(.argument, "'\(name)' must be one of \(words.joined(separator: ", ")), got '\(written)'"
                                     + NearestWord.hint(for: written, among: words), at: location)
            }
            return .text(word)
        case .preset:
            guard let text = singleText(value) else { throw mismatch("a preset name") }
            let presets = ModelCommands.presetNames
            guard presets.contains(text) else {
                throw CommandFailure(.name, "unknown preset '\(text)'" + NearestWord.hint(for: text, among: presets)
                                     + " (presets: \(presets.joined(separator: ", ")))", at: location)
            }
            return .text(text)
        case .text, .remainingText, .command, .dataSource, .matrix, .runName, .newRunName:
            guard let text = singleText(value) else { throw mismatch("a single value") }
            return .text(text)
        case .targets:
            return .texts(try selectorWords(value, name: name, at: location))
        case .targetAlternatives:
            if case .alternatives(let items) = value {
                var result: [[String]] = []
                for item in items { result.append(try selectorWords(item, name: name, at: location)) }
                return .alternatives(result)
            }
            return .alternatives([try selectorWords(value, name: name, at: location)])
        case .integers(let minimum):
            let items: [ArgumentValue] = if case .list(let list) = value { list } else { [value] }
            var numbers: [Int] = []
            for item in items {
                switch item {
                case .integer(let number): numbers.append(number)
                case .range(let span): numbers.append(contentsOf: span)
                default: throw mismatch("whole numbers like 1, 1-5 or 1,3,7")
                }
            }
            if let low = numbers.first(where: { $0 < minimum }) {
                throw CommandFailure(.argument, "'\(name)' must be at least \(minimum), got \(low)", at: location)
            }
            guard numbers.count <= 1000 else {
                throw CommandFailure(.argument, "'\(name)' lists \(numbers.count) values; at most 1,000", at: location)
            }
            guard Set(numbers).count == numbers.count else {
                throw CommandFailure(.argument, "'\(name)' lists a value twice", at: location)
            }
            return .integers(numbers)
        case .layers:
            switch value {
            case .integer(let index) where index >= 0: return .range(index...index)
            case .range(let span): return .range(span)
            default: throw mismatch("a layer index or a range like 0-3")
            }
        }
    }

    /// `subject` names the value in errors: `'lr'`, or `'eps' item 2` in a list.
    private static func boundedNumber(_ value: ArgumentValue, minimum: Double?, maximum: Double?, subject: String,
                                      at location: SourceLocation) throws(CommandFailure) -> Double {
        let number: Double
        switch value {
        case .integer(let whole): number = Double(whole)
        case .number(let real): number = real
        default: throw CommandFailure(.argument, "\(subject) expects a number, got \(value.kindDescription)", at: location)
        }
        if let minimum, number < minimum {
            throw CommandFailure(.argument, "\(subject) must be at least \(minimum), got \(number)", at: location)
        }
        if let maximum, number > maximum {
            throw CommandFailure(.argument, "\(subject) must be at most \(maximum), got \(number)", at: location)
        }
        return number
    }

    private static func singleText(_ value: ArgumentValue) -> String? {
        switch value {
        case .word(let text), .string(let text): text
        case .integer(let number): String(number)
        case .number(let number): String(number)
        case .boolean(let flag): String(flag)
        case .range(let span): "\(span.lowerBound)-\(span.upperBound)"
        case .list, .alternatives: nil
        }
    }

    private static func selectorWords(_ value: ArgumentValue, name: String, at location: SourceLocation) throws(CommandFailure) -> [String] {
        switch value {
        case .word(let text), .string(let text): return [text]
        case .list(let items):
            var words: [String] = []
            for item in items {
                guard case .word(let text) = item else {
                    throw CommandFailure(.argument, "'\(name)' expects matrix names like q,v, got \(item.kindDescription)", at: location)
                }
                words.append(text)
            }
            return words
        default:
            throw CommandFailure(.argument, "'\(name)' expects a selector (square, attn, ffn, all-linear, q,v, ...), got \(value.kindDescription)", at: location)
        }
    }
}

/// Which values a handler read, and how: through the spec (`required*`, the
/// spec's default filled in) or optionally (the handler decides what nil means).
/// A reference so that the copies of an `Invocation` share one log.
final class ReadLog: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var throughSpec: Set<String> = []
    private var optionally: Set<String> = []

    func record(_ name: String, throughSpec viaSpec: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if viaSpec { throughSpec.insert(name) } else { optionally.insert(name) }
    }

    var readThroughSpec: Set<String> { lock.withLock { throughSpec } }
    var readOptionally: Set<String> { lock.withLock { optionally } }
}

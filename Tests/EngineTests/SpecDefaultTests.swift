@testable import Engine
import Foundation
import Testing

/// Every default `help` shows is the one a command uses: the defaults live in
/// the specs only (docs/design.md, "The Lab layer").
///
/// A script runs every command that has defaults (all but the analysis ones,
/// which have their own owner and tests) on a small model. For each line it
/// checks, from the catalog, that every defaulted parameter left out was read
/// through the spec (`Invocation.required*`) and never optionally (where a
/// handler could put a fallback of its own), that each default written out as
/// `help` prints it binds to the same value, and that the line gives the same
/// result both ways.
@Suite struct SpecDefaultTests {
    static let analysisVerbs: Set<String> = ["svd", "spectrum", "similarity", "amplification", "intruders"]

    /// A line the way `Engine.execute` runs it, keeping the `Invocation` to look at.
    /// `interrupted`: the line runs with the interrupt already raised, so that
    /// training binds everything and stops before its first step.
    static func run(_ line: String, _ state: inout SessionState, interrupted: Bool = false) throws -> (Invocation, String) {
        let catalog = CommandCatalog.standard
        let logical = try #require(CommandLexer.lines(of: line).first)
        let command = try ParsedCommand(logical)
        let (spec, words) = try catalog.resolve(command)
        let invocation = try Invocation(spec: spec, command: command, words: words)
        let cancellation = CancellationFlag()
        if interrupted { cancellation.raise() }
        let context = CommandContext(output: OutputSink(emit: { _ in }), cancellation: cancellation, catalog: catalog)
        var next = state
        do {
            let result = try spec.handler(invocation, &next, context)
            state = next
            return (invocation, result?.plainText ?? "")
        } catch let failure as CommandFailure where interrupted && failure.kind == .interrupted {
            state = next
            return (invocation, "")
        }
    }

    /// `line` with every default it leaves out written as `help` shows it.
    static func explicit(_ line: String, _ invocation: Invocation) -> String {
        var words = [line]
        for positional in invocation.spec.positionals where !invocation.isWritten(positional.name) {
            if let value = positional.defaultValue { words.append(HelpText.describe(value)) }
        }
        for parameter in invocation.spec.parameters where !invocation.isWritten(parameter.name) {
            if let value = parameter.defaultValue { words.append("\(parameter.name)=\(HelpText.describe(value))") }
        }
        return words.joined(separator: " ")
    }

    /// A copy of the session that shares no model with it.
    static func detached(_ state: SessionState) -> SessionState {
        var copy = state
        copy.lab = state.lab?.snapshot()
        return copy
    }

    /// Timings differ from run to run; nothing else may.
    static func withoutTimings(_ text: String) -> String {
        text.replacingOccurrences(of: #"in [0-9.]+ s"#, with: "in … s", options: .regularExpression)
    }

    @Test func everyDefaultTheHelpShowsIsTheOneUsed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loralab-defaults-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Defaults such as pretrain's 300 steps run in full (twice): a model of
        // width 8 and data of a few short documents keep that to seconds.
        let text = (0..<30).map { "The cat \($0) sat on the mat." }.joined(separator: "\n\n")
        try text.write(to: folder.appendingPathComponent("stories.txt"), atomically: true, encoding: .utf8)
        let chats = (0..<30).map { #"{"conversations": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b\#($0)"}]}"# }
        try chats.joined(separator: "\n").write(to: folder.appendingPathComponent("chats.jsonl"), atomically: true, encoding: .utf8)
        // Training with its default lengths (pretrain's 300 steps, compare's 4 × 200)
        // runs interrupted: everything is bound and read, and no step is taken.
        let script: [(line: String, interrupted: Bool)] = [
            ("model tiny dim=16 layers=1 heads=2 kv_heads=2 ffn=32 seq=32", false),
            ("data pretrain \"\(folder.path)/stories.txt\"", false),
            ("data finetune \"\(folder.path)/chats.jsonl\"", false),
            ("pretrain", true),
            ("generate \"Once\"", false),
            ("eval", false),
            ("set cache=\"\(folder.path)/cache\"", false),
            ("compare", true),
            ("cache check", false),
            ("cache witness", false),
            ("sweep rank=1,2", true),
            ("sweep lr=1e-3,1e-2", true),
            ("save model \"\(folder.path)/model\"", false),
            ("save logits \"\(folder.path)/logits.safetensors\"", false),
            ("run save base", false),
            ("finetune", false),
            ("step", false),
            ("run load base", false),
            ("lora", false),
            ("step", false),
            ("train", true),
        ]
        var state = SessionState()
        var covered: [String: Set<String>] = [:]
        for (line, interrupted) in script {
            // The line as written and with its defaults spelt out, each on its own copy of the session.
            var spelt = Self.detached(state)
            let (invocation, result) = try Self.run(line, &state, interrupted: interrupted)
            let spec = invocation.spec
            let defaulted = spec.positionals.filter { $0.defaultValue != nil }.map(\.name)
                + spec.parameters.filter { $0.defaultValue != nil }.map(\.name)
            for name in defaulted where !invocation.isWritten(name) {
                #expect(invocation.reads.readThroughSpec.contains(name), "`\(line)`: the default of '\(name)' is never read through the spec")
                #expect(!invocation.reads.readOptionally.contains(name), "`\(line)`: '\(name)' is read optionally, beside a default in its spec")
                covered[spec.name, default: []].insert(name)
            }
            let explicitLine = Self.explicit(line, invocation)
            guard explicitLine != line else { continue }
            let (explicit, explicitResult) = try Self.run(explicitLine, &spelt, interrupted: interrupted)
            for name in defaulted where !invocation.isWritten(name) {
                #expect(explicit.isWritten(name))
                #expect(explicit.boundValue(name) == invocation.boundValue(name),
                        "`\(explicitLine)`: '\(name)' as help shows it binds to \(String(describing: explicit.boundValue(name))), the default to \(String(describing: invocation.boundValue(name)))")
            }
            #expect(Self.withoutTimings(explicitResult) == Self.withoutTimings(result), "`\(line)` and `\(explicitLine)` differ")
        }
        // Every command with a default (but the analysis ones) ran with each of its defaults.
        for spec in CommandCatalog.standard.specs where !Self.analysisVerbs.contains(spec.verb) {
            let defaulted = Set(spec.positionals.filter { $0.defaultValue != nil }.map(\.name)
                + spec.parameters.filter { $0.defaultValue != nil }.map(\.name))
            #expect(defaulted.subtracting(covered[spec.name] ?? []).isEmpty,
                    "`\(spec.name)`: defaults \(defaulted.subtracting(covered[spec.name] ?? []).sorted()) are not exercised")
        }
    }

    /// The check above can fail: a handler-style optional read of a defaulted value is seen.
    @Test func anOptionalReadOfADefaultIsSeen() throws {
        var state = SessionState()
        let (invocation, _) = try Self.run("set", &state)
        #expect(invocation.reads.readOptionally == ["cache", "seed"])
        #expect(invocation.reads.readThroughSpec.isEmpty)
        let eval = try Invocation(spec: try #require(CommandCatalog.standard.forms(of: "eval").first),
                                  command: try ParsedCommand(try #require(CommandLexer.lines(of: "eval").first)), words: [])
        _ = eval.integer("batches")
        #expect(eval.reads.readOptionally.contains("batches"))
        _ = try eval.requiredInteger("batch")
        #expect(eval.reads.readThroughSpec == ["batch"])
    }
}

/// What made a shipped base model: `provenance.json` beside the weights of a
/// folder that `tools/make-base.py` wrote (docs/base.md). `model load`
/// prints it, so a notebook that starts from the base shows which recipe,
/// seed and numerics produced the weights it measures.
///
/// Only the fields a reader needs are typed here; the file holds more (the
/// schedule, the stopping rule, the weights' sha256) for people and tests.
public struct BaseProvenance: Sendable, Equatable, CustomStringConvertible {
    public static let fileName = "provenance.json"

    public var name: String
    public var version: Int
    /// The sha256 of the script that holds the whole recipe.
    public var recipeSHA256: String
    public var madeBy: String?
    public var sourceCommit: String?
    public var numericsVersion: Int?
    public var seed: Int?
    public var steps: Int?
    public var learningRate: Double?
    public var heldOutLoss: Double?

    /// Reads the file's JSON; a required field that is missing or of the
    /// wrong type is named, so a damaged base is refused rather than half-described.
    public static func parse(_ json: StrictJSON) throws(CheckpointError) -> BaseProvenance {
        func invalid(_ key: String, _ reason: String) -> CheckpointError { .invalidConfig(file: fileName, key: key, reason: reason) }
        guard json.members != nil else { throw invalid("(top level)", "not a JSON object") }
        guard let name = json["name"]?.stringValue, !name.isEmpty else { throw invalid("name", "missing or not a non-empty string") }
        guard let version = json["version"]?.intValue else { throw invalid("version", "missing or not an integer") }
        guard let hash = json["recipe_sha256"]?.stringValue, hash.count == 64,
              hash.allSatisfy({ $0.isHexDigit }) else {
            throw invalid("recipe_sha256", "missing or not 64 hexadecimal digits")
        }
        func optional<T>(_ key: String, _ value: (StrictJSON) -> T?, _ kind: String) throws(CheckpointError) -> T? {
            guard let field = json[key], !field.isNull else { return nil }
            guard let typed = value(field) else { throw invalid(key, "not \(kind)") }
            return typed
        }
        return BaseProvenance(
            name: name, version: version, recipeSHA256: hash,
            madeBy: try optional("made_by", \.stringValue, "a string"),
            sourceCommit: try optional("source_commit", \.stringValue, "a string"),
            numericsVersion: try optional("numerics_version", \.intValue, "an integer"),
            seed: try optional("seed", \.intValue, "an integer"),
            steps: try optional("steps", \.intValue, "an integer"),
            learningRate: try optional("lr", \.doubleValue, "a number"),
            heldOutLoss: try optional("held_out_loss", \.doubleValue, "a number"))
    }

    /// One line: `base tiny-stories v1 (recipe sha256 …, seed 42, 1800 steps, lr 0.003, held-out loss 1.2345, numerics 1, made by …)`.
    public var description: String {
        var parts = ["recipe sha256 \(recipeSHA256.prefix(16))"]
        if let seed { parts.append("seed \(seed)") }
        if let steps { parts.append("\(steps) steps") }
        if let learningRate { parts.append("lr \(learningRate)") }
        if let heldOutLoss { parts.append("held-out loss \(heldOutLoss)") }
        if let numericsVersion { parts.append("numerics \(numericsVersion)") }
        if let sourceCommit { parts.append("source \(sourceCommit.prefix(12))\(sourceCommit.hasSuffix("-dirty") ? "-dirty" : "")") }
        if let madeBy { parts.append("made by \(madeBy)") }
        return "base \(name) v\(version) (" + parts.joined(separator: ", ") + ")"
    }
}

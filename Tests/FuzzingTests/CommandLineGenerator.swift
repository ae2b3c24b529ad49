/// Random cells for the command language: mostly the real verbs, parameters
/// and values, mixed with near misses, garbage, quotes, escapes, comments,
/// continuations and odd whitespace. Values are kept small (one step, tiny
/// shapes) so that the cells which do run, run in milliseconds.
struct CommandLineGenerator {
    var random: SeededGenerator

    static let verbs = [
        "help", "print", "warn", "clear", "set", "reset", "model", "show", "data", "lora", "pretrain",
        "finetune", "step", "train", "eval", "generate", "svd", "spectrum", "similarity", "amplification",
        "intruders", "run", "runs", "compare", "lora?", "?train", "lroa", "trian", "Model", "modle",
    ]
    static let words = [
        "model", "lora", "merge", "unmerge", "detach", "pretrain", "finetune", "list", "save", "load",
        "tiny", "tyni", "builtin:tinystories", "builtin:identity", "builtin:nope", "r1", "r2", "layers.0.q",
        "model.layers.0.self_attn.q_proj", "*.q_proj", "square", "attn", "1", "2", "-1", "\"hi\"",
    ]
    static let parameters = [
        "steps", "lr", "batch", "seq", "rank", "alpha", "targets", "layers", "init", "rslora", "dropout", "dry",
        "seed", "dim", "heads", "kv_heads", "ffn", "qk_norm", "top", "r", "k", "eps", "max", "temperature",
        "top_k", "matrix", "budget", "batches", "rnak", "",
    ]
    static let values = [
        "1", "2", "0", "-3", "+1", "1e-3", ".5", "3e-3", "true", "false", "q,v", "square", "attn", "ffn",
        "all-linear", "0-1", "3-1", "q,,v", "\"quoted value\"", "\"esc\\q\"", "\"\\\"\"", "nan", "inf", "1e400",
        "99999999999999999999", "square;q,v", "peft", "pissa", "minimind", "gaussian", "", "layers.0.q", "=",
        "equal", "rank",
    ]
    static let garbage: [String] = [
        "\"", "\\", "=", "#", "\t", "\r", "\u{0}", "é", "→", "🙂", "\u{301}", ";", ",", "-", "?", "\\n", "'",
    ]

    /// The model line every session here uses: 16-dim, one block.
    static let smallModel = "model tiny dim=16 layers=1 heads=2 kv_heads=1 ffn=32 seq=16"

    init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    mutating func cell() -> String {
        let lineCount = Int.random(in: 1...3, using: &random)
        var lines: [String] = []
        for _ in 0..<lineCount { lines.append(line()) }
        return lines.joined(separator: random.chance(0.1) ? "\r\n" : "\n")
    }

    mutating func line() -> String {
        if random.chance(0.05) { return "" }
        if random.chance(0.1) { return garbageRun(length: Int.random(in: 1...20, using: &random)) }
        let verb = random.pick(Self.verbs)
        var pieces = [verb]
        if verb == "model" || verb == "Model" {
            // Never a full-size preset: the shape is always overridden to something tiny.
            pieces = Self.smallModel.split(separator: " ").map(String.init)
            if verb == "Model" { pieces[0] = "Model" }
        }
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            if random.chance(0.35) {
                pieces.append(random.pick(Self.words))
            } else {
                pieces.append(random.pick(Self.parameters) + "=" + random.pick(Self.values))
            }
        }
        if ["pretrain", "train", "compare"].contains(verb) {
            // Their default is hundreds of steps; one is enough to exercise them.
            pieces.append("steps=1 batch=1 seq=8")
        }
        if verb == "step" || verb == "eval" || verb == "generate" { pieces.append("batch=1 seq=8 max=2 batches=1") }
        if random.chance(0.15) {
            let index = Int.random(in: 0..<pieces.count, using: &random)
            pieces[index] = mutate(pieces[index])
        }
        var text = ""
        for (index, piece) in pieces.enumerated() {
            if index > 0 {
                if random.chance(0.08) {
                    text += " \\\n  "  // a continuation
                } else {
                    text += random.pick([" ", " ", " ", "  ", "\t"])
                }
            }
            text += piece
        }
        if random.chance(0.1) { text += " # a comment with \"quotes\" and \\" }
        if random.chance(0.03) { text += " \\" }  // a continuation at the very end of the line
        return text
    }

    private mutating func garbageRun(length: Int) -> String {
        var text = ""
        for _ in 0..<length {
            if random.chance(0.5) {
                text += random.pick(Self.garbage)
            } else {
                text.unicodeScalars.append(Unicode.Scalar(UInt8.random(in: 0x20...0x7E, using: &random)))
            }
        }
        return text
    }

    /// A typo, a stray character, a cut word, or a word glued to a quote.
    private mutating func mutate(_ piece: String) -> String {
        var scalars = Array(piece.unicodeScalars)
        switch Int.random(in: 0..<4, using: &random) {
        case 0 where scalars.count > 1:
            scalars.swapAt(0, scalars.count - 1)
        case 1:
            let insert = random.pick(Self.garbage).unicodeScalars
            scalars.insert(contentsOf: insert, at: Int.random(in: 0...scalars.count, using: &random))
        case 2 where !scalars.isEmpty:
            scalars.removeLast(Int.random(in: 1...scalars.count, using: &random))
        default:
            scalars += "\"glued\"".unicodeScalars
        }
        var result = ""
        result.unicodeScalars.append(contentsOf: scalars)
        return result
    }
}

import ArgumentParser
import Checkpoint
import Corpus
import Foundation

/// `loralab tokenize` (hidden, for tests and tools): runs a tokenizer over
/// JSON lines, so that Python tests can compare it with the `tokenizers`
/// library without LoRA Lab calling Python.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Encode or decode JSON lines with a tokenizer (a tool for tests).",
        discussion: """
            Reads one JSON value per line from standard input and writes one per line:
            a string in, its token ids out (a JSON array); with --decode, an array of
            ids in, its text out (a JSON string). Without --tokenizer, the byte tokenizer.
            --export-byte-tokenizer writes the byte tokenizer as a Hugging Face tokenizer.json.
            """,
        shouldDisplay: false)

    @Option(help: ArgumentHelp("A Hugging Face byte-level BPE tokenizer.json.", valueName: "FILE"))
    var tokenizer: String?

    @Flag(help: "Decode arrays of ids instead of encoding strings.")
    var decode = false

    @Option(help: ArgumentHelp("Write the byte tokenizer's tokenizer.json to FILE and exit.", valueName: "FILE"))
    var exportByteTokenizer: String?

    func run() throws {
        if let path = exportByteTokenizer {
            try ByteTokenizerExport.tokenizerJSON().write(to: URL(fileURLWithPath: path), options: .atomic)
            return
        }
        var chosen: any Tokenizer = ByteTokenizer()
        if let path = tokenizer {
            do { chosen = try ByteLevelBPETokenizer(contentsOfFile: path) } catch { throw ValidationError(error.description) }
        }
        var lineNumber = 0
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            let value = try? JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
            let output: Any
            if decode {
                guard let ids = value as? [Int] else { throw ValidationError("line \(lineNumber): expected a JSON array of ids") }
                output = chosen.decode(ids.map { Int32(truncatingIfNeeded: $0) })
            } else {
                guard let text = value as? String else { throw ValidationError("line \(lineNumber): expected a JSON string") }
                output = chosen.encode(text).map(Int.init)
            }
            let data = try JSONSerialization.data(withJSONObject: output, options: [.fragmentsAllowed, .withoutEscapingSlashes])
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
    }
}

import Foundation
import Synchronization

/// The fuzzing entry point for the data-file loader. The libFuzzer binary
/// (`fuzz/`, `make fuzz-jsonl`) and the corpus replay in `swift test`
/// (FuzzingTests) both call `check`.
///
/// The loader reads a path, so each input is written to a file in a private
/// temporary folder and loaded twice: as `.jsonl` and with no extension (where
/// the loader decides by the first character).
///
/// Invariants, each reported as a sentence when broken:
/// - a problem with one line of the file (invalid JSON or UTF-8, a missing or
///   mistyped field, a wrong role, no assistant message, mixed kinds) names
///   that line, and the line exists in the file;
/// - a loaded data set has documents, none of them empty, and every loss
///   mask as long as its tokens.
public enum DatasetFuzzing {
    /// One folder per process, so parallel fuzzing jobs never share a file;
    /// a number per call, so parallel tests in one process do not either.
    private static let folder = makeFolder()
    private static let inputNumbers = Atomic<Int>(0)

    public static func check(_ bytes: [UInt8]) -> [String] {
        guard let folder else { return ["cannot create a temporary folder"] }
        let number = inputNumbers.wrappingAdd(1, ordering: .relaxed).newValue
        var violations: [String] = []
        for name in ["input-\(number).jsonl", "input-\(number)"] {
            let url = folder.appendingPathComponent(name)
            do {
                try Data(bytes).write(to: url)
            } catch {
                return ["cannot write the input file: \(error)"]
            }
            violations += check(path: url.path, bytes: bytes)
            try? FileManager.default.removeItem(at: url)
        }
        return violations
    }

    static func check(path: String, bytes: [UInt8]) -> [String] {
        let lineCount = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).count
        do {
            let dataset = try DatasetLoader.load(path: path)
            var violations: [String] = []
            if dataset.train.isEmpty { violations.append("loaded a data set with no training documents") }
            for document in dataset.train + dataset.validation + dataset.heldOut {
                if document.tokens.isEmpty { violations.append("loaded an empty document") }
                if document.lossMask.count != document.tokens.count {
                    violations.append("a loss mask of \(document.lossMask.count) for \(document.tokens.count) tokens")
                }
            }
            return violations
        } catch {
            let lineProblems: [DatasetError.Problem] = [
                .notUTF8, .invalidJSON, .missingField, .wrongType, .wrongRole, .noAssistantMessage, .mixedFormats,
            ]
            guard lineProblems.contains(error.problem) else { return [] }
            guard let line = error.line else { return ["a line's problem without a line number: \(error)"] }
            guard line >= 1, line <= lineCount else {
                return ["line \(line) of a file of \(lineCount) lines: \(error)"]
            }
            return []
        }
    }

    private static func makeFolder() -> URL? {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("loralab-fuzz-dataset-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        guard (try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)) != nil else {
            return nil
        }
        return url
    }
}

import Corpus
import Foundation
import Testing

/// A fresh directory for one test's files, removed when the test ends.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("corpus-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String, _ contents: String) throws -> String {
        try file(name, bytes: Array(contents.utf8))
    }

    func file(_ name: String, bytes: [UInt8]) throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

@Suite struct DatasetLoaderTests {
    // MARK: Good files

    @Test func plainTextSplitsIntoParagraphs() throws {
        let directory = try TemporaryDirectory()
        let paragraphs = (1...12).map { "Paragraph \($0) line one.\nLine two of \($0)." }
        let path = try directory.file("notes.txt", paragraphs.joined(separator: "\n\n  \n"))
        let dataset = try DatasetLoader.load(path: path)
        #expect(dataset.kind == .pretrain)
        #expect(dataset.train.count + dataset.validation.count + dataset.heldOut.count == 12)
        #expect(dataset.heldOut.count == 1)
        #expect(dataset.validation.count == 1)
        let all = (dataset.train + dataset.validation + dataset.heldOut).map { ByteTokenizer.decode($0.tokens) }
        #expect(Set(all) == Set(paragraphs))
        #expect(dataset.train.allSatisfy { $0.lossMask.allSatisfy { $0 } })
    }

    @Test func singleTextDocumentIsCutForHeldOut() throws {
        let directory = try TemporaryDirectory()
        let text = String(repeating: "abcdefghij", count: 10)
        let dataset = try DatasetLoader.load(path: try directory.file("one.txt", text))
        #expect(dataset.train.map(\.tokens.count) == [80])
        #expect(dataset.validation.map(\.tokens.count) == [10])
        #expect(dataset.heldOut.map(\.tokens.count) == [10])
        #expect(ByteTokenizer.decode(dataset.train[0].tokens + dataset.validation[0].tokens + dataset.heldOut[0].tokens) == text)
    }

    @Test(arguments: [2, 3, 9, 10, 25])
    func smallFilesSplitDisjointlyAndTheSameEveryTime(paragraphs count: Int) throws {
        let directory = try TemporaryDirectory()
        let paragraphs = (1...count).map { "Paragraph number \($0)." }
        let path = try directory.file("notes.txt", paragraphs.joined(separator: "\n\n"))
        let dataset = try DatasetLoader.load(path: path)
        let parts = [dataset.train, dataset.validation, dataset.heldOut].map { Set($0.map { ByteTokenizer.decode($0.tokens) }) }
        #expect(parts.map(\.count).reduce(0, +) == count, "every paragraph in exactly one split")
        #expect(parts[0].union(parts[1]).union(parts[2]) == Set(paragraphs))
        #expect(!dataset.train.isEmpty && !dataset.heldOut.isEmpty)
        #expect(dataset.validation.isEmpty == (count == 2), "a validation split whenever there are three documents or more")
        #expect(try DatasetLoader.load(path: path) == dataset)
    }

    @Test func jsonlTextLinesArePretraining() throws {
        let directory = try TemporaryDirectory()
        let lines = (0..<20).map { #"{"text": "Story number \#($0).\nThe end."}"# }
        let path = try directory.file("pretrain.jsonl", lines.joined(separator: "\r\n") + "\n\n")
        let dataset = try DatasetLoader.load(path: path)
        #expect(dataset.kind == .pretrain)
        #expect(dataset.train.count == 16 && dataset.validation.count == 2 && dataset.heldOut.count == 2)
        #expect(ByteTokenizer.decode(dataset.train[0].tokens) == "Story number 0.\nThe end.")
    }

    @Test func jsonlConversationsAreFineTuningWithAssistantMask() throws {
        let directory = try TemporaryDirectory()
        let line = #"{"conversations": [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! 👋"}]}"#
        let path = try directory.file("sft.jsonl", [line, line].joined(separator: "\n"))
        let dataset = try DatasetLoader.load(path: path)
        #expect(dataset.kind == .finetune)
        #expect(dataset.train.count == 1 && dataset.heldOut.count == 1)
        let expected = ChatTemplate.tokenize([
            ChatMessage(role: .system, content: "Be kind."),
            ChatMessage(role: .user, content: "Hi"),
            ChatMessage(role: .assistant, content: "Hello! 👋"),
        ])
        #expect(dataset.train[0] == expected)
        let targets = zip(expected.tokens, expected.lossMask).filter(\.1).map(\.0)
        #expect(targets == ByteTokenizer.encode("Hello! 👋<|im_end|>"))
    }

    // MARK: Bad files: each error names the file, the line where there is one, and the problem

    private func expectError(_ path: String, _ problem: DatasetError.Problem, line: Int?,
                             mentioning words: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let dataset = try DatasetLoader.load(path: path)
            Issue.record("loaded \(dataset.train.count) documents instead of failing", sourceLocation: sourceLocation)
        } catch {
            #expect(error.problem == problem, sourceLocation: sourceLocation)
            #expect(error.file == path, sourceLocation: sourceLocation)
            #expect(error.line == line, sourceLocation: sourceLocation)
            #expect(error.description.contains(path), sourceLocation: sourceLocation)
            if let line { #expect(error.description.contains("line \(line)"), sourceLocation: sourceLocation) }
            for word in words {
                #expect(error.description.contains(word), "\(error.description)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func missingFile() throws {
        let directory = try TemporaryDirectory()
        expectError(directory.url.appendingPathComponent("nope.jsonl").path, .fileMissing, line: nil, mentioning: ["no such file"])
    }

    @Test func directoryIsNotAFile() throws {
        let directory = try TemporaryDirectory()
        expectError(directory.url.path, .unreadable, line: nil, mentioning: ["directory"])
    }

    @Test func emptyFiles() throws {
        let directory = try TemporaryDirectory()
        expectError(try directory.file("empty.jsonl", ""), .emptyFile, line: nil, mentioning: ["empty"])
        expectError(try directory.file("blank.txt", "\n  \n\t\n"), .emptyFile, line: nil, mentioning: ["empty"])
    }

    @Test func notUTF8NamesTheLine() throws {
        let directory = try TemporaryDirectory()
        let bytes = Array("fine\nalso fine\n".utf8) + [0x66, 0xFF, 0xFE, 0x0A] + Array("after\n".utf8)
        expectError(try directory.file("latin.txt", bytes: bytes), .notUTF8, line: 3, mentioning: ["UTF-8"])
    }

    @Test func invalidJSONNamesTheLine() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.file("broken.jsonl", #"{"text": "ok"}"# + "\n\n" + #"{"text": "unterminated}"# + "\n")
        expectError(path, .invalidJSON, line: 3, mentioning: ["invalid JSON"])
    }

    @Test func lineThatIsNotAnObject() throws {
        let directory = try TemporaryDirectory()
        expectError(try directory.file("list.jsonl", #"["text", "hi"]"#), .wrongType, line: 1, mentioning: ["object"])
    }

    @Test func missingFieldListsWhatWasFound() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.file("fields.jsonl", #"{"text": "ok"}"# + "\n" + #"{"content": "hi"}"#)
        expectError(path, .missingField, line: 2, mentioning: ["\"text\"", "\"conversations\"", "\"content\""])
        let noContent = try directory.file("nocontent.jsonl", #"{"conversations": [{"role": "user"}]}"#)
        expectError(noContent, .missingField, line: 1, mentioning: ["message 1", "\"content\""])
    }

    @Test func wrongRoleNamesTheMessageAndTheRole() throws {
        let directory = try TemporaryDirectory()
        let line = #"{"conversations": [{"role": "user", "content": "Hi"}, {"role": "bot", "content": "Hey"}]}"#
        expectError(try directory.file("roles.jsonl", "\n" + line), .wrongRole, line: 2,
                    mentioning: ["message 2", "\"bot\"", "assistant"])
    }

    @Test func wrongTypes() throws {
        let directory = try TemporaryDirectory()
        expectError(try directory.file("a.jsonl", #"{"text": 42}"#), .wrongType, line: 1, mentioning: ["string"])
        expectError(try directory.file("b.jsonl", #"{"conversations": "hello"}"#), .wrongType, line: 1, mentioning: ["list"])
        expectError(try directory.file("c.jsonl", #"{"conversations": [{"role": "user", "content": 7}]}"#),
                    .wrongType, line: 1, mentioning: ["content"])
    }

    @Test func conversationWithoutAssistant() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.file("quiet.jsonl", #"{"conversations": [{"role": "user", "content": "Hi"}]}"#)
        expectError(path, .noAssistantMessage, line: 1, mentioning: ["assistant"])
    }

    @Test func mixedKindsInOneFile() throws {
        let directory = try TemporaryDirectory()
        let lines = [#"{"text": "ok"}"#, #"{"conversations": [{"role": "assistant", "content": "Hi"}]}"#]
        expectError(try directory.file("mixed.jsonl", lines.joined(separator: "\n")), .mixedFormats, line: 2)
    }
}

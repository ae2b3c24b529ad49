import Foundation
import Testing
@testable import Checkpoint

/// A tokenizer's Jinja chat template is kept as text and written back unchanged.
@Suite struct TokenizerConfigTests {
    private func write(_ object: [String: Any]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tokenizer_config-\(UUID()).json").path
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func keepsTheTemplateTextAndWritesItBack() throws {
        let template = "{%- for message in messages %}{{ '<|im_start|>' + message.role }}{% endfor %}"
        let path = try write(["chat_template": template, "tokenizer_class": "PreTrainedTokenizerFast"])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try TokenizerConfig(contentsOfFile: path)
        #expect(config.chatTemplate == template)
        let written = try #require(try JSONSerialization.jsonObject(with: config.json()) as? [String: Any])
        #expect(written["chat_template"] as? String == template)
        #expect(written["eos_token"] as? String == "<|im_end|>")
    }

    @Test func readsNamedTemplatesAndFallsBackToChatML() throws {
        let path = try write(["chat_template": [["name": "tool_use", "template": "T"], ["name": "default", "template": "D"]]])
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try TokenizerConfig(contentsOfFile: path).chatTemplate == "D")
        let none = try write(["tokenizer_class": "PreTrainedTokenizerFast"])
        defer { try? FileManager.default.removeItem(atPath: none) }
        let config = try TokenizerConfig(contentsOfFile: none)
        #expect(config.chatTemplate == nil)
        let written = try #require(try JSONSerialization.jsonObject(with: config.json()) as? [String: Any])
        #expect(written["chat_template"] as? String == TokenizerConfig.chatMLTemplate)
    }

    @Test func badFilesAreErrors() throws {
        #expect(throws: TokenizerFileError.self) { try TokenizerConfig(contentsOfFile: "/nonexistent/tokenizer_config.json") }
        let path = try write(["chat_template": 3])
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: TokenizerFileError.self) { try TokenizerConfig(contentsOfFile: path) }
    }
}

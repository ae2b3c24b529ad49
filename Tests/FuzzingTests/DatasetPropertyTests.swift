import Corpus
import Foundation
import Testing

/// Random JSONL files never crash the loader; a problem with a line names that line.
@Suite struct DatasetPropertyTests {
    static let goodLines = [
        #"{"text": "Once upon a time."}"#,
        #"{"conversations": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]}"#,
        #"{"conversations": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}, {"role": "assistant", "content": "a"}]}"#,
        "", "   ",
    ]
    static let badLines = [
        #"{"text": 5}"#, #"{"text": "unterminated}"#, #"{"conversations": "no"}"#,
        #"{"conversations": [{"role": "robot", "content": "x"}]}"#, #"{"conversations": [{"role": "user", "content": "q"}]}"#,
        #"{"conversations": [{"role": "assistant"}]}"#, #"{"other": 1}"#, "[1]", "\"s\"", "null", "{", "}", "{}",
        #"{"text": "\ud800"}"#, #"{"text": "a", "text": "b"}"#, "\u{FEFF}{\"text\": \"x\"}",
    ]

    @Test func randomFilesLoadOrFailAtALineOfTheFile() throws {
        var random = SeededGenerator(seed: 11)
        var outcomes = (loaded: 0, failedAtALine: 0)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dataset-properties-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for index in 0..<1500 {
            var lines: [String] = []
            let prefersText = random.chance(0.5)
            for _ in 0..<Int.random(in: 1...12, using: &random) {
                if random.chance(0.85) {
                    let good = random.pick(Self.goodLines)
                    lines.append(prefersText && good.contains("conversations") ? Self.goodLines[0] : good)
                } else {
                    lines.append(random.pick(Self.badLines))
                }
            }
            var bytes = Array(lines.joined(separator: random.chance(0.2) ? "\r\n" : "\n").utf8)
            if random.chance(0.1), !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            #expect(DatasetFuzzing.check(bytes).isEmpty, "case \(index): \(String(decoding: bytes, as: UTF8.self))")

            // The same file through the public loader, to count what happened.
            let path = folder.appendingPathComponent("case.jsonl").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                _ = try DatasetLoader.load(path: path)
                outcomes.loaded += 1
            } catch {
                if error.line != nil { outcomes.failedAtALine += 1 }
            }
        }
        #expect(outcomes.loaded > 200 && outcomes.failedAtALine > 200, "\(outcomes)")
    }
}

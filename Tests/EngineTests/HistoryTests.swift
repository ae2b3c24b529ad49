import Engine
import Foundation
import Testing

@Suite("History")
struct HistoryTests {
    private func temporaryFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("loralab-history-\(UUID().uuidString)/history.jsonl")
    }

    @Test func sessionsAreNumberedAndPersisted() throws {
        let file = temporaryFile()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let first = Engine(history: History(fileURL: file))
        first.run("set seed=1")
        first.run("help")
        let second = Engine(history: History(fileURL: file))
        #expect(first.history.session == 1)
        #expect(second.history.session == 2)
        second.run("print \"x\"")
        let reread = History(fileURL: file)
        #expect(reread.session == 3)
        #expect(reread.all == [HistoryEntry(session: 1, line: 1, input: "set seed=1"),
                               HistoryEntry(session: 1, line: 2, input: "help"),
                               HistoryEntry(session: 2, line: 1, input: "print \"x\"")])
    }

    @Test func queriesFollowIPython() throws {
        let file = temporaryFile()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let old = History(fileURL: file)
        old.append(line: 1, input: "model tiny")
        old.append(line: 2, input: "lora targets=q,v")
        let history = History(fileURL: file)
        history.append(line: 1, input: "model tiny")
        history.append(line: 2, input: "train steps=5")
        history.append(line: 3, input: "lora targets=attn")

        #expect(history.tail(2).map(\.input) == ["train steps=5", "lora targets=attn"])
        #expect(history.range(session: 0).map(\.line) == [1, 2, 3])
        #expect(history.range(session: 0, start: 2, stop: 3).map(\.input) == ["train steps=5"])
        #expect(history.range(session: -1).map(\.input) == ["model tiny", "lora targets=q,v"])
        #expect(history.range(session: 1, start: 2).map(\.input) == ["lora targets=q,v"])
        #expect(history.search(pattern: "lora*").map(\.input) == ["lora targets=q,v", "lora targets=attn"])
        #expect(history.search(pattern: "lora*", count: 1).map(\.input) == ["lora targets=attn"])
        #expect(history.search(pattern: "model ti?y", unique: true) == [HistoryEntry(session: 2, line: 1, input: "model tiny")])
        #expect(history.search(pattern: "*steps=*").count == 1)
    }

    @Test func unreadableLinesAreSkipped() throws {
        let file = temporaryFile()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "not json\n{\"session\":4,\"line\":1,\"input\":\"help\"}\n".write(to: file, atomically: true, encoding: .utf8)
        let history = History(fileURL: file)
        #expect(history.session == 5)
        #expect(history.all.count == 1)
    }

    @Test func defaultFileComesFromTheEnvironment() {
        #expect(History.defaultFileURL(environment: ["LORALAB_HISTORY_FILE": "/tmp/h.jsonl"]).path == "/tmp/h.jsonl")
        #expect(History.defaultFileURL(environment: ["HOME": "/home/u"]).path == "/home/u/.local/share/loralab/history.jsonl")
    }

    @Test func executeWithoutStoreHistoryRecordsNothing() {
        let engine = Engine.forTesting()
        _ = engine.execute("help", storeHistory: false) { _ in }
        engine.run("set")
        #expect(engine.history.all.map(\.input) == ["set"])
    }
}

import Engine
import Foundation
import REPL
import Testing

@Suite struct ScriptRunnerTests {
    @Test func aMissingFileIsAClearErrorWithStatusTwo() {
        let sink = RecordingSink()
        let status = ScriptRunner(engine: Engine(), output: sink, capabilities: .plain).run(path: "/no/such/script.lora")
        #expect(status == .unreadableFile)
        #expect(status.rawValue == 2)
        #expect(sink.stderr == "loralab run: cannot read '/no/such/script.lora': no such file\n")
        #expect(sink.stdout.isEmpty)
    }

    @Test func aDirectoryIsNotAScript() {
        let sink = RecordingSink()
        let status = ScriptRunner(engine: Engine(), output: sink, capabilities: .plain).run(path: NSTemporaryDirectory())
        #expect(status == .unreadableFile)
        #expect(sink.stderr.contains("it is a directory"))
    }
}

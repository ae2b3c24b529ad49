import REPL
import Testing

@Suite struct HistoryFileTests {
    @Test func theEnvironmentOverrideWinsThenXDGThenHome() {
        #expect(HistoryFile.defaultPath(environment: ["LORALAB_HISTORY_FILE": "/tmp/h", "HOME": "/home/a"]) == "/tmp/h")
        #expect(HistoryFile.defaultPath(environment: ["XDG_DATA_HOME": "/data", "HOME": "/home/a"]) == "/data/loralab/repl_history")
        #expect(HistoryFile.defaultPath(environment: ["HOME": "/home/a"]) == "/home/a/.local/share/loralab/repl_history")
        // A relative XDG_DATA_HOME is invalid by the XDG rules and ignored.
        #expect(HistoryFile.defaultPath(environment: ["XDG_DATA_HOME": "data", "HOME": "/home/a"]) == "/home/a/.local/share/loralab/repl_history")
        #expect(HistoryFile.defaultPath(environment: [:]) == nil)
    }
}

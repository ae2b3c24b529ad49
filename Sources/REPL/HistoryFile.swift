#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Where the REPL keeps the lines typed in earlier sessions:
/// `$LORALAB_HISTORY_FILE` if set, else `$XDG_DATA_HOME/loralab/repl_history`,
/// else `~/.local/share/loralab/repl_history`. Nil when there is no home to
/// keep it in (history then lasts one session).
public enum HistoryFile {
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let explicit = environment["LORALAB_HISTORY_FILE"], !explicit.isEmpty { return explicit }
        if let dataHome = environment["XDG_DATA_HOME"], dataHome.hasPrefix("/") {
            return dataHome + "/loralab/repl_history"
        }
        if let home = environment["HOME"], !home.isEmpty {
            return home + "/.local/share/loralab/repl_history"
        }
        return nil
    }

    /// Creates the folder that will hold `path`; false when it cannot.
    static func prepareDirectory(for path: String) -> Bool {
        let directory = (path as NSString).deletingLastPathComponent
        guard !directory.isEmpty else { return true }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            return true
        } catch {
            return false
        }
    }
}

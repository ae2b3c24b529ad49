import Foundation
import Synchronization

/// One input a user ran: the session it belongs to and its execution count.
public struct HistoryEntry: Sendable, Equatable, Codable {
    public var session: Int
    public var line: Int
    public var input: String

    public init(session: Int, line: Int, input: String) {
        self.session = session
        self.line = line
        self.input = input
    }
}

/// The inputs of every session, kept as JSON lines in a file so the REPL's
/// recall and the Jupyter kernel's history_request see past sessions too.
/// Each `History` is a new session, numbered one past the largest stored.
/// Queries follow IPython's history manager (tail, range, search).
///
/// The file is read on first use, not when the session opens: a kernel
/// answers its first kernel_info_request without waiting for a long history
/// to be decoded.
public final class History: Sendable {
    /// The current session's number.
    public var session: Int { withLoaded { $0.session } }
    /// Where entries are appended; nil keeps them in memory only.
    public let fileURL: URL?
    private let state: Mutex<Loaded?>

    /// What the file held when first needed, plus this session's inputs.
    private struct Loaded {
        var session: Int
        var entries: [HistoryEntry]
    }

    /// `LORALAB_HISTORY_FILE` when it names a `.jsonl` file; otherwise that
    /// path with `.jsonl` added — the REPL keeps its line-editor history in
    /// `LORALAB_HISTORY_FILE` itself, in libedit's format, and the two files
    /// must not be the same. Without the variable:
    /// `~/.local/share/loralab/history.jsonl`.
    public static func defaultFileURL(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let path = environment["LORALAB_HISTORY_FILE"], !path.isEmpty {
            return URL(fileURLWithPath: path.hasSuffix(".jsonl") ? path : path + ".jsonl")
        }
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".local/share/loralab/history.jsonl")
    }

    /// Opens (or starts) the history in `fileURL`; an unreadable file or
    /// unreadable lines are skipped, never fatal.
    public init(fileURL: URL?) {
        self.fileURL = fileURL
        state = Mutex(nil)
    }

    private func withLoaded<Result>(_ body: (inout Loaded) -> Result) -> Result {
        state.withLock { state in
            if state == nil { state = Self.load(fileURL) }
            return body(&state!)
        }
    }

    private static func load(_ fileURL: URL?) -> Loaded {
        var stored: [HistoryEntry] = []
        if let fileURL, let data = try? Data(contentsOf: fileURL) {
            let decoder = JSONDecoder()
            for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
                if let entry = try? decoder.decode(HistoryEntry.self, from: Data(line)) {
                    stored.append(entry)
                }
            }
        }
        return Loaded(session: (stored.map(\.session).max() ?? 0) + 1, entries: stored)
    }

    /// A history that is never written to disk (tests, `loralab run`).
    public static func inMemory() -> History { History(fileURL: nil) }

    /// Records one input of the current session.
    public func append(line: Int, input: String) {
        let entry = withLoaded { loaded in
            let entry = HistoryEntry(session: loaded.session, line: line, input: input)
            loaded.entries.append(entry)
            return entry
        }
        guard let fileURL, var encoded = try? JSONEncoder().encode(entry) else { return }
        encoded.append(UInt8(ascii: "\n"))
        // History is a convenience: a full disk or a read-only home must not stop a session.
        _ = HistoryFile.append(record: encoded, to: fileURL)
    }

    /// Every entry, oldest first.
    public var all: [HistoryEntry] { withLoaded { $0.entries } }

    /// The last `count` entries over all sessions, oldest first.
    public func tail(_ count: Int) -> [HistoryEntry] {
        Array(all.suffix(max(0, count)))
    }

    /// Entries of one session with `start <= line < stop` (no `stop`: to the end).
    /// `session` 0 is the current one, negative numbers count back from it,
    /// positive numbers are absolute — as in IPython.
    public func range(session requested: Int, start: Int = 1, stop: Int? = nil) -> [HistoryEntry] {
        let current = session
        let wanted = requested <= 0 ? current + requested : requested
        return all.filter { entry in
            entry.session == wanted && entry.line >= start && (stop.map { entry.line < $0 } ?? true)
        }
    }

    /// Entries whose input matches a glob (`*` any run, `?` one character),
    /// oldest first; the last `count` of them when given; with `unique`, each
    /// input once (its latest occurrence).
    public func search(pattern: String, count: Int? = nil, unique: Bool = false) -> [HistoryEntry] {
        var matches = all.filter { Self.glob(pattern, matches: $0.input) }
        if unique {
            var seen: Set<String> = []
            matches = matches.reversed().filter { seen.insert($0.input).inserted }.reversed()
        }
        if let count { matches = Array(matches.suffix(max(0, count))) }
        return matches
    }

    static func glob(_ pattern: String, matches text: String) -> Bool {
        let pattern = Array(pattern)
        let text = Array(text)
        // Iterative matching with backtracking to the last `*`.
        var p = 0, t = 0
        var star: Int?
        var starText = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "*" {
                star = p
                starText = t
                p += 1
            } else if p < pattern.count, pattern[p] == "?" || pattern[p] == text[t] {
                p += 1
                t += 1
            } else if let star {
                p = star + 1
                starText += 1
                t = starText
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}

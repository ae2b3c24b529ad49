import Engine
import Foundation

/// `loralab run FILE`: the whole file runs as one cell, so that an error
/// reports the file's own line and column; the engine stops at the first
/// failing line.
public struct ScriptRunner {
    /// Exit statuses: 0 success, 1 a command failed, 2 the file could not be
    /// read, 130 interrupted.
    public enum Status: Int32 {
        case succeeded = 0
        case commandFailed = 1
        case unreadableFile = 2
        case interrupted = 130
    }

    private let engine: Engine
    private let output: TerminalOutput
    private let capabilities: TerminalCapabilities

    public init(engine: Engine, output: TerminalOutput = StandardStreams(),
                capabilities: TerminalCapabilities = .detect()) {
        self.engine = engine
        self.output = output
        self.capabilities = capabilities
    }

    public func run(path: String) -> Status {
        let source: String
        switch Self.read(path) {
        case .success(let text): source = text
        case .failure(let problem):
            output.write("loralab run: cannot read '\(path)': \(problem.reason)\n", to: .stderr)
            return .unreadableFile
        }
        return run(source: source, named: path)
    }

    public func run(source: String, named name: String) -> Status {
        let renderer = EventRenderer(sink: output, capabilities: capabilities)
        renderer.sourceName = name
        let runner = CellRunner(engine: engine, renderer: renderer)
        switch runner.run(source) {
        case .succeeded: return .succeeded
        case .failed: return .commandFailed
        case .interrupted: return .interrupted
        }
    }

    struct ReadProblem: Error { let reason: String }

    static func read(_ path: String) -> Result<String, ReadProblem> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(ReadProblem(reason: "no such file"))
        }
        if isDirectory.boolValue { return .failure(ReadProblem(reason: "it is a directory")) }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(ReadProblem(reason: "permission denied or unreadable"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(ReadProblem(reason: "not UTF-8 text"))
        }
        return .success(text)
    }
}

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

    /// Runs the file at `path`; `-` (as Unix tools spell it) is standard
    /// input, and so is any pipe, FIFO or device path such as `/dev/stdin`.
    public func run(path: String) -> Status {
        let source: String
        switch Self.read(path) {
        case .success(let text): source = text
        case .failure(let problem):
            output.write("loralab run: cannot read '\(path)': \(problem.reason)\n", to: .stderr)
            return .unreadableFile
        }
        return run(source: source, named: path == "-" ? "<stdin>" : path)
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

    /// The script's text. Read with open(2) and read(2) to the end, which
    /// works alike for regular files, pipes and terminals (Foundation's
    /// `contents(atPath:)` fails on a pipe behind `/dev/stdin`).
    static func read(_ path: String) -> Result<String, ReadProblem> {
        let descriptor: Int32
        if path == "-" {
            descriptor = 0
        } else {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                return .failure(ReadProblem(reason: errno == ENOENT ? "no such file" : String(cString: strerror(errno))))
            }
        }
        defer { if descriptor != 0 { close(descriptor) } }
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            return .failure(ReadProblem(reason: "it is a directory"))
        }
        var data = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: chunk[..<count])
            } else if count == 0 {
                break
            } else if errno != EINTR {
                return .failure(ReadProblem(reason: String(cString: strerror(errno))))
            }
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            return .failure(ReadProblem(reason: "not UTF-8 text"))
        }
        return .success(text)
    }
}

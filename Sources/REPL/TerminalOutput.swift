import Engine
#if canImport(Glibc)
import Glibc
#endif

/// Where rendered text goes. The front ends write to the process's standard
/// streams; tests write to a buffer and read it back.
public protocol TerminalOutput: AnyObject {
    func write(_ text: String, to stream: StreamName)
}

/// Standard output and error, written with `write(2)` so that the two streams
/// interleave in the order the engine produced them (no stdio buffers to flush)
/// and so that libedit's own stdio stream never shares a buffer with ours.
public final class StandardStreams: TerminalOutput {
    public init() {}

    public func write(_ text: String, to stream: StreamName) {
        let descriptor: Int32 = stream == .stdout ? 1 : 2
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return  // a closed pipe: nothing useful left to do with this text
                }
            }
        }
    }
}

/// Collects everything written, per stream and in order; for tests and for
/// callers that want the text instead of printing it.
public final class RecordingSink: TerminalOutput {
    public private(set) var stdout = ""
    public private(set) var stderr = ""
    /// Every write in order, to check interleaving.
    public private(set) var writes: [(stream: StreamName, text: String)] = []

    public init() {}

    public func write(_ text: String, to stream: StreamName) {
        writes.append((stream, text))
        if stream == .stdout { stdout += text } else { stderr += text }
    }
}

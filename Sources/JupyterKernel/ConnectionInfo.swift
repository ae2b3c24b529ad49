import Foundation

/// The connection file a Jupyter frontend writes before it launches a kernel:
/// where to bind the five sockets and how to sign messages.
public struct ConnectionInfo: Sendable, Equatable {
    public var transport: String
    public var ip: String
    public var shellPort: Int
    public var controlPort: Int
    public var stdinPort: Int
    public var iopubPort: Int
    public var heartbeatPort: Int
    public var key: String
    public var signatureScheme: String

    public init(transport: String = "tcp", ip: String = "127.0.0.1",
                shellPort: Int, controlPort: Int, stdinPort: Int, iopubPort: Int, heartbeatPort: Int,
                key: String, signatureScheme: String = "hmac-sha256") {
        self.transport = transport
        self.ip = ip
        self.shellPort = shellPort
        self.controlPort = controlPort
        self.stdinPort = stdinPort
        self.iopubPort = iopubPort
        self.heartbeatPort = heartbeatPort
        self.key = key
        self.signatureScheme = signatureScheme
    }

    /// Reads and checks a connection file; every problem is a `KernelError` that names it.
    public init(contentsOf url: URL) throws {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: url)
        } catch {
            throw KernelError.connectionFile("cannot read \(url.path): \(error.localizedDescription)")
        }
        try self.init(json: bytes)
    }

    public init(json bytes: Data) throws {
        guard let object = try? JSONSerialization.jsonObject(with: bytes),
              let fields = object as? [String: Any] else {
            throw KernelError.connectionFile("not a JSON object")
        }
        func port(_ name: String) throws -> Int {
            guard let value = fields[name] as? Int, (1...65535).contains(value) else {
                throw KernelError.connectionFile("'\(name)' must be a port number between 1 and 65535")
            }
            return value
        }
        transport = (fields["transport"] as? String) ?? "tcp"
        ip = (fields["ip"] as? String) ?? "127.0.0.1"
        shellPort = try port("shell_port")
        controlPort = try port("control_port")
        stdinPort = try port("stdin_port")
        iopubPort = try port("iopub_port")
        heartbeatPort = try port("hb_port")
        key = (fields["key"] as? String) ?? ""
        signatureScheme = (fields["signature_scheme"] as? String) ?? "hmac-sha256"
        guard transport == "tcp" || transport == "ipc" else {
            throw KernelError.connectionFile("unsupported transport '\(transport)' (expected tcp or ipc)")
        }
        guard signatureScheme == "hmac-sha256" else {
            throw KernelError.connectionFile("unsupported signature_scheme '\(signatureScheme)' (only hmac-sha256)")
        }
    }

    /// The ZeroMQ endpoint for one port: `tcp://ip:port`, or `ipc://ip-port`
    /// as jupyter_client names IPC sockets.
    public func endpoint(port: Int) -> String {
        transport == "ipc" ? "ipc://\(ip)-\(port)" : "tcp://\(ip):\(port)"
    }
}

/// Why the kernel could not start or run.
public enum KernelError: Error, CustomStringConvertible {
    case connectionFile(String)
    case zeroMQ(String)

    public var description: String {
        switch self {
        case .connectionFile(let why): "connection file: \(why)"
        case .zeroMQ(let why): "ZeroMQ: \(why)"
        }
    }
}

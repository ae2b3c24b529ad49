import CZeroMQ
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
    /// The CurveZMQ key pair (Z85 text, 40 characters each) that
    /// jupyter_client ≥ 8.10 provisions when the kernelspec declares
    /// `supported_encryption: ["curve"]`; nil when the traffic is not encrypted.
    public var curve: CurveKeys?

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
        self.curve = nil
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
        curve = try CurveKeys(publicKey: fields["curve_publickey"], secretKey: fields["curve_secretkey"])
    }

    /// The ZeroMQ endpoint for one port: `tcp://ip:port`, or `ipc://ip-port`
    /// as jupyter_client names IPC sockets.
    public func endpoint(port: Int) -> String {
        transport == "ipc" ? "ipc://\(ip)-\(port)" : "tcp://\(ip):\(port)"
    }
}

/// The kernel's CurveZMQ key pair. Every socket runs as a CURVE server with
/// the secret key; a client must know the public key to complete the
/// handshake (jupyter_client reads it from the same connection file), and a
/// client without it gets nothing, not even a refusal.
public struct CurveKeys: Sendable, Equatable {
    public var publicKey: String
    public var secretKey: String

    /// Nil when neither key is given; an error when only one is, when either
    /// is not a 40-character Z85 key, or when they are not one pair.
    init?(publicKey: Any?, secretKey: Any?) throws {
        if publicKey == nil && secretKey == nil { return nil }
        func key(_ value: Any?, _ name: String) throws -> String {
            guard let value else {
                throw KernelError.connectionFile("'\(name)' is missing ('curve_publickey' and 'curve_secretkey' come as a pair)")
            }
            guard let text = value as? String, text.utf8.count == 40, Self.isZ85(text) else {
                throw KernelError.connectionFile("'\(name)' must be a 40-character Z85 CurveZMQ key")
            }
            return text
        }
        self.publicKey = try key(publicKey, "curve_publickey")
        self.secretKey = try key(secretKey, "curve_secretkey")
        guard zmq_has("curve") != 0 else {
            throw KernelError.connectionFile("the connection file asks for CurveZMQ encryption, "
                                             + "but this libzmq was built without it")
        }
        guard Self.derivedPublicKey(of: self.secretKey) == self.publicKey else {
            throw KernelError.connectionFile("'curve_publickey' is not the public key of 'curve_secretkey'")
        }
    }

    static func isZ85(_ text: String) -> Bool {
        let alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)
        return text.utf8.allSatisfy(alphabet.contains)
    }

    /// libzmq's own derivation of the public key from the secret one.
    static func derivedPublicKey(of secretKey: String) -> String? {
        var derived = [CChar](repeating: 0, count: 41)
        let status = secretKey.withCString { zmq_curve_public(&derived, $0) }
        guard status == 0 else { return nil }
        return String(decoding: derived.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
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

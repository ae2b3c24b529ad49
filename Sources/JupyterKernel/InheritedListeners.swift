import Foundation

/// Listening TCP sockets the kernel inherits from `loralab-kernel`, its
/// launcher, which binds the connection file's ports before `loralab` has
/// loaded (Sources/KernelLauncher/main.swift says why). ZeroMQ adopts each
/// one with ZMQ_USE_FD instead of binding its port again.
///
/// A descriptor is adopted only when it is a listening TCP socket on the very
/// port the connection file gives its channel; otherwise the channel binds
/// as usual, so a wrong or stale argument can cost the launcher's head start
/// but never a wrong port.
public struct InheritedListeners: Sendable, Equatable {
    /// Channel name (shell, control, stdin, iopub, heartbeat) → descriptor.
    public let descriptors: [String: Int32]

    public static let none = InheritedListeners(descriptors: [:])

    init(descriptors: [String: Int32]) {
        self.descriptors = descriptors
    }

    /// Reads `shell=3,control=4,…`, as the launcher writes it.
    public init(argument: String) throws {
        var descriptors: [String: Int32] = [:]
        for item in argument.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, Self.channels.contains(String(parts[0])),
                  let descriptor = Int32(parts[1]), descriptor > 2, descriptors[String(parts[0])] == nil else {
                throw KernelError.connectionFile(
                    "--listening-sockets takes channel=descriptor pairs (channels \(Self.channels.joined(separator: ", ")); "
                    + "descriptors above 2), each channel once, not '\(item)'")
            }
            descriptors[String(parts[0])] = descriptor
        }
        self.descriptors = descriptors
    }

    static let channels = ["shell", "control", "stdin", "iopub", "heartbeat"]

    /// The descriptors to hand to ZeroMQ, by channel: those that are listening
    /// TCP sockets on the port `connection` gives their channel. Read before
    /// the kernel opens anything of its own; a descriptor that fails is left
    /// alone (it may be any file of this process), and its channel binds.
    func verified(against connection: ConnectionInfo) -> [String: Int32] {
        guard connection.transport == "tcp" else { return [:] }
        let ports = ["shell": connection.shellPort, "control": connection.controlPort, "stdin": connection.stdinPort,
                     "iopub": connection.iopubPort, "heartbeat": connection.heartbeatPort]
        var adopted: [String: Int32] = [:]
        for (channel, descriptor) in descriptors where Self.isTCPListener(descriptor, port: ports[channel] ?? -1) {
            // The kernel starts no programs, but an inherited socket should not outlive it in one.
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            adopted[channel] = descriptor
        }
        return adopted
    }

    static func isTCPListener(_ descriptor: Int32, port: Int) -> Bool {
        var listening: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0, listening == 1 else {
            return false
        }
        var type: Int32 = 0
        length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_TYPE, &type, &length) == 0,
              type == Int32(SOCK_STREAM.rawValue) else { return false }
        var address = sockaddr_storage()
        length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0, address.ss_family == sa_family_t(AF_INET) else { return false }
        let boundPort = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
        return Int(boundPort) == port
    }
}

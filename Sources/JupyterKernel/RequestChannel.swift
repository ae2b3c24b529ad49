import Foundation

/// A ROUTER socket that receives requests and answers each one to the
/// frontend that sent it (shell and control work alike). Used by one thread.
final class RequestChannel {
    /// Larger messages are read and dropped unparsed: no request this
    /// language needs comes near it, and it bounds what a peer can make us hash.
    static let messageSizeLimit = 16 << 20

    let socket: ZeroMQSocket
    let codec: WireCodec

    init(socket: ZeroMQSocket, codec: WireCodec) {
        self.socket = socket
        self.codec = codec
    }

    /// The next well-formed, correctly signed request; everything else is
    /// logged to stderr and dropped. Nil only when `wait` is false and the
    /// queue is empty.
    func nextRequest(wait: Bool = true) -> IncomingMessage? {
        while true {
            switch socket.receive(limit: Self.messageSizeLimit, wait: wait) {
            case .nothing:
                if !wait { return nil }
            case .tooLarge(let bytes):
                KernelLog.write("dropped a \(bytes)-byte message on \(socket.name): over the \(Self.messageSizeLimit)-byte limit")
            case .frames(let frames):
                do {
                    return try codec.decode(frames)
                } catch {
                    KernelLog.write("dropped a message on \(socket.name): \(error)")
                }
            }
        }
    }

    /// Sends `<request type>_reply` back to the requester.
    func reply(to request: IncomingMessage, _ content: [String: Any]) {
        let replyType = request.msgType.hasSuffix("_request")
            ? String(request.msgType.dropLast("_request".count)) + "_reply"
            : request.msgType + "_reply"
        socket.send(codec.encode(msgType: replyType, content: content,
                                 parentHeader: request.headerFrame, prefix: request.identities))
    }
}

/// Diagnostics go to stderr, which Jupyter servers show in their log.
enum KernelLog {
    static func write(_ line: String) {
        FileHandle.standardError.write(Data("loralab kernel: \(line)\n".utf8))
    }
}

import Foundation
import Synchronization

/// The broadcast channel. Both the shell thread (outputs of a running cell)
/// and the control thread (status around control requests) publish here, and
/// a libzmq socket must never be used by two threads at once.
///
/// `@unchecked Sendable` is safe because the socket is only touched inside
/// `lock`, and the codec is an immutable value.
final class IOPubChannel: @unchecked Sendable {
    private let socket: ZeroMQSocket
    private let codec: WireCodec
    private let lock = Mutex(())

    init(socket: ZeroMQSocket, codec: WireCodec) {
        self.socket = socket
        self.codec = codec
    }

    func publish(_ msgType: String, _ content: [String: Any], parent: IncomingMessage?) {
        let topic = Data("kernel.\(codec.session).\(msgType)".utf8)
        let frames = codec.encode(msgType: msgType, content: content,
                                  parentHeader: parent?.headerFrame, prefix: [topic])
        _ = lock.withLock { _ in socket.send(frames) }
    }

    func publishStatus(_ state: String, parent: IncomingMessage?) {
        publish("status", ["execution_state": state], parent: parent)
    }
}

import CZeroMQ
import Foundation
import Synchronization

/// The broadcast channel, an XPUB socket. Both the shell thread (outputs of a
/// running cell) and the control thread (status around control requests)
/// publish here, and a libzmq socket must never be used by two threads at once.
///
/// Every new subscription is answered with `iopub_welcome` (JEP 65, as
/// ipykernel ≥ 7.2 does): a client that waits for it knows its subscription
/// is in place, so it cannot miss the first outputs of what it sends next.
/// `ZMQ_XPUB_VERBOSE` makes the socket report every subscriber, not only the
/// first for a topic.
///
/// `@unchecked Sendable` is safe because the socket is only touched inside
/// `lock`, and the codec is an immutable value.
final class IOPubChannel: @unchecked Sendable {
    private let socket: ZeroMQSocket
    private let codec: WireCodec
    private let lock = Mutex(())

    /// `socket` must be an XPUB socket with `ZMQ_XPUB_VERBOSE` set.
    init(socket: ZeroMQSocket, codec: WireCodec) {
        self.socket = socket
        self.codec = codec
    }

    func publish(_ msgType: String, _ content: [String: Any], parent: IncomingMessage?) {
        let topic = Data("kernel.\(codec.session).\(msgType)".utf8)
        let frames = codec.encode(msgType: msgType, content: content,
                                  parentHeader: parent?.headerFrame, prefix: [topic])
        lock.withLock { _ in
            socket.send(frames)
            // Sending processes libzmq's pending commands, which can consume
            // the wake-up the welcoming thread waits for: answer here what arrived.
            welcomeSubscribers()
        }
    }

    func publishStatus(_ state: String, parent: IncomingMessage?) {
        publish("status", ["execution_state": state], parent: parent)
    }

    /// Starts the thread that answers subscriptions while nothing is being
    /// published. It sleeps in poll(2) on the socket's signal descriptor and
    /// touches the socket only under the lock.
    func startWelcoming() {
        let descriptor = lock.withLock { _ in socket.signalDescriptor }
        let thread = Thread { [self] in
            var item = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            while true {
                // The timeout is a safety net only: the descriptor fires on every subscription.
                _ = poll(&item, 1, 1000)
                lock.withLock { _ in welcomeSubscribers() }
            }
        }
        thread.name = "loralab-iopub-welcome"
        thread.start()
    }

    /// Reads every pending (un)subscription; each subscription gets an
    /// `iopub_welcome` on its own topic, so the new subscriber receives it.
    /// Called with the lock held.
    private func welcomeSubscribers() {
        while socket.readable {
            guard case .frames(let frames) = socket.receive(limit: 1 << 16, wait: false) else { return }
            for frame in frames where frame.first == 1 {
                let topic = frame.dropFirst()
                let welcome = codec.encode(msgType: "iopub_welcome",
                                           content: ["subscription": String(decoding: topic, as: UTF8.self)],
                                           parentHeader: nil, prefix: topic.isEmpty ? [] : [Data(topic)])
                socket.send(welcome)
            }
        }
    }
}

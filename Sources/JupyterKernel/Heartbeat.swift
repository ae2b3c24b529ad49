import CZeroMQ
import Foundation

/// Echoes every heartbeat ping on its own thread, so a frontend sees the
/// kernel alive even while a cell computes.
///
/// `@unchecked Sendable` is safe: after `start()` the socket is used only by
/// the heartbeat thread.
final class Heartbeat: @unchecked Sendable {
    private let socket: ZeroMQSocket

    init(socket: ZeroMQSocket) {
        self.socket = socket
    }

    func start() {
        let thread = Thread { [self] in
            while true {
                switch socket.receive(limit: 1 << 16) {
                case .frames(let frames):
                    socket.send(frames.isEmpty ? [Data()] : frames)
                case .tooLarge:
                    // A REP socket must answer before it can receive again.
                    socket.send([Data()])
                case .nothing:
                    break
                }
            }
        }
        thread.name = "loralab-heartbeat"
        thread.start()
    }
}

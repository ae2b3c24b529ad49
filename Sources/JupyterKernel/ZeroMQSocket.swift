import CZeroMQ
import Foundation

/// One libzmq socket, through the raw C API. libzmq sockets are not
/// thread-safe: each instance is used by one thread only, except the iopub
/// socket, which `IOPubChannel` serializes behind a lock.
final class ZeroMQSocket {
    /// What one multipart receive produced.
    enum Reception {
        case frames([Data])
        /// The parts added up to more than the limit; they were read and thrown away.
        case tooLarge(bytes: Int)
        /// Nothing arrived (non-blocking receive on an empty queue, or the context is ending).
        case nothing
    }

    let handle: UnsafeMutableRawPointer
    let name: String

    init(context: UnsafeMutableRawPointer, type: Int32, name: String) throws {
        guard let handle = zmq_socket(context, type) else {
            throw KernelError.zeroMQ("cannot create the \(name) socket: \(Self.lastError())")
        }
        self.handle = handle
        self.name = name
    }

    deinit { zmq_close(handle) }

    /// Binds to `endpoint`; with `listener`, adopts that already listening
    /// socket (ZMQ_USE_FD) instead of making one (`InheritedListeners`).
    func bind(_ endpoint: String, adopting listener: Int32? = nil) throws {
        if let listener { setOption(ZMQ_USE_FD, listener) }
        guard zmq_bind(handle, endpoint) == 0 else {
            throw KernelError.zeroMQ("cannot bind the \(name) socket to \(endpoint): \(Self.lastError())")
        }
    }

    func setOption(_ option: Int32, _ value: Int32) {
        var value = value
        zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size)
    }

    /// Makes this socket a CurveZMQ server (before it binds): every peer must
    /// complete the CURVE handshake with this key pair's public key, and all
    /// traffic is encrypted.
    func makeCurveServer(secretKey: String) throws {
        setOption(ZMQ_CURVE_SERVER, 1)
        let status = secretKey.withCString { zmq_setsockopt(handle, ZMQ_CURVE_SECRETKEY, $0, 40) }
        guard status == 0 else {
            throw KernelError.zeroMQ("cannot make the \(name) socket a CURVE server: \(Self.lastError())")
        }
    }

    /// The file descriptor libzmq signals when the socket's events may have
    /// changed; after it fires, `readable` says whether a message waits.
    var signalDescriptor: Int32 {
        var descriptor: Int32 = -1
        var size = MemoryLayout<Int32>.size
        zmq_getsockopt(handle, ZMQ_FD, &descriptor, &size)
        return descriptor
    }

    /// Whether a message can be received now (ZMQ_EVENTS; processes libzmq's
    /// pending commands, so it is also what re-arms `signalDescriptor`).
    var readable: Bool {
        var events: Int32 = 0
        var size = MemoryLayout<Int32>.size
        zmq_getsockopt(handle, ZMQ_EVENTS, &events, &size)
        return events & Int32(ZMQ_POLLIN) != 0
    }

    /// Sends all frames as one multipart message. ROUTER and PUB sockets never
    /// block here: they drop what they cannot deliver.
    @discardableResult
    func send(_ frames: [Data]) -> Bool {
        for (index, frame) in frames.enumerated() {
            let flags = index == frames.count - 1 ? Int32(0) : ZMQ_SNDMORE
            let sent = frame.withUnsafeBytes { buffer in
                Self.retryingInterrupted { zmq_send(handle, buffer.baseAddress, buffer.count, flags) }
            }
            if sent < 0 { return false }
        }
        return true
    }

    /// Receives one multipart message. Parts beyond `limit` bytes in total are
    /// drained but not kept, so an oversized message costs no more memory
    /// than libzmq already spent on it.
    func receive(limit: Int = .max, wait: Bool = true) -> Reception {
        var frames: [Data] = []
        var total = 0
        var more = true
        while more {
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            let flags: Int32 = (wait || !frames.isEmpty || total > 0) ? 0 : ZMQ_DONTWAIT
            let size = Self.retryingInterrupted { zmq_msg_recv(&message, handle, flags) }
            if size < 0 {
                // EAGAIN on an empty queue, or ETERM: either way nothing more will come.
                return frames.isEmpty && total == 0 ? .nothing : .frames(frames)
            }
            total += Int(size)
            if total <= limit, let data = zmq_msg_data(&message) {
                frames.append(Data(bytes: data, count: Int(size)))
            } else if total <= limit {
                frames.append(Data())
            }
            more = zmq_msg_more(&message) != 0
        }
        return total > limit ? .tooLarge(bytes: total) : .frames(frames)
    }

    /// Whether a message is waiting, after at most `timeoutMilliseconds` (-1: forever).
    func hasMessage(timeoutMilliseconds: Int) -> Bool {
        var item = zmq_pollitem_t(socket: handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
        let ready = Self.retryingInterrupted { zmq_poll(&item, 1, timeoutMilliseconds) }
        return ready > 0 && (item.revents & Int16(ZMQ_POLLIN)) != 0
    }

    /// libzmq calls return EINTR when a signal (our SIGINT handler) lands
    /// while they block; the call is simply made again.
    private static func retryingInterrupted(_ call: () -> Int32) -> Int32 {
        while true {
            let result = call()
            if result >= 0 || zmq_errno() != EINTR { return result }
        }
    }

    static func lastError() -> String {
        String(cString: zmq_strerror(zmq_errno()))
    }
}

import CZeroMQ
import Engine
import Foundation

/// A Jupyter kernel for the LoRA Lab language: binds the five sockets named
/// by a connection file and serves one engine session until shut down.
///
/// Threads: the caller's thread serves shell (and runs cells); control and
/// heartbeat each have a thread; iopub is shared behind a lock.
public enum Kernel {
    /// `makeEngine` runs after the sockets are bound: a frontend connects
    /// within milliseconds of launching the kernel, and a connection refused
    /// then costs it libzmq's reconnect interval (100 ms). (The engine's
    /// history file is read on first use, so opening a session is cheap.)
    ///
    /// `listeners` are the sockets `loralab-kernel` bound before this process
    /// started; each channel adopts its own when it listens on the right port.
    public static func run(connection: ConnectionInfo, listeners: InheritedListeners = .none,
                           makeEngine: () -> Engine = { Engine() }) throws -> Never {
        let adopted = listeners.verified(against: connection)
        guard let context = zmq_ctx_new() else {
            throw KernelError.zeroMQ("cannot create a context: \(ZeroMQSocket.lastError())")
        }
        let codec = WireCodec(key: connection.key)
        if !codec.signer.isSigning {
            KernelLog.write("warning: the connection file has no key; messages are not authenticated")
        }

        let shell = try ZeroMQSocket(context: context, type: ZMQ_ROUTER, name: "shell")
        let control = try ZeroMQSocket(context: context, type: ZMQ_ROUTER, name: "control")
        let stdin = try ZeroMQSocket(context: context, type: ZMQ_ROUTER, name: "stdin")
        let iopub = try ZeroMQSocket(context: context, type: ZMQ_XPUB, name: "iopub")
        let heartbeat = try ZeroMQSocket(context: context, type: ZMQ_REP, name: "heartbeat")
        iopub.setOption(ZMQ_XPUB_VERBOSE, 1)
        let bindings = [(shell, connection.shellPort), (control, connection.controlPort),
                        (stdin, connection.stdinPort), (iopub, connection.iopubPort),
                        (heartbeat, connection.heartbeatPort)]
        for (socket, port) in bindings {
            // CURVE is a property of the listening socket: set before it binds.
            if let curve = connection.curve { try socket.makeCurveServer(secretKey: curve.secretKey) }
            try socket.bind(connection.endpoint(port: port), adopting: adopted[socket.name])
        }
        let iopubChannel = IOPubChannel(socket: iopub, codec: codec)
        iopubChannel.startWelcoming()
        let engine = makeEngine()

        let lifecycle = KernelLifecycle(engine: engine, iopub: iopubChannel)
        lifecycle.installInterruptSignalHandler()

        ParentProcessWatch.start()
        Heartbeat(socket: heartbeat).start()
        ControlChannel(channel: RequestChannel(socket: control, codec: codec), iopub: iopubChannel,
                       languageInfo: engine.languageInfo, lifecycle: lifecycle).start()
        // The stdin socket stays bound (frontends connect to it) but unused:
        // no LoRA Lab command asks the user for input.
        withExtendedLifetime(stdin) {
            ShellChannel(channel: RequestChannel(socket: shell, codec: codec), iopub: iopubChannel,
                         engine: engine, lifecycle: lifecycle).serveForever()
        }
    }
}

import Engine
import Foundation

/// The control channel, on its own thread so that interrupt and shutdown are
/// answered at once even while a cell holds the shell thread.
///
/// `@unchecked Sendable` is safe: after `start()` the control socket is used
/// only by the control thread; iopub and the lifecycle are thread-safe, and
/// only the engine's immutable `languageInfo` is read.
final class ControlChannel: @unchecked Sendable {
    private let channel: RequestChannel
    private let iopub: IOPubChannel
    private let languageInfo: LanguageInfo
    private let lifecycle: KernelLifecycle

    init(channel: RequestChannel, iopub: IOPubChannel, languageInfo: LanguageInfo, lifecycle: KernelLifecycle) {
        self.channel = channel
        self.iopub = iopub
        self.languageInfo = languageInfo
        self.lifecycle = lifecycle
    }

    func start() {
        let thread = Thread { [self] in
            while true {
                if let request = channel.nextRequest() { handle(request) }
            }
        }
        thread.name = "loralab-control"
        thread.start()
    }

    private func handle(_ request: IncomingMessage) {
        switch request.msgType {
        case "kernel_info_request":
            iopub.publishStatus("busy", parent: request)
            channel.reply(to: request, KernelInfo.replyContent(for: languageInfo))
            iopub.publishStatus("idle", parent: request)
        case "interrupt_request":
            iopub.publishStatus("busy", parent: request)
            lifecycle.interrupt()
            channel.reply(to: request, ["status": "ok"])
            iopub.publishStatus("idle", parent: request)
        case "shutdown_request":
            iopub.publishStatus("busy", parent: request)
            lifecycle.shutDown(request, replyingOn: channel)
        default:
            KernelLog.write("ignored a '\(request.msgType)' message on control: not supported")
        }
    }
}

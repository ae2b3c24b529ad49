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
        guard let kind = ControlRequest(rawValue: request.msgType) else {
            KernelLog.write("ignored a '\(request.msgType)' message on control: not a control request")
            return
        }
        iopub.publishStatus("busy", parent: request)
        do {
            try ContentSchema.checkHeader(request.header, msgType: request.msgType)
            try kind.schema.check(request.content, msgType: request.msgType)
        } catch {
            KernelLog.write("refused a malformed message on control: \(error)")
            channel.reply(to: request, error.replyContent())
            iopub.publishStatus("idle", parent: request)
            return
        }
        if let why = kind.notOffered {
            channel.reply(to: request, [
                "status": "error", "ename": "NotOffered", "evalue": why, "traceback": ["NotOffered: \(why)"],
            ])
            iopub.publishStatus("idle", parent: request)
            return
        }
        switch kind {
        case .kernelInfo:
            channel.reply(to: request, KernelInfo.replyContent(for: languageInfo))
            iopub.publishStatus("idle", parent: request)
        case .interrupt:
            lifecycle.interrupt()
            channel.reply(to: request, ["status": "ok"])
            iopub.publishStatus("idle", parent: request)
        case .shutdown:
            lifecycle.shutDown(request, replyingOn: channel)
        case .debug, .createSubshell, .deleteSubshell, .listSubshell:
            break  // answered above: not offered
        }
    }
}

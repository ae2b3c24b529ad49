import Engine
import Foundation

/// The shell channel: runs on the kernel's main thread and answers requests
/// one at a time, in order, with busy/idle around each. Cells run here, so a
/// long `train` holds this thread; control requests have their own thread.
final class ShellChannel {
    private let channel: RequestChannel
    private let iopub: IOPubChannel
    private let engine: Engine
    private let lifecycle: KernelLifecycle

    init(channel: RequestChannel, iopub: IOPubChannel, engine: Engine, lifecycle: KernelLifecycle) {
        self.channel = channel
        self.iopub = iopub
        self.engine = engine
        self.lifecycle = lifecycle
    }

    func serveForever() -> Never {
        while true {
            if let request = channel.nextRequest() {
                handle(request)
            }
        }
    }

    private func handle(_ request: IncomingMessage) {
        guard let kind = ShellRequest(rawValue: request.msgType) else {
            KernelLog.write("ignored a '\(request.msgType)' message on shell: not a shell request")
            return
        }
        do {
            try ContentSchema.checkHeader(request.header, msgType: request.msgType)
            try kind.schema.check(request.content, msgType: request.msgType)
        } catch {
            refuse(request, kind, error)
            return
        }
        iopub.publishStatus("busy", parent: request)
        defer { iopub.publishStatus("idle", parent: request) }

        switch kind {
        case .kernelInfo:
            channel.reply(to: request, KernelInfo.replyContent(for: engine.languageInfo))
        case .execute:
            let outcome = CellExecution(engine: engine, iopub: iopub).run(request)
            let stopping = outcome.failed && (request.content["stop_on_error"] as? Bool ?? true)
            // Take the queue before replying: a cell the client sends after it
            // has seen this error must run, so only what was already queued is
            // aborted (and its replies still follow this one, in order).
            let queuedBehind = stopping ? queuedRequests() : []
            channel.reply(to: request, outcome.reply)
            if stopping { abortExecutions(in: queuedBehind) }
        case .complete:
            channel.reply(to: request, completion(for: request.content))
        case .inspect:
            channel.reply(to: request, inspection(for: request.content))
        case .isComplete:
            channel.reply(to: request, completeness(of: request.content["code"] as? String ?? ""))
        case .history:
            channel.reply(to: request, HistoryQuery(request.content).reply(from: engine))
        case .commInfo:
            channel.reply(to: request, ["status": "ok", "comms": [String: Any]()])
        case .commOpen:
            // No comm targets exist: tell the frontend the comm is closed.
            let commID = request.content["comm_id"] as? String ?? ""
            iopub.publish("comm_close", ["comm_id": commID, "data": [String: Any]()], parent: request)
        case .commMessage, .commClose:
            break  // for comms that do not exist: nothing to do
        case .shutdown:
            lifecycle.shutDown(request, replyingOn: channel)
        }
    }

    /// A malformed request is answered (when its type has a reply) with an
    /// error naming the field, bracketed by busy and idle like any request,
    /// and never acted on.
    private func refuse(_ request: IncomingMessage, _ kind: ShellRequest, _ problem: MalformedRequest) {
        KernelLog.write("refused a malformed message on shell: \(problem)")
        guard kind.hasReply else { return }
        iopub.publishStatus("busy", parent: request)
        defer { iopub.publishStatus("idle", parent: request) }
        // An execute_reply always carries the count; nothing ran, so it is unchanged.
        let extra: [String: Any] = kind == .execute
            ? ["execution_count": engine.executionCount, "payload": [[String: Any]](), "user_expressions": [String: Any]()]
            : [:]
        channel.reply(to: request, problem.replyContent(adding: extra))
    }

    /// Every request waiting on the socket right now.
    private func queuedRequests() -> [IncomingMessage] {
        var queued: [IncomingMessage] = []
        while let next = channel.nextRequest(wait: false) { queued.append(next) }
        return queued
    }

    /// After a failed cell sent with stop_on_error, the cells that were queued
    /// behind it are answered as aborted instead of run (a notebook's
    /// "run all" stops at the first error). Other requests are served as usual.
    private func abortExecutions(in queued: [IncomingMessage]) {
        for request in queued {
            guard request.msgType == "execute_request" else {
                handle(request)
                continue
            }
            iopub.publishStatus("busy", parent: request)
            channel.reply(to: request, CellExecution.abortedReply(executionCount: engine.executionCount))
            iopub.publishStatus("idle", parent: request)
        }
    }

    private func completion(for content: [String: Any]) -> [String: Any] {
        let code = content["code"] as? String ?? ""
        let cursor = Self.cursor(content, in: code)
        let result = engine.complete(code, cursor: cursor)
        return [
            "status": "ok",
            "matches": result.matches,
            "cursor_start": result.cursorStart,
            "cursor_end": result.cursorEnd,
            "metadata": [String: Any](),
        ]
    }

    private func inspection(for content: [String: Any]) -> [String: Any] {
        let code = content["code"] as? String ?? ""
        let cursor = Self.cursor(content, in: code)
        let detail = content["detail_level"] as? Int ?? 0
        let bundle = engine.inspect(code, cursor: cursor, detailLevel: detail)
        return [
            "status": "ok",
            "found": bundle != nil,
            "data": bundle?.data ?? [:],
            "metadata": [String: Any](),
        ]
    }

    private func completeness(of code: String) -> [String: Any] {
        switch engine.isComplete(code) {
        case .complete: ["status": "complete"]
        case .incomplete(let indent): ["status": "incomplete", "indent": indent]
        case .invalid: ["status": "invalid"]
        }
    }

    /// The cursor as the protocol counts it (Unicode code points), clamped to
    /// the code; a missing cursor means the end.
    private static func cursor(_ content: [String: Any], in code: String) -> Int {
        let length = code.unicodeScalars.count
        guard let cursor = content["cursor_pos"] as? Int else { return length }
        return min(max(cursor, 0), length)
    }
}

/// The message types each request channel serves, with the schema of each
/// one's content. A type not listed on a channel is logged and dropped
/// unanswered; a listed one whose content breaks its schema gets an error
/// reply that names the field (see `MalformedRequest`) and is not acted on.

/// What the shell channel serves.
enum ShellRequest: String, CaseIterable {
    case kernelInfo = "kernel_info_request"
    case execute = "execute_request"
    case complete = "complete_request"
    case inspect = "inspect_request"
    case isComplete = "is_complete_request"
    case history = "history_request"
    case commInfo = "comm_info_request"
    case commOpen = "comm_open"
    case commMessage = "comm_msg"
    case commClose = "comm_close"
    case shutdown = "shutdown_request"

    /// The fields of the content, from the messaging specification (5.5).
    var schema: ContentSchema {
        switch self {
        case .kernelInfo:
            .empty
        case .execute:
            ContentSchema(fields: [
                .required("code", .string),
                .optional("silent", .boolean),
                .optional("store_history", .boolean),
                .optional("user_expressions", .object),
                .optional("allow_stdin", .boolean),
                .optional("stop_on_error", .boolean),
            ])
        case .complete:
            ContentSchema(fields: [.required("code", .string), .required("cursor_pos", .integer, nonNegative: true)])
        case .inspect:
            ContentSchema(fields: [
                .required("code", .string),
                .required("cursor_pos", .integer, nonNegative: true),
                .optional("detail_level", .integer, nonNegative: true),
            ])
        case .isComplete:
            ContentSchema(fields: [.required("code", .string)])
        case .history:
            ContentSchema(fields: [
                .required("hist_access_type", .string, oneOf: ["range", "tail", "search"]),
                .optional("output", .boolean),
                .optional("raw", .boolean),
                .optional("session", .integer),
                .optional("start", .integer),
                .optional("stop", .integer),
                .optional("n", .integer, nonNegative: true),
                .optional("pattern", .string),
                .optional("unique", .boolean),
            ])
        case .commInfo:
            ContentSchema(fields: [.optional("target_name", .string)])
        case .commOpen:
            ContentSchema(fields: [
                .required("comm_id", .string), .required("target_name", .string), .optional("data", .object),
            ])
        case .commMessage, .commClose:
            ContentSchema(fields: [.required("comm_id", .string), .optional("data", .object)])
        case .shutdown:
            ContentSchema(fields: [.optional("restart", .boolean)])
        }
    }

    /// Comm messages are not requests: the protocol gives them no reply, so
    /// a malformed one can only be logged.
    var hasReply: Bool {
        switch self {
        case .commOpen, .commMessage, .commClose: false
        default: true
        }
    }
}

/// What the control channel serves. The debugger and subshell requests are
/// known but not offered (docs/protocol.md says why): they are answered with
/// an error rather than left without a reply a client would wait for.
enum ControlRequest: String, CaseIterable {
    case kernelInfo = "kernel_info_request"
    case interrupt = "interrupt_request"
    case shutdown = "shutdown_request"
    case debug = "debug_request"
    case createSubshell = "create_subshell_request"
    case deleteSubshell = "delete_subshell_request"
    case listSubshell = "list_subshell_request"

    var schema: ContentSchema {
        switch self {
        case .kernelInfo, .interrupt, .debug, .createSubshell, .listSubshell: .empty
        case .shutdown: ShellRequest.shutdown.schema
        case .deleteSubshell: ContentSchema(fields: [.required("subshell_id", .string)])
        }
    }

    /// Why a known request is not offered, or nil when it is served.
    var notOffered: String? {
        switch self {
        case .kernelInfo, .interrupt, .shutdown: nil
        case .debug: "this kernel has no debugger (kernel_info's 'debugger' is false)"
        case .createSubshell, .deleteSubshell, .listSubshell:
            "this kernel offers no subshells (kernel_info's supported_features lacks 'kernel subshells')"
        }
    }
}

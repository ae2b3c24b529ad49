import Foundation
import Synchronization

/// A request from a frontend, checked and decoded from its wire frames:
/// `[identities…, "<IDS|MSG>", signature, header, parent_header, metadata, content, buffers…]`.
struct IncomingMessage {
    /// The ROUTER routing prefix; replies go back with the same identities.
    var identities: [Data]
    /// The header exactly as received: it becomes the parent_header of every
    /// message this request causes, byte for byte.
    var headerFrame: Data
    var msgType: String
    var msgID: String
    var content: [String: Any]
    /// The decoded header, for the fields that change how a request is
    /// served (protocol 5.5's `subshell_id`).
    var header: [String: Any] = [:]
}

/// Why a set of frames was not accepted as a message. The kernel logs the
/// reason to stderr and drops the frames; it never replies to them.
enum WireRejection: Error, CustomStringConvertible {
    case noDelimiter
    case missingFrames(Int)
    case badSignature
    case invalidJSON(String)
    case notAMessage(String)

    var description: String {
        switch self {
        case .noDelimiter: "no <IDS|MSG> delimiter"
        case .missingFrames(let count): "\(count) frames after the delimiter, expected at least 5"
        case .badSignature: "bad or missing signature"
        case .invalidJSON(let frame): "the \(frame) frame is not a JSON object"
        case .notAMessage(let why): why
        }
    }
}

/// Encodes and decodes Jupyter wire messages for one kernel session.
struct WireCodec: Sendable {
    static let delimiter = Data("<IDS|MSG>".utf8)
    static let protocolVersion = "5.5"

    let signer: MessageSigner
    /// This kernel's session id, in the header of every message it sends.
    let session: String
    /// Message ids are the session id plus a counter (as ipykernel makes
    /// them): unique, and cheaper than a fresh UUID per message.
    private let messageNumbers = MessageNumbers()

    init(key: String, session: String = UUID().uuidString.lowercased()) {
        signer = MessageSigner(key: key)
        self.session = session
    }

    func decode(_ frames: [Data]) throws(WireRejection) -> IncomingMessage {
        guard let delimiterIndex = frames.firstIndex(of: Self.delimiter) else { throw .noDelimiter }
        let body = frames[(delimiterIndex + 1)...]
        guard body.count >= 5 else { throw .missingFrames(body.count) }
        let signature = body[body.startIndex]
        let signed = Array(body[(body.startIndex + 1)...(body.startIndex + 4)])
        // The signature is checked before any JSON is parsed: unsigned bytes
        // from an unauthenticated peer are never interpreted.
        guard signer.isValid(signature: signature, for: signed) else { throw .badSignature }

        guard let header = Self.object(signed[0]) else { throw .invalidJSON("header") }
        guard Self.object(signed[1]) != nil else { throw .invalidJSON("parent_header") }
        guard Self.object(signed[2]) != nil else { throw .invalidJSON("metadata") }
        guard let content = Self.object(signed[3]) else { throw .invalidJSON("content") }
        guard let msgType = header["msg_type"] as? String, !msgType.isEmpty else {
            throw .notAMessage("the header has no msg_type")
        }
        return IncomingMessage(
            identities: Array(frames[..<delimiterIndex]),
            headerFrame: signed[0],
            msgType: msgType,
            msgID: (header["msg_id"] as? String) ?? "",
            content: content,
            header: header)
    }

    /// The frames of a message from this kernel. `topic` is the routing
    /// prefix: the requester's identities on shell and control, a topic on iopub.
    func encode(msgType: String, content: [String: Any], parentHeader: Data?,
                prefix: [Data], metadata: [String: Any] = [:]) -> [Data] {
        let header: [String: Any] = [
            "msg_id": "\(session)_\(messageNumbers.next())",
            "session": session,
            "username": "loralab",
            "date": Self.timestamp(),
            "msg_type": msgType,
            "version": Self.protocolVersion,
        ]
        let signed = [
            Self.json(header),
            parentHeader ?? Data("{}".utf8),
            Self.json(metadata),
            Self.json(content),
        ]
        let signature = Data(signer.signature(of: signed).utf8)
        return prefix + [Self.delimiter, signature] + signed
    }

    private static func object(_ frame: Data) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: frame)) as? [String: Any]
    }

    static func json(_ object: [String: Any]) -> Data {
        // Everything the kernel builds is strings, numbers, booleans, arrays
        // and dictionaries, which always serialize; "{}" is a safe fallback.
        (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    /// ISO 8601 in UTC with microseconds, as Jupyter headers carry it.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
            + "T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))"
            + ".\(pad(Int32(now.tv_nsec / 1000), 6))Z"
    }
}

/// A counter shared by the threads that send messages.
final class MessageNumbers: Sendable {
    private let last = Atomic<Int>(0)

    func next() -> Int {
        last.wrappingAdd(1, ordering: .relaxed).newValue
    }
}

import Foundation

/// The JSON types the protocol gives request fields. Checked strictly:
/// `JSONSerialization` hands back `true` and `1` as the same `NSNumber`
/// class, and `as? Bool` / `as? Int` would accept either for the other.
enum JSONType: Sendable {
    case string, integer, boolean, object, array

    /// What a value actually is, in the words an error message uses.
    static func name(of value: Any) -> String {
        switch value {
        case is String: return "a string"
        case is NSNull: return "null"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        case let number as NSNumber:
            if isBoolean(number) { return "a boolean" }
            return isInteger(number) ? "an integer" : "a number"
        default: return "an unknown value"
        }
    }

    func matches(_ value: Any) -> Bool {
        switch self {
        case .string: return value is String
        case .object: return value is [String: Any]
        case .array: return value is [Any]
        case .boolean: return (value as? NSNumber).map(Self.isBoolean) ?? false
        case .integer:
            guard let number = value as? NSNumber else { return false }
            return !Self.isBoolean(number) && Self.isInteger(number)
        }
    }

    var article: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .boolean: "a boolean (true or false)"
        case .object: "an object"
        case .array: "an array"
        }
    }

    /// JSON `true`/`false` parse to an NSNumber whose type code is `c` (char);
    /// JSON numbers never do.
    private static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    /// Integers parse to integer type codes; `1.5` and `2.0` to `d`.
    private static func isInteger(_ number: NSNumber) -> Bool {
        let code = String(cString: number.objCType)
        return code != "d" && code != "f"
    }
}

/// A request that breaks its message type's schema. It is never acted on:
/// the sender gets an error reply that names the field and says what is
/// wrong, and the kernel carries on serving.
struct MalformedRequest: Error, CustomStringConvertible, Equatable {
    let msgType: String
    let field: String
    let problem: String

    var description: String { "\(msgType): '\(field)' \(problem)" }

    static let errorName = "MalformedRequest"

    /// The reply's content: the protocol's error shape, plus whatever fields
    /// that reply type always carries (an execute_reply's execution_count).
    func replyContent(adding fields: [String: Any] = [:]) -> [String: Any] {
        var content: [String: Any] = [
            "status": "error",
            "ename": Self.errorName,
            "evalue": description,
            "traceback": ["\(Self.errorName): \(description)"],
        ]
        content.merge(fields) { _, new in new }
        return content
    }
}

/// The fields one message type's content may carry: which are required and
/// what type each must have. Fields not listed are ignored, as the protocol
/// lets newer clients send more than a kernel knows. An optional field sent
/// as null counts as absent (Python clients send `None` for "not given").
struct ContentSchema: Sendable {
    struct Field: Sendable {
        let name: String
        let type: JSONType
        let isRequired: Bool
        /// For strings with a fixed vocabulary (history's access type).
        var allowedValues: [String]? = nil
        /// For integers that cannot be negative (cursor positions, counts).
        var nonNegative = false

        static func required(_ name: String, _ type: JSONType, oneOf allowed: [String]? = nil,
                             nonNegative: Bool = false) -> Field {
            Field(name: name, type: type, isRequired: true, allowedValues: allowed, nonNegative: nonNegative)
        }

        static func optional(_ name: String, _ type: JSONType, oneOf allowed: [String]? = nil,
                             nonNegative: Bool = false) -> Field {
            Field(name: name, type: type, isRequired: false, allowedValues: allowed, nonNegative: nonNegative)
        }
    }

    let fields: [Field]

    static let empty = ContentSchema(fields: [])

    /// The first problem found, in the order the fields are listed.
    func check(_ content: [String: Any], msgType: String) throws(MalformedRequest) {
        for field in fields {
            guard let value = content[field.name], !(value is NSNull && !field.isRequired) else {
                if field.isRequired {
                    throw MalformedRequest(msgType: msgType, field: field.name,
                                           problem: "is missing; it must be \(field.type.article)")
                }
                continue
            }
            guard field.type.matches(value) else {
                throw MalformedRequest(msgType: msgType, field: field.name,
                                       problem: "must be \(field.type.article), not \(JSONType.name(of: value))")
            }
            if let allowed = field.allowedValues, let text = value as? String, !allowed.contains(text) {
                let choices = allowed.map { "'\($0)'" }.joined(separator: ", ")
                throw MalformedRequest(msgType: msgType, field: field.name,
                                       problem: "must be one of \(choices), not '\(text)'")
            }
            if field.nonNegative, let number = value as? Int, number < 0 {
                throw MalformedRequest(msgType: msgType, field: field.name,
                                       problem: "must not be negative (got \(number))")
            }
        }
    }

    /// The header fields of protocol 5.5 that change how a request is served.
    /// `subshell_id` names a subshell; this kernel has none (kernel_info's
    /// `supported_features` does not list "kernel subshells"), so a request
    /// for one is refused rather than silently run on the main shell.
    static func checkHeader(_ header: [String: Any], msgType: String) throws(MalformedRequest) {
        guard let subshell = header["subshell_id"], !(subshell is NSNull) else { return }
        guard subshell is String else {
            throw MalformedRequest(msgType: msgType, field: "header.subshell_id",
                                   problem: "must be a string or null, not \(JSONType.name(of: subshell))")
        }
        throw MalformedRequest(msgType: msgType, field: "header.subshell_id",
                               problem: "names a subshell, and this kernel offers none (send it without subshell_id)")
    }
}

/// Why data could not be loaded or batched, with the file and line at fault
/// when there is one.
///
/// `description` is the sentence to show a user, e.g.
/// `'chat.jsonl', line 3: invalid JSON (unexpected end of line)`.
public struct DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The kind of problem, for code that reacts to it (tests, suggestions).
    public enum Problem: Sendable, Equatable {
        case fileMissing
        case unreadable
        case notUTF8
        case invalidJSON
        case missingField
        case wrongType
        case wrongRole
        case emptyFile
        case noAssistantMessage
        case mixedFormats
        case unknownBuiltin
        case invalidBatchShape
        case emptySplit
        /// A saved data order that cannot belong to this data.
        case orderMismatch
    }

    public var problem: Problem
    /// What is wrong, in words.
    public var message: String
    /// The path as the user gave it, when a file is at fault.
    public var file: String?
    /// 1-based line number in `file`, when one line is at fault.
    public var line: Int?

    public init(_ problem: Problem, _ message: String, file: String? = nil, line: Int? = nil) {
        self.problem = problem
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String {
        var place = ""
        if let file { place = "'\(file)'" }
        if let line { place += place.isEmpty ? "line \(line)" : ", line \(line)" }
        return place.isEmpty ? message : "\(place): \(message)"
    }
}

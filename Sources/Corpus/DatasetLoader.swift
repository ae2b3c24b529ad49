import Foundation

/// Loads a user's data file: plain text or MiniMind JSONL.
///
/// - Plain text (`.txt`, `.md`, or anything not starting with `{`): one
///   pre-training document per paragraph (paragraphs are separated by blank lines).
/// - JSONL (`.jsonl`, `.json`, or text starting with `{`), one object per line:
///   `{"text": "..."}` gives pre-training documents;
///   `{"conversations": [{"role": "user", "content": "..."}, ...]}` gives
///   fine-tuning conversations, rendered in the chat template with the loss on
///   the assistant's tokens only. Blank lines are skipped; one file holds one
///   of the two kinds.
///
/// The held-out split is every tenth document and the validation split the
/// one before each (`BuiltinCorpora.split(of:)`); with 3–9 documents, the last
/// one is held out and the one before it is for validation; with 2, the last
/// is held out and there is no validation; a single pre-training document is
/// cut at 80% and 90% of its tokens (train, validation, held-out); a single
/// conversation has neither.
///
/// Text is tokenized by `tokenizer`, the byte tokenizer unless a model brings its own.
public enum DatasetLoader {
    public static func load(path: String, tokenizer: any Tokenizer = ByteTokenizer()) throws(DatasetError) -> Dataset {
        let bytes = try readBytes(path: path)
        let lines = try utf8Lines(bytes, file: path)
        let isJSONL: Bool
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "jsonl", "json": isJSONL = true
        case "txt", "text", "md": isJSONL = false
        default: isJSONL = lines.first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }?.first == "{"
        }
        let kind: DatasetKind
        let documents: [TokenizedDocument]
        if isJSONL {
            (kind, documents) = try parseJSONL(lines, file: path, tokenizer: tokenizer)
        } else {
            (kind, documents) = (.pretrain, paragraphs(lines).map { TokenizedDocument(tokens: tokenizer.encode($0)) })
        }
        guard !documents.isEmpty else {
            throw DatasetError(.emptyFile, "the file has no documents", file: path)
        }
        let (train, validation, heldOut) = split(documents, kind: kind)
        let format = isJSONL ? "JSONL" : "plain text"
        let noun = kind == .pretrain ? "documents" : "conversations"
        return Dataset(name: path, kind: kind,
                       description: "\(documents.count) \(noun) from \(format) file '\(path)'",
                       train: train, validation: validation, heldOut: heldOut, endOfText: tokenizer.endOfText)
    }

    // MARK: Reading

    private static func readBytes(path: String) throws(DatasetError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DatasetError(.fileMissing, "no such file", file: path)
        }
        guard !isDirectory.boolValue else {
            throw DatasetError(.unreadable, "is a directory, not a data file", file: path)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError(.unreadable, "cannot be read (check its permissions)", file: path)
        }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // a UTF-8 byte-order mark
        guard bytes.contains(where: { !isWhitespace($0) }) else {
            throw DatasetError(.emptyFile, "the file is empty", file: path)
        }
        return bytes
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// The file's lines (without `\n` or a trailing `\r`), each checked to be UTF-8.
    private static func utf8Lines(_ bytes: [UInt8], file: String) throws(DatasetError) -> [String] {
        var lines: [String] = []
        for (index, var lineBytes) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            if lineBytes.last == 0x0D { lineBytes.removeLast() }
            guard let line = String(validating: lineBytes, as: UTF8.self) else {
                throw DatasetError(.notUTF8, "not valid UTF-8 text (save the file as UTF-8)", file: file, line: index + 1)
            }
            lines.append(line)
        }
        return lines
    }

    private static func paragraphs(_ lines: [String]) -> [String] {
        var paragraphs: [String] = []
        var current: [String] = []
        for line in lines {
            if line.trimmingCharacters(in: .whitespaces).isEmpty {
                if !current.isEmpty { paragraphs.append(current.joined(separator: "\n")) }
                current = []
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { paragraphs.append(current.joined(separator: "\n")) }
        return paragraphs
    }

    // MARK: JSONL

    private static func parseJSONL(_ lines: [String], file: String, tokenizer: any Tokenizer) throws(DatasetError) -> (DatasetKind, [TokenizedDocument]) {
        var kind: DatasetKind?
        var documents: [TokenizedDocument] = []
        for (index, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let lineNumber = index + 1
            func fail(_ problem: DatasetError.Problem, _ message: String) -> DatasetError {
                DatasetError(problem, message, file: file, line: lineNumber)
            }
            let object: [String: Any]
            do {
                let value = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
                guard let dictionary = value as? [String: Any] else {
                    throw fail(.wrongType, "expected a JSON object {...} on each line")
                }
                object = dictionary
            } catch let error as DatasetError {
                throw error
            } catch {
                let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
                throw fail(.invalidJSON, "invalid JSON" + (detail.map { " (\($0))" } ?? ""))
            }

            let lineKind: DatasetKind
            let document: TokenizedDocument
            if let text = object["text"] {
                guard let text = text as? String else { throw fail(.wrongType, "field \"text\" must be a string") }
                lineKind = .pretrain
                document = TokenizedDocument(tokens: tokenizer.encode(text))
            } else if let conversations = object["conversations"] {
                lineKind = .finetune
                document = ChatTemplate.tokenize(try messages(conversations, fail: fail), tokenizer: tokenizer)
            } else {
                let found = object.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
                throw fail(.missingField, "missing field \"text\" or \"conversations\""
                           + (found.isEmpty ? "" : " (found \(found))"))
            }
            if let kind, kind != lineKind {
                let expected = kind == .pretrain ? "\"text\"" : "\"conversations\""
                throw fail(.mixedFormats, "this line is not like the lines before it, which have \(expected); "
                           + "use one kind per file")
            }
            kind = lineKind
            if !document.tokens.isEmpty { documents.append(document) }
        }
        return (kind ?? .pretrain, documents)
    }

    private static func messages(_ value: Any, fail: (DatasetError.Problem, String) -> DatasetError) throws(DatasetError) -> [ChatMessage] {
        guard let list = value as? [Any] else {
            throw fail(.wrongType, "field \"conversations\" must be a list of {\"role\", \"content\"} objects")
        }
        var messages: [ChatMessage] = []
        for (index, entry) in list.enumerated() {
            let position = "message \(index + 1) of \"conversations\""
            guard let entry = entry as? [String: Any] else {
                throw fail(.wrongType, "\(position) must be an object {\"role\", \"content\"}")
            }
            guard let roleValue = entry["role"] else { throw fail(.missingField, "\(position) has no \"role\"") }
            guard let roleName = roleValue as? String, let role = ChatRole(rawValue: roleName) else {
                throw fail(.wrongRole, "\(position) has role \(describe(roleValue)); expected \"user\", \"assistant\" or \"system\"")
            }
            guard let contentValue = entry["content"] else { throw fail(.missingField, "\(position) has no \"content\"") }
            guard let content = contentValue as? String else {
                throw fail(.wrongType, "\(position) has a \"content\" that is not a string")
            }
            messages.append(ChatMessage(role: role, content: content))
        }
        guard messages.contains(where: { $0.role == .assistant }) else {
            throw fail(.noAssistantMessage, "the conversation has no \"assistant\" message, so nothing to learn from it")
        }
        return messages
    }

    private static func describe(_ value: Any) -> String {
        if let text = value as? String { return "\"\(text)\"" }
        return "\(value)"
    }

    // MARK: Splits

    private static func split(_ documents: [TokenizedDocument], kind: DatasetKind)
        -> (train: [TokenizedDocument], validation: [TokenizedDocument], heldOut: [TokenizedDocument]) {
        switch documents.count {
        case 1 where kind == .pretrain:
            let tokens = documents[0].tokens
            let heldOutCut = tokens.count * 9 / 10
            let validationCut = tokens.count * 8 / 10
            guard validationCut > 0, heldOutCut < tokens.count else { return (documents, [], []) }
            let validation = validationCut < heldOutCut ? [TokenizedDocument(tokens: Array(tokens[validationCut..<heldOutCut]))] : []
            return ([TokenizedDocument(tokens: Array(tokens[..<validationCut]))], validation,
                    [TokenizedDocument(tokens: Array(tokens[heldOutCut...]))])
        case 1:
            return (documents, [], [])
        case 2:
            return ([documents[0]], [], [documents[1]])
        case 3..<10:
            return (Array(documents.dropLast(2)), [documents[documents.count - 2]], [documents[documents.count - 1]])
        default:
            var split = BuiltinCorpora.Split()
            for (index, document) in documents.enumerated() { split.append(document, index: index) }
            return (split.train, split.validation, split.heldOut)
        }
    }
}

import Foundation

/// A pickle interpreter that knows only what a `torch.save` state dict needs,
/// so that reading a checkpoint can never run code.
///
/// A pickle is a program: its GLOBAL and REDUCE opcodes import and call any
/// Python callable, which is how a malicious `.pth` runs `os.system`. This
/// interpreter implements the few opcodes a dict of tensors uses and resolves
/// only five names — `collections.OrderedDict`, torch's tensor and parameter
/// rebuild functions and the float/half/bfloat16 storage classes — into
/// inert descriptions; every other opcode or name is refused with an error
/// naming it, before anything is built from it. Nothing is ever called:
/// "rebuilding" a tensor here records its storage, offset, shape and strides.
struct RestrictedUnpickler {
    /// The element types a storage may have.
    enum StorageType: String, Sendable {
        case float32 = "FloatStorage"
        case float16 = "HalfStorage"
        case bfloat16 = "BFloat16Storage"

        var byteCount: Int { self == .float32 ? 4 : 2 }
    }

    /// A storage as the pickle names it: its file is `data/<key>` in the archive.
    struct StorageReference: Equatable {
        var type: StorageType
        var key: String
    }

    /// What `_rebuild_tensor_v2` would build, as data.
    struct TensorReference: Equatable {
        var storage: StorageReference
        var storageOffset: Int
        var shape: [Int]
        var strides: [Int]
    }

    /// The names a GLOBAL opcode may resolve.
    enum AllowedGlobal: Equatable {
        case orderedDict
        case rebuildTensor
        case rebuildParameter
        case rebuildParameterWithState
        case storageType(StorageType)

        init?(module: String, name: String) {
            switch (module, name) {
            case ("collections", "OrderedDict"): self = .orderedDict
            case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensor
            case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
            case ("torch._utils", "_rebuild_parameter_with_state"): self = .rebuildParameterWithState
            case ("torch", let storage):
                guard let type = StorageType(rawValue: storage) else { return nil }
                self = .storageType(type)
            default: return nil
            }
        }
    }

    /// A dict is shared between the stack and the memo (SETITEMS mutates the
    /// object a BINGET may have fetched), so it is a reference.
    final class Dictionary {
        var keys: [Value] = []
        var values: [Value] = []

        func set(_ key: Value, _ value: Value) {
            if let index = keys.firstIndex(of: key) { values[index] = value } else { keys.append(key); values.append(value) }
        }
    }

    indirect enum Value: Equatable {
        case none
        case bool(Bool)
        case int(Int)
        case string(String)
        case tuple([Value])
        case dictionary(Dictionary)
        case global(AllowedGlobal)
        case storage(StorageReference)
        case tensor(TensorReference)

        static func == (lhs: Value, rhs: Value) -> Bool {
            switch (lhs, rhs) {
            case (.none, .none): true
            case let (.bool(a), .bool(b)): a == b
            case let (.int(a), .int(b)): a == b
            case let (.string(a), .string(b)): a == b
            case let (.tuple(a), .tuple(b)): a == b
            case let (.dictionary(a), .dictionary(b)): a === b
            case let (.global(a), .global(b)): a == b
            case let (.storage(a), .storage(b)): a == b
            case let (.tensor(a), .tensor(b)): a == b
            default: false
            }
        }

        /// How an error message names a value's kind.
        var kind: String {
            switch self {
            case .none: "None"
            case .bool: "a bool"
            case .int: "an int"
            case .string: "a string"
            case .tuple: "a tuple"
            case .dictionary: "a dict"
            case .global: "a class or function"
            case .storage: "a storage"
            case .tensor: "a tensor"
            }
        }
    }

    private let bytes: [UInt8]
    private var position = 0
    private var stack: [Value] = []
    private var marks: [Int] = []
    private var memo: [Int: Value] = [:]

    init(_ data: Data) { bytes = [UInt8](data) }

    /// Runs the pickle to its STOP and returns the object it built.
    static func load(_ data: Data) throws(TorchCheckpointError) -> Value {
        var machine = RestrictedUnpickler(data)
        return try machine.run()
    }

    private mutating func run() throws(TorchCheckpointError) -> Value {
        while true {
            let opcodeOffset = position
            let opcode = try readByte()
            switch opcode {
            case 0x80:  // PROTO
                let version = try readByte()
                guard version >= 2 && version <= 5 else {
                    throw malformed("pickle protocol \(version) is not one torch.save writes")
                }
            case 0x95:  // FRAME: a length hint only
                _ = try read(8)
            case 0x2E:  // STOP
                return try pop("STOP")
            case 0x28:  // MARK
                marks.append(stack.count)
            case 0x4E: stack.append(.none)
            case 0x88: stack.append(.bool(true))
            case 0x89: stack.append(.bool(false))
            case 0x4B:  // BININT1
                stack.append(.int(Int(try readByte())))
            case 0x4D:  // BININT2
                stack.append(.int(Int(try readUnsigned(2))))
            case 0x4A:  // BININT
                stack.append(.int(Int(Int32(truncatingIfNeeded: try readUnsigned(4)))))
            case 0x8A:  // LONG1: a little-endian two's-complement integer of n bytes
                let count = Int(try readByte())
                guard count <= 8 else { throw malformed("an integer of \(count) bytes is larger than any tensor size") }
                let raw = try read(count)
                var value: UInt64 = 0
                for (index, byte) in raw.enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
                // `raw` is a slice: its last byte is raw.last, not raw[count - 1] (an index into the whole pickle).
                if count > 0, count < 8, let top = raw.last, top & 0x80 != 0 { value |= ~0 << (8 * UInt64(count)) }
                stack.append(.int(Int(Int64(bitPattern: value))))
            case 0x58:  // BINUNICODE
                stack.append(.string(try readString(length: Int(try readUnsigned(4)))))
            case 0x8C:  // SHORT_BINUNICODE
                stack.append(.string(try readString(length: Int(try readByte()))))
            case 0x29: stack.append(.tuple([]))  // EMPTY_TUPLE
            case 0x85: stack.append(.tuple(try popMany(1, "TUPLE1")))
            case 0x86: stack.append(.tuple(try popMany(2, "TUPLE2")))
            case 0x87: stack.append(.tuple(try popMany(3, "TUPLE3")))
            case 0x74: stack.append(.tuple(try popToMark("TUPLE")))  // TUPLE
            case 0x7D: stack.append(.dictionary(Dictionary()))  // EMPTY_DICT
            case 0x71:  // BINPUT
                memo[Int(try readByte())] = try top("BINPUT")
            case 0x72:  // LONG_BINPUT
                memo[Int(try readUnsigned(4))] = try top("LONG_BINPUT")
            case 0x94:  // MEMOIZE
                memo[memo.count] = try top("MEMOIZE")
            case 0x68:  // BINGET
                stack.append(try memoValue(Int(try readByte())))
            case 0x6A:  // LONG_BINGET
                stack.append(try memoValue(Int(try readUnsigned(4))))
            case 0x63:  // GLOBAL module\nname\n
                let module = try readLine()
                let name = try readLine()
                stack.append(.global(try resolve(module: module, name: name)))
            case 0x93:  // STACK_GLOBAL
                let name = try pop("STACK_GLOBAL")
                let module = try pop("STACK_GLOBAL")
                guard case let .string(moduleName) = module, case let .string(globalName) = name else {
                    throw malformed("STACK_GLOBAL needs two strings")
                }
                stack.append(.global(try resolve(module: moduleName, name: globalName)))
            case 0x51:  // BINPERSID: torch's reference to a storage file
                stack.append(try persistentLoad(try pop("BINPERSID")))
            case 0x52:  // REDUCE
                let arguments = try pop("REDUCE")
                let callable = try pop("REDUCE")
                stack.append(try reduce(callable, arguments))
            case 0x73:  // SETITEM
                let value = try pop("SETITEM")
                let key = try pop("SETITEM")
                try dictionaryOnTop("SETITEM").set(try dictionaryKey(key), value)
            case 0x75:  // SETITEMS
                let items = try popToMark("SETITEMS")
                guard items.count % 2 == 0 else { throw malformed("SETITEMS with an odd number of items") }
                let dictionary = try dictionaryOnTop("SETITEMS")
                for index in stride(from: 0, to: items.count, by: 2) { dictionary.set(try dictionaryKey(items[index]), items[index + 1]) }
            case 0x62:  // BUILD: an OrderedDict's attributes (a state dict's `_metadata`) are dropped
                let state = try pop("BUILD")
                _ = try dictionaryOnTop("BUILD")
                guard case .dictionary = state else {
                    throw TorchCheckpointError(.unsupportedContent, "BUILD sets \(state.kind) on a dict, which a state dict never does")
                }
            default:
                throw TorchCheckpointError(.forbiddenOpcode, "the pickle uses opcode \(Self.describe(opcode)) at byte \(opcodeOffset), which a tensor state dict never needs; refusing to load it")
            }
        }
    }

    // MARK: The allowed objects

    private func resolve(module: String, name: String) throws(TorchCheckpointError) -> AllowedGlobal {
        guard let global = AllowedGlobal(module: module, name: name) else {
            throw TorchCheckpointError(.forbiddenGlobal, "the pickle refers to \(module).\(name), which a tensor state dict never needs; refusing to load it (only OrderedDict, torch's tensor rebuild functions and float/half/bfloat16 storages are allowed)")
        }
        return global
    }

    /// torch's persistent id: `('storage', storage class, key, location, size)`.
    private func persistentLoad(_ id: Value) throws(TorchCheckpointError) -> Value {
        guard case let .tuple(fields) = id, fields.count == 5, fields[0] == .string("storage") else {
            throw TorchCheckpointError(.unsupportedContent, "a persistent id that is not torch's ('storage', type, key, location, size)")
        }
        guard case let .global(.storageType(type)) = fields[1] else {
            throw TorchCheckpointError(.unsupportedContent, "a storage whose type is \(fields[1].kind), not a float, half or bfloat16 storage class")
        }
        guard case let .string(key) = fields[2] else {
            throw TorchCheckpointError(.unsupportedContent, "a storage whose key is \(fields[2].kind), not a string")
        }
        return .storage(StorageReference(type: type, key: key))
    }

    private func reduce(_ callable: Value, _ arguments: Value) throws(TorchCheckpointError) -> Value {
        guard case let .global(global) = callable, case let .tuple(arguments) = arguments else {
            throw malformed("REDUCE needs a class or function and a tuple of arguments")
        }
        switch global {
        case .orderedDict:
            guard arguments.isEmpty else {
                throw TorchCheckpointError(.unsupportedContent, "OrderedDict called with arguments; torch.save builds it empty and fills it")
            }
            return .dictionary(Dictionary())
        case .rebuildTensor:
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            guard arguments.count == 6 || arguments.count == 7,
                  case let .storage(storage) = arguments[0],
                  case let .int(offset) = arguments[1],
                  let shape = Self.integers(arguments[2]),
                  let strides = Self.integers(arguments[3]) else {
                throw TorchCheckpointError(.unsupportedContent, "_rebuild_tensor_v2 called with arguments that are not (storage, offset, size, stride, …)")
            }
            guard shape.count == strides.count else {
                throw TorchCheckpointError(.tensorOutOfBounds, "a tensor with \(shape.count) dimensions but \(strides.count) strides")
            }
            return .tensor(TensorReference(storage: storage, storageOffset: offset, shape: shape, strides: strides))
        case .rebuildParameter, .rebuildParameterWithState:
            // (tensor, requires_grad, backward_hooks[, state]): the tensor is all that matters.
            guard let first = arguments.first, case .tensor = first else {
                throw TorchCheckpointError(.unsupportedContent, "_rebuild_parameter called without a tensor")
            }
            return first
        case .storageType(let type):
            throw TorchCheckpointError(.unsupportedContent, "the pickle calls torch.\(type.rawValue) directly instead of naming a stored one")
        }
    }

    private static func integers(_ value: Value) -> [Int]? {
        guard case let .tuple(items) = value else { return nil }
        var result: [Int] = []
        for item in items {
            guard case let .int(number) = item else { return nil }
            result.append(number)
        }
        return result
    }

    // MARK: Reading the byte stream

    private func malformed(_ message: String) -> TorchCheckpointError {
        TorchCheckpointError(.malformedPickle, "data.pkl is malformed: \(message)")
    }

    private mutating func readByte() throws(TorchCheckpointError) -> UInt8 {
        guard position < bytes.count else { throw malformed("it ends before its STOP opcode (truncated)") }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func read(_ count: Int) throws(TorchCheckpointError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - position else { throw malformed("it ends inside an opcode's argument (truncated)") }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    private mutating func readUnsigned(_ count: Int) throws(TorchCheckpointError) -> UInt32 {
        var value: UInt32 = 0
        for (index, byte) in try read(count).enumerated() { value |= UInt32(byte) << (8 * UInt32(index)) }
        return value
    }

    private mutating func readString(length: Int) throws(TorchCheckpointError) -> String {
        guard let text = String(validating: try read(length), as: UTF8.self) else { throw malformed("a string that is not UTF-8") }
        return text
    }

    private mutating func readLine() throws(TorchCheckpointError) -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A), end - position <= 256 else {
            throw malformed("a GLOBAL name without its newline")
        }
        defer { position = end + 1 }
        guard let text = String(validating: bytes[position..<end], as: UTF8.self) else { throw malformed("a GLOBAL name that is not UTF-8") }
        return text
    }

    // MARK: The stack

    private mutating func pop(_ opcode: String) throws(TorchCheckpointError) -> Value {
        guard let value = stack.popLast(), stack.count >= (marks.last ?? 0) else { throw malformed("\(opcode) with an empty stack") }
        return value
    }

    private mutating func popMany(_ count: Int, _ opcode: String) throws(TorchCheckpointError) -> [Value] {
        guard stack.count - (marks.last ?? 0) >= count else { throw malformed("\(opcode) with fewer than \(count) items on the stack") }
        defer { stack.removeLast(count) }
        return Array(stack.suffix(count))
    }

    private mutating func popToMark(_ opcode: String) throws(TorchCheckpointError) -> [Value] {
        guard let mark = marks.popLast() else { throw malformed("\(opcode) without a MARK") }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }

    private func top(_ opcode: String) throws(TorchCheckpointError) -> Value {
        guard let value = stack.last else { throw malformed("\(opcode) with an empty stack") }
        return value
    }

    private func dictionaryOnTop(_ opcode: String) throws(TorchCheckpointError) -> Dictionary {
        guard case let .dictionary(dictionary) = try top(opcode) else {
            throw TorchCheckpointError(.unsupportedContent, "\(opcode) on \(stack.last?.kind ?? "nothing"), not a dict")
        }
        return dictionary
    }

    /// A state dict's keys (and its `_metadata`'s) are strings; scalars are allowed too. A tuple
    /// key is refused: comparing memoised tuples that share their parts takes time exponential in their depth.
    private func dictionaryKey(_ key: Value) throws(TorchCheckpointError) -> Value {
        switch key {
        case .string, .int, .bool, .none: return key
        default: throw TorchCheckpointError(.unsupportedContent, "a dict key that is \(key.kind); a state dict's keys are strings")
        }
    }

    private func memoValue(_ index: Int) throws(TorchCheckpointError) -> Value {
        guard let value = memo[index] else { throw malformed("a memo lookup of entry \(index), which was never stored") }
        return value
    }

    /// An opcode as Python's pickletools names it, for errors.
    private static func describe(_ opcode: UInt8) -> String {
        let names: [UInt8: String] = [
            0x69: "INST", 0x6F: "OBJ", 0x81: "NEWOBJ", 0x92: "NEWOBJ_EX", 0x50: "PERSID",
            0x5D: "EMPTY_LIST", 0x61: "APPEND", 0x65: "APPENDS", 0x6C: "LIST", 0x64: "DICT",
            0x47: "BINFLOAT", 0x46: "FLOAT", 0x49: "INT", 0x4C: "LONG", 0x8B: "LONG4",
            0x42: "BINBYTES", 0x43: "SHORT_BINBYTES", 0x8E: "BINBYTES8", 0x53: "STRING", 0x54: "BINSTRING",
            0x55: "SHORT_BINSTRING", 0x56: "UNICODE", 0x8D: "BINUNICODE8", 0x82: "EXT1", 0x83: "EXT2",
            0x84: "EXT4", 0x8F: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET", 0x96: "BYTEARRAY8",
            0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER", 0x67: "GET", 0x70: "PUT", 0x30: "POP",
            0x31: "POP_MARK", 0x32: "DUP",
        ]
        let hex = "0x" + String(opcode, radix: 16, uppercase: true)
        return names[opcode].map { "\($0) (\(hex))" } ?? hex
    }
}

/// Why a safetensors file was refused. Each malformed kind has its own case,
/// so a test (and a user) can tell a truncated download from a file written
/// by a buggy exporter. A refused file loads nothing.
public enum SafeTensorsError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    /// Fewer than the 8 bytes of the header length.
    case fileTooShort(bytes: Int)
    /// The reference library caps headers at 100 MB; a larger length is a corrupt file.
    case headerTooLarge(length: UInt64)
    /// The header length points past the end of the file (a truncated file).
    case headerLengthBeyondFile(length: UInt64, fileSize: Int)
    case headerNotUTF8
    case headerNotJSON(String)
    case headerNotObject
    case duplicateName(String)
    /// An entry without `dtype`, `shape` and `data_offsets` of the right types.
    case malformedEntry(name: String, reason: String)
    case malformedMetadata(String)
    /// A dtype name the format does not define.
    case unknownDType(name: String, dtype: String)
    /// A dtype the format defines but that is not a floating-point weight (I64, BOOL, …).
    case unsupportedDType(name: String, dtype: String)
    case reversedOffsets(name: String, begin: Int, end: Int)
    /// shape × dtype size ≠ the byte range the offsets give.
    case sizeMismatch(name: String, shape: [Int], dtype: String, expectedBytes: Int, rangeBytes: Int)
    /// Sorted by offset, a tensor starts after the previous one ended.
    case gap(before: String, from: Int, to: Int)
    /// Sorted by offset, a tensor starts before the previous one ended.
    case overlap(String, String)
    /// The tensors do not end where the data ends (trailing bytes, or a truncated data buffer).
    case dataLengthMismatch(covered: Int, available: Int)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "cannot open \(path): \(reason)"
        case .fileTooShort(let bytes):
            return "not a safetensors file: \(bytes) bytes, fewer than the 8-byte header length"
        case .headerTooLarge(let length): return "header length \(length) exceeds the format's 100,000,000-byte limit"
        case .headerLengthBeyondFile(let length, let size):
            return "header length \(length) reaches past the end of the file (\(size) bytes): the file is truncated or not safetensors"
        case .headerNotUTF8: return "the header is not UTF-8 text"
        case .headerNotJSON(let reason): return "the header is not valid JSON: \(reason)"
        case .headerNotObject: return "the header is not a JSON object"
        case .duplicateName(let name): return "the header names tensor '\(name)' twice"
        case .malformedEntry(let name, let reason): return "tensor '\(name)': \(reason)"
        case .malformedMetadata(let reason): return "__metadata__: \(reason)"
        case .unknownDType(let name, let dtype): return "tensor '\(name)' has unknown dtype '\(dtype)'"
        case .unsupportedDType(let name, let dtype):
            return "tensor '\(name)' has dtype \(dtype); only F32, F16 and BF16 weights can be read"
        case .reversedOffsets(let name, let begin, let end):
            return "tensor '\(name)' has data_offsets [\(begin), \(end)]: the end lies before the start"
        case .sizeMismatch(let name, let shape, let dtype, let expected, let range):
            return "tensor '\(name)': shape \(shape) of \(dtype) needs \(expected) bytes, its data_offsets span \(range)"
        case .gap(let name, let from, let to):
            return "the data has a gap of \(to - from) bytes (offsets \(from)–\(to)) before tensor '\(name)'"
        case .overlap(let first, let second): return "tensors '\(first)' and '\(second)' overlap in the data"
        case .dataLengthMismatch(let covered, let available):
            return covered < available
                ? "\(available - covered) bytes follow the last tensor (the tensors cover \(covered) of \(available) data bytes)"
                : "the tensors need \(covered) data bytes but the file holds \(available): the file is truncated"
        case .writeFailed(let path, let reason): return "cannot write \(path): \(reason)"
        }
    }
}

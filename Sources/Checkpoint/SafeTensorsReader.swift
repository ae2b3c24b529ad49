import Foundation

/// What a safetensors file holds once read: tensors by name (widened to
/// Float32), each one's stored dtype, and the `__metadata__` strings.
public struct SafeTensorsContents: Sendable {
    public var tensors: [String: StoredTensor]
    public var dtypes: [String: SafeTensorsDType]
    public var metadata: [String: String]
}

/// Reads the safetensors format: an 8-byte little-endian header length, a JSON
/// header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}`,
/// then the raw little-endian data the offsets index (relative to its start).
///
/// The whole header is checked by the reference library's rules before any
/// value is converted, so a malformed file loads nothing: offsets sorted must
/// tile the data exactly (no gap, no overlap, nothing after the last tensor),
/// and each tensor's byte range must be its shape times its dtype's size.
public enum SafeTensorsReader {
    /// The reference library's cap on the header.
    static let maximumHeaderLength: UInt64 = 100_000_000

    struct Entry {
        var name: String
        var dtype: SafeTensorsDType
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    public static func read(contentsOf url: URL) throws(SafeTensorsError) -> SafeTensorsContents {
        let file = try MappedFile(path: url.path)
        return try read(file.bytes)
    }

    /// Reads from bytes already in memory (the same rules).
    public static func read(_ bytes: UnsafeRawBufferPointer) throws(SafeTensorsError) -> SafeTensorsContents {
        let (entries, metadata, dataStart) = try validate(bytes)
        var tensors: [String: StoredTensor] = [:]
        var dtypes: [String: SafeTensorsDType] = [:]
        for entry in entries {
            let count = entry.shape.reduce(1, *)
            let source = UnsafeRawBufferPointer(rebasing: bytes[(dataStart + entry.begin)..<(dataStart + entry.end)])
            var values = [Float](repeating: 0, count: count)
            // loadUnaligned: the data start (8 + header length) need not be aligned.
            switch entry.dtype {
            case .f32:
                for i in 0..<count {
                    values[i] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
            case .f16:
                for i in 0..<count {
                    values[i] = HalfPrecision.float(fromHalf: UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                }
            case .bf16:
                for i in 0..<count {
                    values[i] = HalfPrecision.float(fromBFloat16: UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                }
            }
            tensors[entry.name] = StoredTensor(shape: entry.shape, values: values)
            dtypes[entry.name] = entry.dtype
        }
        return SafeTensorsContents(tensors: tensors, dtypes: dtypes, metadata: metadata)
    }

    /// The header's entries sorted by offset, the metadata, and where the data starts.
    static func validate(_ bytes: UnsafeRawBufferPointer) throws(SafeTensorsError) -> ([Entry], [String: String], Int) {
        guard bytes.count >= 8 else { throw .fileTooShort(bytes: bytes.count) }
        let length = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard length <= maximumHeaderLength else { throw .headerTooLarge(length: length) }
        guard 8 + Int(length) <= bytes.count else { throw .headerLengthBeyondFile(length: length, fileSize: bytes.count) }
        let headerBytes = bytes[8..<(8 + Int(length))]
        guard String(validating: headerBytes, as: UTF8.self) != nil else { throw .headerNotUTF8 }
        let header: StrictJSON
        do {
            header = try StrictJSON.parse(headerBytes)
        } catch {
            if error.message.hasPrefix("duplicate key") {
                let name = String(error.message.dropFirst("duplicate key \"".count).dropLast())
                throw .duplicateName(name)
            }
            throw .headerNotJSON(error.description)
        }
        guard let members = header.members else { throw .headerNotObject }

        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (name, value) in members {
            if name == "__metadata__" {
                guard let pairs = value.members else { throw .malformedMetadata("must be an object of strings") }
                for (key, item) in pairs {
                    guard let text = item.stringValue else { throw .malformedMetadata("value of '\(key)' is not a string") }
                    metadata[key] = text
                }
                continue
            }
            entries.append(try entry(named: name, value))
        }
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var position = 0
        var previous: String?
        for entry in entries {
            if entry.begin > position { throw .gap(before: entry.name, from: position, to: entry.begin) }
            if entry.begin < position { throw .overlap(previous ?? entry.name, entry.name) }
            position = entry.end
            previous = entry.name
        }
        let available = bytes.count - 8 - Int(length)
        guard position == available else { throw .dataLengthMismatch(covered: position, available: available) }
        return (entries, metadata, 8 + Int(length))
    }

    private static func entry(named name: String, _ value: StrictJSON) throws(SafeTensorsError) -> Entry {
        guard value.members != nil else { throw .malformedEntry(name: name, reason: "entry is not an object") }
        guard let dtypeName = value["dtype"]?.stringValue else { throw .malformedEntry(name: name, reason: "no dtype string") }
        guard let shapeItems = value["shape"]?.arrayValue else { throw .malformedEntry(name: name, reason: "no shape array") }
        var shape: [Int] = []
        for item in shapeItems {
            guard let extent = item.intValue, extent >= 0 else {
                throw .malformedEntry(name: name, reason: "shape entries must be non-negative integers")
            }
            shape.append(extent)
        }
        guard let offsets = value["data_offsets"]?.arrayValue, offsets.count == 2,
              let begin = offsets[0].intValue, let end = offsets[1].intValue, begin >= 0, end >= 0 else {
            throw .malformedEntry(name: name, reason: "data_offsets must be two non-negative integers")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            if SafeTensorsDType.formatNames.contains(dtypeName) { throw .unsupportedDType(name: name, dtype: dtypeName) }
            throw .unknownDType(name: name, dtype: dtypeName)
        }
        guard end >= begin else { throw .reversedOffsets(name: name, begin: begin, end: end) }
        let (elements, overflow) = shape.reduce((1, false)) { acc, extent in
            let (product, o) = acc.0.multipliedReportingOverflow(by: extent)
            return (product, acc.1 || o)
        }
        let expected = elements.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, !expected.overflow, expected.partialValue == end - begin else {
            throw .sizeMismatch(name: name, shape: shape, dtype: dtypeName,
                                expectedBytes: overflow || expected.overflow ? Int.max : expected.partialValue, rangeBytes: end - begin)
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
    }
}

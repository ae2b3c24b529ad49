import Foundation

/// The entries of a zip archive whose members are *stored* (not compressed),
/// read straight from the archive's bytes — the form `torch.save` writes.
///
/// Only what PyTorch's writer produces is accepted: the central directory
/// (plain or ZIP64), stored members, no encryption, no multi-disk archives.
/// Each member's CRC-32 is checked when it is read, so a flipped byte in a
/// checkpoint is an error rather than a silently wrong weight.
struct ZipArchive {
    struct Entry {
        var name: String
        /// Where the member's bytes start in the archive, past its local header.
        var dataOffset: Int
        var size: Int
        var crc32: UInt32
    }

    let bytes: Data
    /// In the order of the central directory.
    let entries: [Entry]

    init(bytes: Data) throws(TorchCheckpointError) {
        self.bytes = bytes
        entries = try Self.readCentralDirectory(bytes)
    }

    func entry(named name: String) -> Entry? {
        entries.first { $0.name == name }
    }

    /// The bytes of one member, after checking their CRC-32.
    func contents(of entry: Entry) throws(TorchCheckpointError) -> Data {
        let slice = bytes[(bytes.startIndex + entry.dataOffset)..<(bytes.startIndex + entry.dataOffset + entry.size)]
        guard CRC32.checksum(slice) == entry.crc32 else {
            throw TorchCheckpointError(.corruptArchive, "member '\(entry.name)' fails its CRC-32 check (the file is damaged)")
        }
        return slice  // a view of the (mapped) archive, not a copy
    }

    // MARK: Central directory

    private static let endOfCentralDirectorySignature: UInt32 = 0x0605_4B50
    private static let zip64EndOfCentralDirectorySignature: UInt32 = 0x0606_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let centralHeaderSignature: UInt32 = 0x0201_4B50
    private static let localHeaderSignature: UInt32 = 0x0403_4B50

    private static func readCentralDirectory(_ bytes: Data) throws(TorchCheckpointError) -> [Entry] {
        let reader = ByteReader(bytes)
        // The end record is 22 bytes plus a comment of at most 65,535 bytes, at the very end.
        guard bytes.count >= 22 else {
            throw TorchCheckpointError(.notAnArchive, "the file is \(bytes.count) bytes, too short to be a zip archive")
        }
        var endRecord = -1
        var candidate = bytes.count - 22
        let earliest = max(0, bytes.count - 22 - 65_535)
        while candidate >= earliest {
            if reader.uint32(at: candidate) == endOfCentralDirectorySignature { endRecord = candidate; break }
            candidate -= 1
        }
        guard endRecord >= 0 else {
            let start = bytes.prefix(4)
            if start.starts(with: [0x80]) {
                throw TorchCheckpointError(.notAnArchive, "the file is a bare pickle (PyTorch's legacy format before 1.6), not a zip archive; re-save it with a current torch.save")
            }
            if start.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
                throw TorchCheckpointError(.truncated, "the zip archive has no end record: the file is truncated")
            }
            throw TorchCheckpointError(.notAnArchive, "not a zip archive (no end-of-central-directory record)")
        }
        guard reader.uint16(at: endRecord + 4) == 0, reader.uint16(at: endRecord + 6) == 0 else {
            throw TorchCheckpointError(.unsupportedArchive, "multi-disk zip archives are not supported")
        }
        var entryCount = Int(reader.uint16(at: endRecord + 10))
        var directorySize = Int(reader.uint32(at: endRecord + 12))
        var directoryOffset = Int(reader.uint32(at: endRecord + 16))

        // ZIP64: a locator just before the end record points at a larger end record.
        let locator = endRecord - 20
        if locator >= 0, reader.uint32(at: locator) == zip64LocatorSignature {
            let zip64End = reader.uint64(at: locator + 8)
            // Compared without adding to the file's value, which may be near UInt64.max.
            guard zip64End <= UInt64(locator), UInt64(locator) - zip64End >= 56,
                  reader.uint32(at: Int(zip64End)) == zip64EndOfCentralDirectorySignature else {
                throw TorchCheckpointError(.corruptArchive, "the ZIP64 end record is missing or misplaced")
            }
            let record = Int(zip64End)
            guard let count = Int(exactly: reader.uint64(at: record + 32)),
                  let size = Int(exactly: reader.uint64(at: record + 40)),
                  let offset = Int(exactly: reader.uint64(at: record + 48)) else {
                throw TorchCheckpointError(.corruptArchive, "the ZIP64 end record holds impossible sizes")
            }
            (entryCount, directorySize, directoryOffset) = (count, size, offset)
        }
        guard directoryOffset >= 0, directorySize >= 0, directoryOffset <= bytes.count,
              directorySize <= bytes.count - directoryOffset else {
            throw TorchCheckpointError(.truncated, "the central directory lies beyond the end of the file: the file is truncated")
        }

        var entries: [Entry] = []
        var position = directoryOffset
        let directoryEnd = directoryOffset + directorySize
        for index in 0..<entryCount {
            guard position + 46 <= directoryEnd, reader.uint32(at: position) == centralHeaderSignature else {
                throw TorchCheckpointError(.corruptArchive, "central directory entry \(index + 1) of \(entryCount) is damaged")
            }
            let flags = reader.uint16(at: position + 8)
            let method = reader.uint16(at: position + 10)
            let crc = reader.uint32(at: position + 16)
            var compressedSize = UInt64(reader.uint32(at: position + 20))
            var size = UInt64(reader.uint32(at: position + 24))
            let nameLength = Int(reader.uint16(at: position + 28))
            let extraLength = Int(reader.uint16(at: position + 30))
            let commentLength = Int(reader.uint16(at: position + 32))
            var localOffset = UInt64(reader.uint32(at: position + 42))
            let nameStart = position + 46
            guard nameStart + nameLength + extraLength + commentLength <= directoryEnd else {
                throw TorchCheckpointError(.corruptArchive, "central directory entry \(index + 1) runs past the directory")
            }
            guard let name = String(data: bytes[(bytes.startIndex + nameStart)..<(bytes.startIndex + nameStart + nameLength)], encoding: .utf8) else {
                throw TorchCheckpointError(.corruptArchive, "central directory entry \(index + 1) has a name that is not UTF-8")
            }
            // Fields at their maximum are replaced, in order, by the ZIP64 extra field.
            if size == 0xFFFF_FFFF || compressedSize == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
                var extra = nameStart + nameLength
                let extraEnd = extra + extraLength
                var found = false
                while extra + 4 <= extraEnd {
                    let tag = reader.uint16(at: extra)
                    let length = Int(reader.uint16(at: extra + 2))
                    if tag == 0x0001 {
                        var field = extra + 4
                        let fieldEnd = min(field + length, extraEnd)
                        func next() -> UInt64? {
                            guard field + 8 <= fieldEnd else { return nil }
                            defer { field += 8 }
                            return reader.uint64(at: field)
                        }
                        if size == 0xFFFF_FFFF { size = next() ?? size }
                        if compressedSize == 0xFFFF_FFFF { compressedSize = next() ?? compressedSize }
                        if localOffset == 0xFFFF_FFFF { localOffset = next() ?? localOffset }
                        found = true
                        break
                    }
                    extra += 4 + length
                }
                guard found else {
                    throw TorchCheckpointError(.corruptArchive, "member '\(name)' lacks the ZIP64 sizes its header promises")
                }
            }
            guard flags & 0x0001 == 0 else {
                throw TorchCheckpointError(.unsupportedArchive, "member '\(name)' is encrypted")
            }
            guard method == 0 else {
                let how = method == 8 ? "deflate-compressed" : "compressed (method \(method))"
                throw TorchCheckpointError(.unsupportedArchive, "member '\(name)' is \(how); only stored (uncompressed) members are read, as torch.save writes them — re-save the checkpoint with torch.save rather than re-zipping it")
            }
            guard compressedSize == size, let localStart = Int(exactly: localOffset), let length = Int(exactly: size),
                  localStart <= bytes.count - 30, reader.uint32(at: localStart) == localHeaderSignature else {
                throw TorchCheckpointError(.corruptArchive, "member '\(name)' has no valid local header")
            }
            let dataOffset = localStart + 30 + Int(reader.uint16(at: localStart + 26)) + Int(reader.uint16(at: localStart + 28))
            guard dataOffset <= bytes.count, length <= bytes.count - dataOffset else {
                throw TorchCheckpointError(.truncated, "member '\(name)' runs past the end of the file: the file is truncated")
            }
            entries.append(Entry(name: name, dataOffset: dataOffset, size: length, crc32: crc))
            position = nameStart + nameLength + extraLength + commentLength
        }
        return entries
    }
}

/// Little-endian integers at byte offsets of a buffer; reads past the end give 0
/// (callers check bounds where a 0 would be taken for a real value).
struct ByteReader {
    let bytes: Data

    init(_ bytes: Data) { self.bytes = bytes }

    func uint8(at offset: Int) -> UInt8 {
        guard offset >= 0, offset < bytes.count else { return 0 }
        return bytes[bytes.startIndex + offset]
    }

    func uint16(at offset: Int) -> UInt16 {
        UInt16(uint8(at: offset)) | UInt16(uint8(at: offset + 1)) << 8
    }

    func uint32(at offset: Int) -> UInt32 {
        UInt32(uint16(at: offset)) | UInt32(uint16(at: offset + 2)) << 16
    }

    func uint64(at offset: Int) -> UInt64 {
        UInt64(uint32(at: offset)) | UInt64(uint32(at: offset + 4)) << 32
    }
}

/// The CRC-32 of zip (polynomial 0xEDB88320, reflected), table-driven.
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 != 0 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func checksum(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            table.withUnsafeBufferPointer { table in
                for byte in buffer {
                    crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
                }
            }
        }
        return crc ^ 0xFFFF_FFFF
    }
}

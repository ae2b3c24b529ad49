import Foundation
import Testing
@testable import Checkpoint

/// A fresh temporary folder per test.
func temporaryFolder(_ label: String = #function) -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("checkpoint-tests-\(label.filter(\.isLetter))-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func framed(_ header: String, data: [UInt8] = []) -> [UInt8] {
    let bytes = Array(header.utf8)
    return withUnsafeBytes(of: UInt64(bytes.count).littleEndian, Array.init) + bytes + data
}

func readBytes(_ bytes: [UInt8]) throws(SafeTensorsError) -> SafeTensorsContents {
    var result: Result<SafeTensorsContents, SafeTensorsError>!
    bytes.withUnsafeBytes { buffer in
        do throws(SafeTensorsError) { result = .success(try SafeTensorsReader.read(buffer)) } catch { result = .failure(error) }
    }
    return try result.get()
}

@Suite struct SafeTensorsTests {
    @Test func float32RoundTripIsBitIdentical() throws {
        let values: [Float] = [0, -0.0, 1, -1.5, .pi, 1e-38, 3.4e38, .infinity, -.infinity, 0.1]
        let tensors = ["w": StoredTensor(shape: [2, 5], values: values), "v": StoredTensor(shape: [3], values: [7, 8, 9]),
                       "empty": StoredTensor(shape: [0, 4], values: [])]
        let folder = temporaryFolder()
        let file = folder.appendingPathComponent("t.safetensors")
        try SafeTensorsWriter.write(tensors, to: file, metadata: ["note": "hi"])
        let read = try SafeTensorsReader.read(contentsOf: file)
        #expect(read.tensors["w"]!.values.map(\.bitPattern) == values.map(\.bitPattern))
        #expect(read.tensors == tensors)
        #expect(read.dtypes["w"] == .f32)
        #expect(read.metadata == ["format": "pt", "note": "hi"])
        // No temporary file is left beside the target.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["t.safetensors"])
    }

    @Test func headerIsPaddedToEightBytesAndDataIsRaw() throws {
        let bytes = SafeTensorsWriter.encode(["a": StoredTensor(shape: [1], values: [1])])
        let length = Int(UInt64(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }))
        #expect(length % 8 == 0)
        #expect(Array(bytes.suffix(4)) == [0x00, 0x00, 0x80, 0x3F]) // 1.0f little-endian
        let header = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
        #expect(header.hasPrefix("{\"__metadata__\":{\"format\":\"pt\"}"))
    }

    @Test func bfloat16RoundsToNearestEven() throws {
        // 1 + 2⁻⁸ lies exactly between two bfloat16 values: it rounds to the even one, 1.
        let halfway = Float(bitPattern: 0x3F80_8000)
        let above = Float(bitPattern: 0x3F80_8001)
        let bytes = SafeTensorsWriter.encode(["x": StoredTensor(shape: [4], values: [1.5, halfway, above, -2])], as: .bf16)
        let read = try readBytes(bytes)
        #expect(read.dtypes["x"] == .bf16)
        #expect(read.tensors["x"]!.values == [1.5, 1, Float(bitPattern: 0x3F81_0000), -2])
    }

    @Test func readsFloat16AndBFloat16() throws {
        // F16: 1.0 = 0x3C00, -2.0 = 0xC000, 65504 = 0x7BFF, smallest subnormal 0x0001.
        let f16: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001]
        // BF16: 1.0 = 0x3F80, -0.5 = 0xBF00.
        let bf16: [UInt16] = [0x3F80, 0xBF00]
        let data = (f16 + bf16).flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
        // Keys out of offset order: the reader sorts by offset.
        let bytes = framed(#"{"b":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]},"h":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]}}"#, data: data)
        let read = try readBytes(bytes)
        #expect(read.tensors["h"]!.shape == [2, 2])
        #expect(read.tensors["h"]!.values == [1, -2, 65504, Float(bitPattern: 0x3380_0000)])
        #expect(read.tensors["b"]!.values == [1, -0.5])
        #expect(read.metadata.isEmpty)
    }

    @Test func zeroSizeTensorsAndAnEmptyHeaderAreValid() throws {
        #expect(try readBytes(framed("{}")).tensors.isEmpty)
        let read = try readBytes(framed(#"{"z":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}"#,
                                        data: [0, 0, 0x80, 0x3F]))
        #expect(read.tensors["z"] == StoredTensor(shape: [0], values: []))
        #expect(read.tensors["a"] == StoredTensor(shape: [], values: [1]))
    }

    @Test func aMissingFileIsACleanError() {
        #expect(throws: SafeTensorsError.self) { try SafeTensorsReader.read(contentsOf: URL(fileURLWithPath: "/nonexistent/x.safetensors")) }
    }

    @Test func writingIntoAMissingFolderFailsWithoutAFile() {
        let target = URL(fileURLWithPath: "/nonexistent-folder/t.safetensors")
        #expect(throws: SafeTensorsError.self) { try SafeTensorsWriter.write([:], to: target) }
    }
}

/// One committed broken file per error kind (Fixtures/make_broken_safetensors.py).
@Suite struct MalformedSafeTensorsTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/broken-safetensors")

    static func error(reading name: String) -> SafeTensorsError? {
        do {
            _ = try SafeTensorsReader.read(contentsOf: fixtures.appendingPathComponent(name + ".safetensors"))
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        ("file_too_short", SafeTensorsError.fileTooShort(bytes: 3)),
        ("header_too_large", .headerTooLarge(length: 200_000_000)),
        ("header_length_beyond_file", .headerLengthBeyondFile(length: 4096, fileSize: 8 + 54)),
        ("header_not_utf8", .headerNotUTF8),
        ("duplicate_name", .duplicateName("a")),
        ("header_not_object", .headerNotObject),
        ("malformed_entry", .malformedEntry(name: "a", reason: "data_offsets must be two non-negative integers")),
        ("malformed_metadata", .malformedMetadata("value of 'format' is not a string")),
        ("unknown_dtype", .unknownDType(name: "a", dtype: "F33")),
        ("unsupported_dtype", .unsupportedDType(name: "a", dtype: "I32")),
        ("reversed_offsets", .reversedOffsets(name: "a", begin: 16, end: 0)),
        ("size_mismatch", .sizeMismatch(name: "a", shape: [3], dtype: "F32", expectedBytes: 12, rangeBytes: 16)),
        ("gap", .gap(before: "b", from: 4, to: 8)),
        ("overlap", .overlap("a", "b")),
        ("trailing_bytes", .dataLengthMismatch(covered: 12, available: 16)),
        ("truncated_data", .dataLengthMismatch(covered: 32, available: 16)),
    ])
    func eachMalformedFileHasItsOwnError(name: String, expected: SafeTensorsError) {
        #expect(Self.error(reading: name) == expected)
    }

    @Test func badJSONSaysWhere() {
        guard case .headerNotJSON(let reason)? = Self.error(reading: "header_not_json") else {
            Issue.record("expected headerNotJSON, got \(String(describing: Self.error(reading: "header_not_json")))")
            return
        }
        #expect(reason.contains("at byte"))
    }

    @Test func everyFixtureIsCoveredByATest() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.path).filter { $0.hasSuffix(".safetensors") }
        #expect(names.count == 17)
        for name in names { #expect(Self.error(reading: String(name.dropLast(".safetensors".count))) != nil, "\(name) was read") }
    }

    @Test func truncatingAValidFileAnywhereIsRefused() throws {
        let bytes = SafeTensorsWriter.encode(["a": StoredTensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]),
                                              "b": StoredTensor(shape: [1], values: [7])])
        for length in 0..<bytes.count {
            #expect(throws: SafeTensorsError.self) { try readBytes(Array(bytes.prefix(length))) }
        }
        #expect(try readBytes(bytes).tensors.count == 2)
    }
}

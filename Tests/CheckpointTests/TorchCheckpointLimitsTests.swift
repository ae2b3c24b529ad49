import Foundation
import Testing
@testable import Checkpoint

/// The inputs that once trapped, exhausted or hung the PyTorch reader
/// (fuzz/crashes/pickle, written by tools/make-fuzz-seeds.py) are refused
/// quickly, each for its own reason. The corpus replay (FuzzingTests) runs
/// them through the fuzz entry point too; this says which error each gets.
@Suite struct TorchCheckpointLimitsTests {
    private static let crashes = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz/crashes/pickle")

    private func problem(_ name: String) throws -> TorchCheckpointError.Problem? {
        let bytes = try Data(contentsOf: Self.crashes.appendingPathComponent(name))
        let file = name.hasSuffix(".pth") ? bytes : TorchCheckpointFuzzing.archive(pickle: bytes, storages: [Data(), Data(count: 64)])
        do {
            _ = try TorchCheckpoint.read(data: file)
            return nil
        } catch {
            return error.problem
        }
    }

    @Test func offsetsNearTheTopOfUInt64AreRefusedNotAdded() throws {
        #expect(try problem("zip64-end-offset-overflow.pth") == .corruptArchive)
        #expect(try problem("zip64-local-offset-overflow.pth") == .corruptArchive)
    }

    @Test func anExpandedViewLargerThanItsStorageIsRefused() throws {
        #expect(try problem("expanded-view-of-10e12-elements.pkl") == .tensorOutOfBounds)
    }

    @Test func aNegativeLONG1IsReadFromItsOwnLastByte() throws {
        // {'w': _rebuild_tensor_v2(storage 1, offset=LONG1 ff ff, (1,), (1,), False, OrderedDict())}
        func text(_ value: String) -> [UInt8] { [0x8C, UInt8(value.utf8.count)] + Array(value.utf8) }
        let pickle: [UInt8] = [0x80, 0x02, 0x7D] + text("w") + Array("ctorch._utils\n_rebuild_tensor_v2\n(".utf8)
            + [0x28] + text("storage") + Array("ctorch\nFloatStorage\n".utf8) + text("1") + text("cpu") + [0x4B, 0x10, 0x74, 0x51]
            + [0x8A, 0x02, 0xFF, 0xFF] + [0x4B, 0x01, 0x85, 0x4B, 0x01, 0x85, 0x89]
            + Array("ccollections\nOrderedDict\n)R".utf8) + [0x74, 0x52, 0x73, 0x2E]
        let file = TorchCheckpointFuzzing.archive(pickle: Data(pickle), storages: [Data(), Data(count: 64)])
        #expect(throws: TorchCheckpointError.self) { try TorchCheckpoint.read(data: file) }
        do { _ = try TorchCheckpoint.read(data: file) } catch {
            #expect(error.message.contains("negative size, stride or offset"), "offset -1 was read as \(error.message)")
        }
    }

    @Test func aTupleAsADictKeyIsRefused() throws {
        #expect(try problem("shared-tuple-key-2-to-the-40.pkl") == .unsupportedContent)
    }
}

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

    @Test func aTupleAsADictKeyIsRefused() throws {
        #expect(try problem("shared-tuple-key-2-to-the-40.pkl") == .unsupportedContent)
    }
}

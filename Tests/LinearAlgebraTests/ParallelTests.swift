import Dispatch
import Foundation
import LinearAlgebra
import Testing

/// `Parallel.forEachChunk`: every index once, region after region, and callers
/// that find the helpers busy (another thread's region, a region inside a
/// region) still get their work done. They test the spinning helpers
/// (`WorkerPool`, the default); run with `LORALAB_SPIN_WORKERS=0` to test
/// dispatch's workers instead.
@Suite struct ParallelTests {
    /// Runs one split region over `count` indices and returns how often each was visited.
    static func visits(count: Int) -> [Int] {
        var seen = [Int](repeating: 0, count: count)
        seen.withUnsafeMutableBufferPointer { seen in
            let target = UnsafeSendablePointer(seen.baseAddress!)
            Parallel.forEachChunk(of: count, cost: 1 << 20) { range in
                for i in range { target.pointer[i] += 1 }
            }
        }
        return seen
    }

    @Test func manyRegionsInARowVisitEveryIndexOnce() {
        for round in 0..<2_000 {
            let count = 1 + round % 37
            #expect(Self.visits(count: count) == [Int](repeating: 1, count: count), "round \(round)")
        }
    }

    @Test func callersOnTwoThreadsAndNestedRegionsAllComplete() {
        let results = UnsafeSendablePointer(UnsafeMutablePointer<Int>.allocate(capacity: 2))
        defer { results.pointer.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 2) { caller in
            var good = 0
            for _ in 0..<300 {
                if Self.visits(count: 50) == [Int](repeating: 1, count: 50) { good += 1 }
            }
            results.pointer[caller] = good
        }
        #expect(results.pointer[0] == 300 && results.pointer[1] == 300)

        var inner = [Int](repeating: 0, count: 4)
        inner.withUnsafeMutableBufferPointer { inner in
            let target = UnsafeSendablePointer(inner.baseAddress!)
            Parallel.forEachChunk(of: 4, cost: 1 << 20) { outer in
                for i in outer where Self.visits(count: 9) == [Int](repeating: 1, count: 9) { target.pointer[i] = 1 }
            }
        }
        #expect(inner == [1, 1, 1, 1])
    }
}

/// `Parallel.forEachPart`: the same parts on every machine, whatever the
/// worker count (integration-tests/test_worker_counts.py checks whole runs under 1, 2
/// and 3 workers).
@Suite struct PartTests {
    /// The ranges one region hands out, in order of their start.
    static func parts(count: Int, cost: Int) -> [Range<Int>] {
        let seen = SeenRanges()
        Parallel.forEachPart(of: count, cost: cost, minimumCost: 1 << 18) { seen.add($0) }
        return seen.sorted
    }

    @Test func largeWorkIsCutIntoTheFixedParts() {
        #expect(Parallel.arithmeticParts == 2, "the committed run cache was computed with two parts")
        #expect(Self.parts(count: 2048, cost: 1 << 20) == [0..<1024, 1024..<2048])
        #expect(Self.parts(count: 7, cost: 1 << 20) == [0..<3, 3..<7])
    }

    @Test func smallWorkAndSingleRowsRunWhole() {
        #expect(Self.parts(count: 2048, cost: 1 << 17) == [0..<2048])
        #expect(Self.parts(count: 1, cost: 1 << 20) == [0..<1])
    }
}

/// Ranges recorded from whichever threads run the parts.
final class SeenRanges: @unchecked Sendable {
    private let lock = NSLock()
    private var ranges: [Range<Int>] = []
    func add(_ range: Range<Int>) { lock.withLock { ranges.append(range) } }
    var sorted: [Range<Int>] { lock.withLock { ranges.sorted { $0.lowerBound < $1.lowerBound } } }
}

/// A pointer handed to chunks that write disjoint elements.
struct UnsafeSendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Int>
    init(_ pointer: UnsafeMutablePointer<Int>) { self.pointer = pointer }
}

import Dispatch
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

/// A pointer handed to chunks that write disjoint elements.
struct UnsafeSendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Int>
    init(_ pointer: UnsafeMutablePointer<Int>) { self.pointer = pointer }
}

import Foundation
import Synchronization
import Testing
@testable import LinearAlgebra

/// `WorkerPool` on its own, with more helpers than this machine has cores,
/// so that helpers are descheduled in the middle of regions. The race these
/// regions look for: a helper that still held its reference to a region's
/// body after reporting its part done made the caller's
/// `withoutActuallyEscaping` find the closure alive and trap (a kernel killed
/// in CI, 2026-12-07). The body here captures a context, as `BLAS.gemm`'s
/// does, so that there is a reference to keep; a trap ends the test process.
/// Checked: with the helper's reference held past its report, the 3-helper
/// case traps within seconds.
@Suite struct WorkerPoolTests {
    /// Runs `regions` regions back to back on `pool`; returns how many of them
    /// visited every part exactly once.
    static func completeRegions(_ regions: Int, on pool: WorkerPool) -> Int {
        let parts = pool.helperCount + 1
        let tally = PartTally(parts: parts)
        var complete = 0
        for _ in 0..<regions {
            tally.reset()
            let ran = pool.run { part in tally.visit(part) }
            if ran && tally.eachVisitedOnce { complete += 1 }
        }
        return complete
    }

    @Test(arguments: [1, 3])
    func tinyRegionsBackToBackWithDescheduledHelpers(helpers: Int) {
        let pool = WorkerPool(helpers: helpers)
        #expect(Self.completeRegions(10_000, on: pool) == 10_000)
    }

    @Test func aBusyPoolRefusesAndLaterRegionsStillRun() {
        let pool = WorkerPool(helpers: 1)
        let inner = PartTally(parts: 1)
        let outer = pool.run { part in
            if part == 0, !pool.run({ _ in }) { inner.visit(0) }
        }
        #expect(outer && inner.eachVisitedOnce, "a region started inside a region is refused")
        #expect(Self.completeRegions(100, on: pool) == 100)
    }
}

/// Counts the visits of each part from whichever threads run them.
final class PartTally: Sendable {
    private let visits: Mutex<[Int]>
    init(parts: Int) { visits = Mutex([Int](repeating: 0, count: parts)) }
    func reset() { visits.withLock { $0 = [Int](repeating: 0, count: $0.count) } }
    func visit(_ part: Int) { visits.withLock { $0[part] += 1 } }
    var eachVisitedOnce: Bool { visits.withLock { $0.allSatisfy { $0 == 1 } } }
}

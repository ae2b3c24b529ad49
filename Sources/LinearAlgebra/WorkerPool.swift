import Dispatch
import Foundation
import Synchronization

/// Helper threads that stay awake for a moment between parallel regions.
///
/// A training step of a small model is hundreds of short regions (one per
/// product or element-wise pass), a few microseconds to a millisecond each.
/// Waking a sleeping thread through the kernel for every one of them costs
/// more than many of them take. Here a helper that finished its part spins on
/// a counter for a short while (`spinLimit` checks, tens of microseconds)
/// before it sleeps on a semaphore, so back-to-back regions start at once;
/// a pause longer than that costs one wake-up as before.
///
/// One region at a time: a caller that finds the pool busy (another thread's
/// run, or a region started from inside a region) gets `false` and runs its
/// split some other way.
final class WorkerPool: @unchecked Sendable {
    // Sendable: `body` is written only by the caller holding `busy`, before the
    // generation counter publishes it, and read by helpers after they see it.
    let helperCount: Int
    private let busy = Atomic<Bool>(false)
    private let generation = Atomic<Int>(0)
    private let unfinished = Atomic<Int>(0)
    /// Bit `h` set: helper `h` sleeps (or is about to) and needs a signal.
    private let sleepers = Atomic<Int>(0)
    private let wakeUps: [DispatchSemaphore]
    nonisolated(unsafe) private var body: UncheckedSendable<(Int) -> Void>?
    private static let spinLimit = 50_000

    init(helpers: Int) {
        helperCount = helpers
        precondition(helpers < Int.bitWidth, "one bit of `sleepers` per helper")
        wakeUps = (0..<helpers).map { _ in DispatchSemaphore(value: 0) }
        for h in 0..<helpers {
            let thread = Thread { [self] in helperLoop(h) }
            thread.name = "loralab-worker-\(h + 1)"
            thread.start()
        }
    }

    /// Runs `part(0)` on the calling thread and `part(1...helperCount)` on the
    /// helpers, returning when all are done; `false` (nothing run) when busy.
    func run(_ part: (Int) -> Void) -> Bool {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        withoutActuallyEscaping(part) { part in
            body = UncheckedSendable(part)
            unfinished.store(helperCount, ordering: .sequentiallyConsistent)
            generation.add(1, ordering: .sequentiallyConsistent)
            let asleep = sleepers.exchange(0, ordering: .sequentiallyConsistent)
            for h in 0..<helperCount where asleep & (1 << h) != 0 { wakeUps[h].signal() }
            part(0)
            var spins = 0
            while unfinished.load(ordering: .acquiring) > 0 {
                spins += 1
                if spins > 1000 { sched_yield() }  // a helper was descheduled: give it the core
            }
            body = nil
        }
        busy.store(false, ordering: .releasing)
        return true
    }

    private func helperLoop(_ h: Int) {
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen && spins < Self.spinLimit { spins += 1 }
            if generation.load(ordering: .acquiring) == seen {
                // Announce the sleep, then look once more: a caller that bumped
                // the generation after our look sees the flag and signals.
                let bit = 1 << h
                sleepers.bitwiseOr(bit, ordering: .sequentiallyConsistent)
                if generation.load(ordering: .sequentiallyConsistent) == seen {
                    wakeUps[h].wait()
                } else if sleepers.bitwiseAnd(~bit, ordering: .sequentiallyConsistent).oldValue & bit == 0 {
                    wakeUps[h].wait()  // the caller took the flag: consume its signal
                }
            }
            seen = generation.load(ordering: .acquiring)
            runPart(h + 1)
            unfinished.subtract(1, ordering: .releasing)
        }
    }

    /// Calls the region's body. Out of line so that the helper's reference to
    /// the body ends before it reports the part done: released after
    /// `unfinished` reached zero, the caller's `withoutActuallyEscaping` found
    /// the closure still referenced and trapped (a kernel killed mid-`cache
    /// check`, 2026-12-07).
    @inline(never)
    private func runPart(_ index: Int) {
        body?.value(index)
    }
}

import COpenBLAS
import Dispatch
import Foundation

/// Work split across the machine's cores by us, with OpenBLAS itself kept to
/// one thread.
///
/// Why: OpenBLAS's own threads spin-wait between calls. On a 2-core machine
/// that also runs our element-wise loops — or anything else — the spinning
/// steals the very core the work needs (measured on a busy machine: the
/// `tiny` LoRA step ran 3× faster with OPENBLAS_NUM_THREADS=1 than with 2).
/// Splitting each product into row blocks, one per core, keeps every core
/// busy with useful work. Our own helpers (`WorkerPool`) spin for a moment
/// between regions, so that the next one starts without a wake-up.
public enum Parallel {
    /// Workers used for one split (the number of cores; `LORALAB_THREADS` overrides).
    public static let workerCount: Int = {
        openblas_set_num_threads(1)
        if let text = ProcessInfo.processInfo.environment["LORALAB_THREADS"], let n = Int(text), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// How many parts work is split into where the split changes the bits:
    /// a product's blocks of rows (OpenBLAS tiles each call's rows anew, and
    /// a row that lands in another tile rounds otherwise: halving a
    /// 2048-row product changes 4% of its values) and a sum's partials. The
    /// parts are shared among however many workers there are, so a run gives
    /// the same bits on any number of cores. When the split followed the
    /// worker count, a 300-step LoRA run on one core ended with its trained
    /// tensors 0.92 of their change away from the same run on two, and the
    /// run cache, recorded on 2-core machines, held only there. Two parts
    /// keep the cache's bits; a machine with more cores runs products on two
    /// of them.
    public static let arithmeticParts = 2

    /// Runs `body(range)` over `0..<count` cut into `arithmeticParts`
    /// contiguous ranges (fewer when `count` is smaller), the ranges shared
    /// among the workers: the same ranges on every machine. Work below
    /// `minimumCost` runs whole, inline, on every machine alike.
    public static func forEachPart(of count: Int, cost: Int, minimumCost: Int,
                                   _ body: (Range<Int>) -> Void) {
        let parts = min(arithmeticParts, count)
        if parts <= 1 || cost < minimumCost {
            body(0..<count)
            return
        }
        forEachChunk(of: parts, cost: cost, minimumCost: 0) { chunk in
            for part in chunk { body((count * part / parts)..<(count * (part + 1) / parts)) }
        }
    }

    /// Runs `body(range)` over `0..<count` split into contiguous chunks, one
    /// per worker (for work whose bits do not depend on the split; else
    /// `forEachPart`), when the work is large enough (`cost` is the total work in
    /// arbitrary units compared with `minimumCost`); otherwise inline.
    public static func forEachChunk(of count: Int, cost: Int, minimumCost: Int = 1 << 15,
                                    _ body: (Range<Int>) -> Void) {
        let workers = min(workerCount, count)
        if workers <= 1 || cost < minimumCost {
            body(0..<count)
            return
        }
        func split(_ w: Int) {
            let start = count * w / workers, end = count * (w + 1) / workers
            if start < end { body(start..<end) }
        }
        if runsChunksInOrder {
            // The same chunks, one after another on this thread: the numbers
            // are those of the split run (each chunk computes exactly what it would).
            for w in 0..<workers { split(w) }
            return
        }
        if workers == workerCount, let pool, pool.run(split) { return }
        withoutActuallyEscaping(split) { split in
            let box = UncheckedSendable(split)
            DispatchQueue.concurrentPerform(iterations: workers) { w in box.value(w) }
        }
    }

    /// Set on a thread that runs one of several independent trainings side by
    /// side (`compare`'s lanes): the lanes already use the cores, so each
    /// runs its splits on its own thread — the same chunks in order, so its
    /// results are bit-identical to the split run's.
    @TaskLocal public static var runsChunksInOrder = false

    /// Runs `body` with every split on this thread taken chunk by chunk in order.
    public static func inOrderOnThisThread<R>(_ body: () -> R) -> R {
        $runsChunksInOrder.withValue(true) { body() }
    }

    /// The spinning helpers for `workerCount − 1` of the chunks, unless
    /// `LORALAB_SPIN_WORKERS=0` asks for dispatch's workers instead, which
    /// sleep between regions and are woken through the kernel for each one.
    /// On a quiet 2-core machine the helpers made `tiny`'s training step
    /// 1.2–1.4× faster and the larger presets' a few per cent
    /// (docs/benchmarks.md, "Helpers that spin between regions"). The chunks
    /// are the same either way, and so are the results, bit for bit.
    static let pool: WorkerPool? = {
        guard ProcessInfo.processInfo.environment["LORALAB_SPIN_WORKERS"] != "0",
              (2...Int.bitWidth).contains(workerCount) else { return nil }
        return WorkerPool(helpers: workerCount - 1)
    }()
}

/// Carries a value that is not `Sendable` into a parallel loop whose chunks
/// touch disjoint memory (the reason it is safe at every use).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

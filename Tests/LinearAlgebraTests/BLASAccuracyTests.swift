import Testing
import LinearAlgebra

/// `BLAS.gemm` (split across the cores) against a sum in Double, under
/// whichever OpenBLAS kernels this process runs (`blas_core=` of `loralab
/// bench`): a kernel family that a processor runs wrongly, or a split that
/// drops or repeats a block of rows, shows here as errors of order one, far
/// above rounding. Run once under each family a machine offers
/// (`OPENBLAS_CORETYPE` unset, or set to the other), as docs/benchmarks.md
/// says of the Zen 5.
@Suite struct BLASAccuracyTests {
    /// (m, n, k): degenerate, uneven edges, deep and wide, large enough to be split.
    static let shapes = [(1, 1, 1), (7, 5, 3), (17, 33, 65), (64, 64, 2048), (1000, 301, 24), (513, 1025, 769), (1024, 768, 768)]

    @Test(arguments: shapes)
    func productIsTheSumToRounding(_ shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var generator = SeededGenerator(seed: UInt64(m * 31 + n * 7 + k))
        for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = (0..<(m * k)).map { _ in generator.uniform(-1, 1) }
            let b = (0..<(k * n)).map { _ in generator.uniform(-1, 1) }
            let start = (0..<(m * n)).map { _ in generator.uniform(-1, 1) }
            let alpha: Float = 0.75, beta: Float = 0.5
            var c = start
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        BLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                                  a: a.baseAddress!, lda: transposeA ? m : k, b: b.baseAddress!, ldb: transposeB ? k : n,
                                  beta: beta, c: c.baseAddress!, ldc: n)
                    }
                }
            }
            // Relative to the sum of the terms' magnitudes, float rounding of a blocked sum stays
            // within a few units; 16 leaves room for any kernel's order.
            var worst = 0.0
            for _ in 0..<200 {
                let i = generator.index(below: m), j = generator.index(below: n)
                var sum = Double(beta) * Double(start[i * n + j]), magnitude = abs(sum)
                for p in 0..<k {
                    let x = Double(transposeA ? a[p * m + i] : a[i * k + p])
                    let y = Double(transposeB ? b[j * k + p] : b[p * n + j])
                    sum += Double(alpha) * x * y
                    magnitude += abs(Double(alpha) * x * y)
                }
                worst = max(worst, abs(Double(c[i * n + j]) - sum) / max(magnitude, .leastNormalMagnitude))
            }
            #expect(worst <= 16 * Double(Float.ulpOfOne) / 2,
                    "\(m)×\(n)×\(k) transposeA=\(transposeA) transposeB=\(transposeB) on \(BLASKernelSelection.coreName): \(worst)")
        }
    }
}

import LinearAlgebra
import Testing

/// `BLAS.gemm` computes a large product as the same blocks of rows on any
/// machine: bit for bit the two `cblas_sgemm` calls on its halves. OpenBLAS
/// tiles each call's rows anew, so another cut rounds some values otherwise
/// (about 4% of a 2048-row product's), and a split that followed the core
/// count gave another training on one core than on two.
@Suite struct BLASPartitionTests {
    @Test(arguments: [(2048, 128, 128, false), (128, 384, 2048, true), (1023, 259, 64, false)])
    func aLargeProductIsItsTwoHalves(_ shape: (Int, Int, Int, Bool)) {
        let (m, n, k, transposeA) = shape
        var generator = SeededGenerator(seed: UInt64(m + n + k))
        let a = (0..<(m * k)).map { _ in generator.uniform(-1, 1) }
        let b = (0..<(k * n)).map { _ in generator.uniform(-1, 1) }
        let lda = transposeA ? m : k
        var whole = [Float](repeating: 0, count: m * n), halves = whole
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                whole.withUnsafeMutableBufferPointer { c in
                    BLAS.gemm(transposeA: transposeA, transposeB: false, m: m, n: n, k: k,
                              a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: n, c: c.baseAddress!, ldc: n)
                }
                halves.withUnsafeMutableBufferPointer { c in
                    for rows in [0..<(m / 2), (m / 2)..<m] {
                        let block = transposeA ? a.baseAddress! + rows.lowerBound : a.baseAddress! + rows.lowerBound * lda
                        BLAS.single(transposeA: transposeA, transposeB: false, m: rows.count, n: n, k: k, alpha: 1,
                                    a: block, lda: lda, b: b.baseAddress!, ldb: n, beta: 0,
                                    c: c.baseAddress! + rows.lowerBound * n, ldc: n)
                    }
                }
            }
        }
        #expect(whole == halves, "\(m)×\(n)×\(k) on \(BLASKernelSelection.coreName)")
    }
}

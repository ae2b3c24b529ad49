import Testing
import LinearAlgebra

@Suite struct QRTests {
    /// Checks shapes, orthonormal Q, upper-triangular R and QR = A.
    private func expectValidQR(of a: Matrix) throws {
        let qr = try QRDecomposition(of: a)
        let k = min(a.rows, a.cols)
        #expect(qr.q.rows == a.rows && qr.q.cols == k)
        #expect(qr.r.rows == k && qr.r.cols == a.cols)
        #expect(columnOrthonormalityError(qr.q) < 1e-5 * Float(max(a.rows, 1)))
        for i in 0..<k { for j in 0..<min(i, a.cols) { #expect(qr.r[i, j] == 0) } }
        let scale = max(largestMagnitude(a), 1)
        #expect(matmul(qr.q, qr.r).maxAbsDifference(a) < 1e-5 * scale * Float(max(a.rows, a.cols)))
    }

    @Test func tallSquareAndWideRandomMatrices() throws {
        var rng = SeededGenerator(seed: 21)
        try expectValidQR(of: rng.normalMatrix(rows: 9, cols: 4, std: 1))
        try expectValidQR(of: rng.normalMatrix(rows: 6, cols: 6, std: 2))
        try expectValidQR(of: rng.normalMatrix(rows: 3, cols: 6, std: 1))
        try expectValidQR(of: rng.normalMatrix(rows: 300, cols: 64, std: 1))
    }

    @Test func tallMatrixGivesMByNQAndNByNR() throws {
        var rng = SeededGenerator(seed: 22)
        let qr = try QRDecomposition(of: rng.normalMatrix(rows: 10, cols: 3, std: 1))
        #expect(qr.q.rows == 10 && qr.q.cols == 3 && qr.r.rows == 3 && qr.r.cols == 3)
        // |R| diagonal of a full-rank matrix is nonzero: Q spans A's column space.
        for i in 0..<3 { #expect(abs(qr.r[i, i]) > 1e-3) }
    }

    @Test func rankDeficientMatrixStillFactors() throws {
        try expectValidQR(of: randomMatrix(rows: 8, cols: 5, rank: 2, seed: 23))
        try expectValidQR(of: Matrix(rows: 4, cols: 3))  // zero matrix
    }

    @Test func columnAndRowVectors() throws {
        let values: [Float] = [2, -3, 6]  // ‖·‖ = 7
        let column = try QRDecomposition(of: Matrix(rows: 3, cols: 1, values: values))
        #expect(abs(abs(column.r[0, 0]) - 7) < 1e-5)
        for i in 0..<3 { #expect(abs(column.q[i, 0] * column.r[0, 0] - values[i]) < 1e-5) }
        let row = try QRDecomposition(of: Matrix(rows: 1, cols: 3, values: values))
        #expect(row.q.rows == 1 && row.q.cols == 1 && abs(abs(row.q[0, 0]) - 1) < 1e-6)
        for j in 0..<3 { #expect(abs(row.q[0, 0] * row.r[0, j] - values[j]) < 1e-5) }
    }

    @Test func emptyAndNonFiniteInput() throws {
        let empty = try QRDecomposition(of: Matrix(rows: 5, cols: 0))
        #expect(empty.q.rows == 5 && empty.q.cols == 0 && empty.r.rows == 0)
        let bad = Matrix(rows: 2, cols: 2, values: [1, .nan, 0, 1])
        #expect(throws: DecompositionError.nonFiniteInput(operation: "QR", rows: 2, cols: 2)) {
            try QRDecomposition(of: bad)
        }
    }
}

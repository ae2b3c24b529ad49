import Testing
import LinearAlgebra
import Analysis

@Suite struct LowRankSVDTests {
    @Test func matchesFullSVDOfTheFormedUpdate() throws {
        var rng = SeededGenerator(seed: 31)
        let (out, inFeatures, rank) = (40, 30, 6)
        let a = rng.normalMatrix(rows: rank, cols: inFeatures, std: 0.1)
        let b = rng.normalMatrix(rows: out, cols: rank, std: 0.1)
        let scale: Float = 2.5
        let fast = try lowRankSVD(a: a, b: b, scale: scale)
        let formed = scale * matmul(b, a)
        let full = try SingularValueDecomposition(of: formed)

        #expect(fast.u.rows == out && fast.u.cols == rank && fast.vt.rows == rank && fast.vt.cols == inFeatures)
        let sigmaMax = full.singularValues[0]
        for i in 0..<rank { #expect(abs(fast.singularValues[i] - full.singularValues[i]) < 1e-5 * sigmaMax) }
        #expect(full.singularValues[rank...].allSatisfy { $0 < 1e-5 * sigmaMax })
        // Same subspaces, whatever the basis inside them.
        #expect(projectorDistance(fast.u, full.leftSingularVectors(count: rank)) < 1e-4)
        #expect(projectorDistance(fast.v, full.rightSingularVectors(count: rank)) < 1e-4)
        #expect(matmul(fast.u, fast.u, transposeA: true).maxAbsDifference(.identity(rank)) < 1e-5)
        #expect(matmul(fast.vt, fast.vt, transposeB: true).maxAbsDifference(.identity(rank)) < 1e-5)
        #expect(fast.reconstructed().maxAbsDifference(formed) < 1e-5 * largest(formed))
    }

    @Test func recoversAPlantedLowRankUpdateExactly() throws {
        var rng = SeededGenerator(seed: 32)
        let planted: [Float] = [4, 2, 1, 0.5]
        let left = try randomOrthonormalColumns(rows: 24, cols: 4, rng: &rng)
        let right = try randomOrthonormalColumns(rows: 18, cols: 4, rng: &rng)
        // B = left · diag(σ) · M, A = M⁻¹ · rightᵀ with a random invertible mixing M,
        // so neither factor is orthonormal but s · B · A = left · diag(σ/s·s) · rightᵀ.
        let mixing = Matrix([[1, 0.5, 0, 0], [0, 1, -0.3, 0], [0, 0, 1, 0.7], [0, 0, 0, 1]])
        let mixingInverse = Matrix([[1, -0.5, -0.15, 0.105], [0, 1, 0.3, -0.21], [0, 0, 1, -0.7], [0, 0, 0, 1]])
        #expect(matmul(mixing, mixingInverse).maxAbsDifference(.identity(4)) < 1e-6)
        let scale: Float = 0.5
        var scaledLeft = left
        for r in 0..<24 { for c in 0..<4 { scaledLeft[r, c] *= planted[c] / scale } }
        let b = matmul(scaledLeft, mixing)
        let a = matmul(mixingInverse, right, transposeB: true)

        let fast = try lowRankSVD(a: a, b: b, scale: scale)
        for i in 0..<4 {
            #expect(abs(fast.singularValues[i] - planted[i]) < 1e-5 * planted[0])
            #expect(abs(absoluteCosine(fast.u, column: i, left, column: i) - 1) < 1e-5)
            #expect(abs(absoluteCosine(fast.v, column: i, right, column: i) - 1) < 1e-5)
        }
    }

    @Test func rankAboveTheMatrixDimensionsStillMatches() throws {
        var rng = SeededGenerator(seed: 33)
        let a = rng.normalMatrix(rows: 8, cols: 4, std: 1)  // r = 8 > in = 4
        let b = rng.normalMatrix(rows: 5, cols: 8, std: 1)
        let fast = try lowRankSVD(a: a, b: b, scale: -1)  // a negative scale flips signs, not σ
        let full = try SingularValueDecomposition(of: -1 * matmul(b, a))
        #expect(fast.singularValues.count == 4)
        for i in 0..<4 { #expect(abs(fast.singularValues[i] - full.singularValues[i]) < 1e-4 * full.singularValues[0]) }
        #expect(fast.reconstructed().maxAbsDifference(-1 * matmul(b, a)) < 1e-4 * full.singularValues[0])
    }

    @Test func zeroBGivesAZeroSpectrum() throws {
        var rng = SeededGenerator(seed: 34)
        let a = rng.normalMatrix(rows: 4, cols: 10, std: 1)
        let fast = try lowRankSVD(a: a, b: Matrix(rows: 12, cols: 4), scale: 2)
        #expect(fast.singularValues == [0, 0, 0, 0])
        #expect(fast.reconstructed().maxAbsDifference(Matrix(rows: 12, cols: 10)) == 0)
    }

    @Test func mismatchedRanksAndNonFiniteScaleAreRejected() {
        #expect(throws: AnalysisError.self) {
            try lowRankSVD(a: Matrix(rows: 4, cols: 10), b: Matrix(rows: 12, cols: 3), scale: 1)
        }
        #expect(throws: AnalysisError.self) {
            try lowRankSVD(a: Matrix(rows: 4, cols: 10), b: Matrix(rows: 12, cols: 4), scale: .nan)
        }
    }

    private func largest(_ m: Matrix) -> Float { m.values.map(abs).max() ?? 0 }
}

import Testing
import LinearAlgebra

@Suite struct SVDTests {
    /// Checks every property a thin SVD of `a` must have.
    private func expectValidThinSVD(of a: Matrix, tolerance: Float = 2e-5) throws {
        let svd = try SingularValueDecomposition(of: a)
        let k = min(a.rows, a.cols)
        #expect(svd.u.rows == a.rows && svd.u.cols == k)
        #expect(svd.vt.rows == k && svd.vt.cols == a.cols)
        #expect(svd.singularValues.count == k)
        let scale = max(largestMagnitude(a), 1)
        #expect(svd.reconstructed().maxAbsDifference(a) < tolerance * scale * Float(max(a.rows, a.cols)))
        #expect(columnOrthonormalityError(svd.u) < 1e-5 * Float(a.rows))
        #expect(rowOrthonormalityError(svd.vt) < 1e-5 * Float(a.cols))
        #expect(svd.singularValues.allSatisfy { $0 >= 0 })
        #expect(zip(svd.singularValues, svd.singularValues.dropFirst()).allSatisfy { $0 >= $1 })
    }

    @Test func thinSVDOfRandomTallAndWideMatricesIsValid() throws {
        var rng = SeededGenerator(seed: 11)
        try expectValidThinSVD(of: rng.normalMatrix(rows: 7, cols: 5, std: 1))
        try expectValidThinSVD(of: rng.normalMatrix(rows: 5, cols: 7, std: 1))
        try expectValidThinSVD(of: rng.normalMatrix(rows: 6, cols: 6, std: 3))
        try expectValidThinSVD(of: rng.normalMatrix(rows: 200, cols: 120, std: 1))
    }

    @Test func fullSVDGivesSquareOrthogonalFactors() throws {
        var rng = SeededGenerator(seed: 12)
        for (rows, cols) in [(7, 4), (4, 7)] {
            let a = rng.normalMatrix(rows: rows, cols: cols, std: 1)
            let svd = try SingularValueDecomposition(of: a, extent: .full)
            #expect(svd.u.rows == rows && svd.u.cols == rows)
            #expect(svd.vt.rows == cols && svd.vt.cols == cols)
            #expect(columnOrthonormalityError(svd.u) < 1e-5)
            #expect(rowOrthonormalityError(svd.u) < 1e-5)
            #expect(columnOrthonormalityError(svd.vt) < 1e-5)
            #expect(rowOrthonormalityError(svd.vt) < 1e-5)
            #expect(svd.reconstructed().maxAbsDifference(a) < 1e-5)
            let thin = try SingularValueDecomposition(of: a)
            #expect(zip(thin.singularValues, svd.singularValues).allSatisfy { abs($0 - $1) < 1e-5 })
        }
    }

    @Test func recoversPlantedSingularValuesAndVectors() throws {
        var rng = SeededGenerator(seed: 13)
        let left = try QRDecomposition(of: rng.normalMatrix(rows: 9, cols: 4, std: 1)).q
        let right = try QRDecomposition(of: rng.normalMatrix(rows: 6, cols: 4, std: 1)).q
        let planted: [Float] = [5, 3, 1.5, 0.25]
        var scaledLeft = left
        for r in 0..<9 { for c in 0..<4 { scaledLeft[r, c] *= planted[c] } }
        let a = matmul(scaledLeft, right, transposeB: true)

        let svd = try SingularValueDecomposition(of: a)
        for i in 0..<4 { #expect(abs(svd.singularValues[i] - planted[i]) < 1e-5 * planted[0]) }
        #expect(svd.singularValues[4] < 1e-5)
        // Distinct singular values fix each vector up to sign.
        for i in 0..<4 {
            var leftDot: Float = 0, rightDot: Float = 0
            for r in 0..<9 { leftDot += svd.u[r, i] * left[r, i] }
            for c in 0..<6 { rightDot += svd.vt[i, c] * right[c, i] }
            #expect(abs(abs(leftDot) - 1) < 1e-5)
            #expect(abs(abs(rightDot) - 1) < 1e-5)
            #expect(leftDot * rightDot > 0, "u and v must flip sign together")
        }
    }

    @Test func handComputedSingularValues() throws {
        // Singular values are the absolute diagonal, sorted.
        #expect(try SingularValueDecomposition.singularValues(of: Matrix([[3, 0], [0, -4], [0, 0]])) == [4, 3])
        // [[1, 1], [1, 1]] = 2 · (1/√2, 1/√2)(1/√2, 1/√2)ᵀ.
        let values = try SingularValueDecomposition.singularValues(of: Matrix([[1, 1], [1, 1]]))
        #expect(abs(values[0] - 2) < 1e-6 && abs(values[1]) < 1e-6)
    }

    @Test func valuesOnlyAgreesWithThinDecomposition() throws {
        var rng = SeededGenerator(seed: 14)
        let a = rng.normalMatrix(rows: 30, cols: 17, std: 1)
        let valuesOnly = try SingularValueDecomposition.singularValues(of: a)
        let thin = try SingularValueDecomposition(of: a).singularValues
        #expect(valuesOnly.count == 17)
        #expect(zip(valuesOnly, thin).allSatisfy { abs($0 - $1) < 1e-5 * thin[0] })
    }

    @Test func rankDeficientMatrixHasExactlyItsRankOfNonzeroValues() throws {
        let a = randomMatrix(rows: 12, cols: 9, rank: 3, seed: 15)
        try expectValidThinSVD(of: a)
        let full = try SingularValueDecomposition(of: a, extent: .full)
        #expect(columnOrthonormalityError(full.u) < 1e-5)
        #expect(rowOrthonormalityError(full.vt) < 1e-5)
        let s = full.singularValues
        #expect(s[2] > 1e-2 * s[0])
        #expect(s[3...].allSatisfy { $0 < 1e-5 * s[0] })
        // The rank-3 truncation is the matrix itself.
        #expect(full.reconstructed(rank: 3).maxAbsDifference(a) < 1e-4)
    }

    @Test func rowAndColumnVectors() throws {
        let values: [Float] = [3, -4, 12]  // ‖·‖ = 13
        for a in [Matrix(rows: 1, cols: 3, values: values), Matrix(rows: 3, cols: 1, values: values)] {
            let svd = try SingularValueDecomposition(of: a)
            #expect(svd.singularValues.count == 1)
            #expect(abs(svd.singularValues[0] - 13) < 1e-5)
            #expect(svd.reconstructed().maxAbsDifference(a) < 1e-5)
            let vector = a.rows == 1 ? svd.vt : svd.u
            let unit = a.rows == 1 ? svd.u : svd.vt
            #expect(abs(abs(unit.values[0]) - 1) < 1e-6)
            for i in 0..<3 { #expect(abs(abs(vector.values[i]) - abs(values[i]) / 13) < 1e-6) }
            let full = try SingularValueDecomposition(of: a, extent: .full)
            #expect(full.u.rows == a.rows && full.u.cols == a.rows && full.vt.rows == a.cols)
            #expect(columnOrthonormalityError(full.u) < 1e-5 && rowOrthonormalityError(full.vt) < 1e-5)
        }
    }

    @Test func emptyMatrixHasNoSingularValues() throws {
        let svd = try SingularValueDecomposition(of: Matrix(rows: 0, cols: 3))
        #expect(svd.singularValues.isEmpty && svd.u.rows == 0 && svd.vt.cols == 3)
        #expect(try SingularValueDecomposition.singularValues(of: Matrix(rows: 4, cols: 0)).isEmpty)
    }

    @Test func zeroMatrixHasZeroSingularValuesAndOrthonormalVectors() throws {
        let svd = try SingularValueDecomposition(of: Matrix(rows: 5, cols: 3))
        #expect(svd.singularValues == [0, 0, 0])
        #expect(columnOrthonormalityError(svd.u) < 1e-6 && rowOrthonormalityError(svd.vt) < 1e-6)
    }

    @Test func nonFiniteInputIsRejectedWithAClearError() {
        var a = Matrix(rows: 3, cols: 2, repeating: 1)
        a[1, 1] = .nan
        #expect(throws: DecompositionError.nonFiniteInput(operation: "SVD", rows: 3, cols: 2)) {
            try SingularValueDecomposition(of: a)
        }
        a[1, 1] = .infinity
        #expect(throws: DecompositionError.self) { try SingularValueDecomposition.singularValues(of: a) }
        let message = DecompositionError.nonFiniteInput(operation: "SVD", rows: 3, cols: 2).description
        #expect(message.contains("NaN") && message.contains("3×2"))
    }
}

import Testing
import LinearAlgebra
import Analysis

@Suite struct SubspaceSimilarityTests {
    @Test func aBasisIsFullySimilarToItself() throws {
        var rng = SeededGenerator(seed: 51)
        let basis = try randomOrthonormalColumns(rows: 32, cols: 8, rng: &rng)
        let grid = try SubspaceSimilarityGrid(bases: basis, basis)
        for i in 1...8 { #expect(abs(grid.phi(i: i, j: i) - 1) < 1e-5) }
        // Nested prefixes: span(U[:, :i]) ⊂ span(U[:, :j]) for i ≤ j, so φ = 1 there too.
        #expect(abs(grid.phi(i: 2, j: 7) - 1) < 1e-5)
        #expect(abs(try subspaceSimilarity(basis, basis, i: 5, j: 5) - 1) < 1e-5)
    }

    @Test func orthogonalSubspacesHaveZeroSimilarity() throws {
        var rng = SeededGenerator(seed: 52)
        let both = try randomOrthonormalColumns(rows: 20, cols: 10, rng: &rng)
        let first = both.columns(0..<4), second = both.columns(4..<10)
        let grid = try SubspaceSimilarityGrid(bases: first, second)
        #expect(grid.maxI == 4 && grid.maxJ == 6)
        #expect(grid.values.values.allSatisfy { abs($0) < 1e-6 })
    }

    @Test func handComputedValueAndRange() throws {
        // e₁ against (e₁ + e₂)/√2: cos² = 1/2.
        let first = Matrix([[1], [0], [0]])
        let h = Float(0.5).squareRoot()
        let second = Matrix([[h, 0], [h, 0], [0, 1]])
        #expect(abs(try subspaceSimilarity(first, second, i: 1, j: 1) - 0.5) < 1e-6)
        // Adding e₃ to the second basis does not help e₁; min(1, 2) = 1 divides.
        #expect(abs(try subspaceSimilarity(first, second, i: 1, j: 2) - 0.5) < 1e-6)

        var rng = SeededGenerator(seed: 53)
        let u1 = try randomOrthonormalColumns(rows: 16, cols: 6, rng: &rng)
        let u2 = try randomOrthonormalColumns(rows: 16, cols: 9, rng: &rng)
        let grid = try SubspaceSimilarityGrid(bases: u1, u2)
        #expect(grid.values.values.allSatisfy { $0 >= 0 && $0 <= 1 + 1e-5 })
        // The prefix-sum grid agrees with the definition computed directly.
        for (i, j) in [(1, 1), (3, 7), (6, 9), (6, 2)] {
            let product = matmul(u1.columns(0..<i), u2.columns(0..<j), transposeA: true)
            let direct = product.frobeniusNorm * product.frobeniusNorm / Float(min(i, j))
            #expect(abs(grid.phi(i: i, j: j) - direct) < 1e-5)
        }
    }

    @Test func loRAMatricesCompareTheirRowSpaces() throws {
        var rng = SeededGenerator(seed: 54)
        // A₈'s rows span A₄'s rows plus four more directions: φ(4, 8) = 1.
        let small = rng.normalMatrix(rows: 4, cols: 64, std: 0.02)
        let extra = rng.normalMatrix(rows: 4, cols: 64, std: 0.02)
        let mixing = rng.normalMatrix(rows: 8, cols: 8, std: 1)
        let large = matmul(mixing, Matrix(rows: 8, cols: 64, values: small.values + extra.values))
        let grid = try SubspaceSimilarityGrid(loraA: small, large)
        #expect(grid.maxI == 4 && grid.maxJ == 8)
        #expect(abs(grid.phi(i: 4, j: 8) - 1) < 1e-4)
        // An unrelated A in 64 dimensions overlaps little: expected φ(4, 8) ≈ 8/64.
        let unrelated = try SubspaceSimilarityGrid(loraA: small, rng.normalMatrix(rows: 8, cols: 64, std: 0.02))
        #expect(unrelated.phi(i: 4, j: 8) < 0.5)
    }

    @Test func updatesCompareTheirLeftSingularVectors() throws {
        var rng = SeededGenerator(seed: 55)
        let a1 = rng.normalMatrix(rows: 4, cols: 24, std: 1), b1 = rng.normalMatrix(rows: 30, cols: 4, std: 1)
        let a2 = rng.normalMatrix(rows: 4, cols: 24, std: 1)
        // Same B (output directions), different A: the column spaces of ΔW coincide.
        let grid = try SubspaceSimilarityGrid(leftSingularVectorsOf: try lowRankSVD(a: a1, b: b1, scale: 1),
                                              try lowRankSVD(a: a2, b: b1, scale: 3))
        #expect(abs(grid.phi(i: 4, j: 4) - 1) < 1e-4)
    }

    @Test func badInputsGetClearErrors() throws {
        let basis = Matrix.identity(4).columns(0..<2)
        #expect(throws: AnalysisError.self) { try subspaceSimilarity(basis, Matrix.identity(5), i: 1, j: 1) }
        #expect(throws: AnalysisError.self) { try subspaceSimilarity(basis, basis, i: 3, j: 1) }
        #expect(throws: AnalysisError.self) { try subspaceSimilarity(basis, basis, i: 1, j: 0) }
        #expect(throws: AnalysisError.self) { try subspaceSimilarity(2 * basis, basis, i: 1, j: 1) }
        #expect(throws: AnalysisError.self) {
            try SubspaceSimilarityGrid(loraA: Matrix(rows: 4, cols: 10), Matrix(rows: 4, cols: 11))
        }
    }
}

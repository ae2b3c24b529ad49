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

    @Test func anAdapterAIsFullySimilarToItselfOnTheDiagonal() throws {
        var rng = SeededGenerator(seed: 56)
        let a = rng.normalMatrix(rows: 8, cols: 48, std: 0.1)
        let grid = try SubspaceSimilarityGrid(loraA: a, a)
        for i in 1...8 { #expect(abs(grid.phi(i: i, j: i) - 1) < 1e-4, "φ(\(i),\(i)) = \(grid.phi(i: i, j: i))") }
    }

    /// For Haar-random subspaces of dimensions i and j in ℝⁿ, with P, Q their
    /// projectors, ‖U_iᵀU_j‖²_F = tr(PQ) has mean ij/n and variance
    /// 2ij(n−i)(n−j) / (n²(n−1)(n+2)), so E φ(i,j) = max(i,j)/n. Gaussian A
    /// matrices have Haar-distributed row spaces. The mean of φ over 40
    /// independent pairs must lie within 4 standard errors of max(i,j)/n in
    /// every cell (a 4σ band: 64 cells seldom leave it by chance, and the seed
    /// makes the test deterministic).
    @Test func independentRandomAdaptersHaveSimilarityMaxIJOverN() throws {
        var rng = SeededGenerator(seed: 57)
        let n = 64, r = 8, pairs = 40
        var sums = [Double](repeating: 0, count: r * r)
        for _ in 0..<pairs {
            let grid = try SubspaceSimilarityGrid(loraA: rng.normalMatrix(rows: r, cols: n, std: 1),
                                                  rng.normalMatrix(rows: r, cols: n, std: 1))
            for i in 1...r { for j in 1...r { sums[(i - 1) * r + j - 1] += Double(grid.phi(i: i, j: j)) } }
        }
        let dimension = Double(n)
        for i in 1...r {
            for j in 1...r {
                let (a, b) = (Double(i), Double(j))
                let variance = 2 * a * b * (dimension - a) * (dimension - b) / (dimension * dimension * (dimension - 1) * (dimension + 2))
                let standardError = variance.squareRoot() / min(a, b) / Double(pairs).squareRoot()
                let mean = sums[(i - 1) * r + j - 1] / Double(pairs)
                let expected = max(a, b) / dimension
                #expect(abs(mean - expected) <= 4 * standardError,
                        "φ(\(i),\(j)) averaged \(mean), expected \(expected) ± \(4 * standardError)")
            }
        }
    }

    @Test func updatesCompareTheirRightSingularVectors() throws {
        var rng = SeededGenerator(seed: 58)
        let a1 = rng.normalMatrix(rows: 4, cols: 24, std: 1), b1 = rng.normalMatrix(rows: 30, cols: 4, std: 1)
        let b2 = rng.normalMatrix(rows: 30, cols: 4, std: 1)
        // Same A (input directions), different B: the row spaces of ΔW coincide, the column spaces do not.
        let first = try lowRankSVD(a: a1, b: b1, scale: 1), second = try lowRankSVD(a: a1, b: b2, scale: 2)
        let right = try SubspaceSimilarityGrid(rightSingularVectorsOf: first, second)
        #expect(abs(right.phi(i: 4, j: 4) - 1) < 1e-4)
        let left = try SubspaceSimilarityGrid(leftSingularVectorsOf: first, second)
        #expect(left.phi(i: 4, j: 4) < 0.9)
        // The A basis and the dW-right basis span the same space at full rank.
        let fromA = try SubspaceSimilarityGrid(bases: try SingularValueDecomposition(of: a1).v,
                                               first.rightSingularVectors(count: 4))
        #expect(abs(fromA.phi(i: 4, j: 4) - 1) < 1e-4)
    }
}

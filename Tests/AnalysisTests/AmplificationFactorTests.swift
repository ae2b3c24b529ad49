import Testing
import LinearAlgebra
import Analysis

@Suite struct AmplificationFactorTests {
    @Test func updateAlongKnownBaseDirectionsHasAKnownFactor() throws {
        var rng = SeededGenerator(seed: 61)
        let left = try randomOrthonormalColumns(rows: 16, cols: 12, rng: &rng)
        let right = try randomOrthonormalColumns(rows: 12, cols: 12, rng: &rng)
        let baseValues: [Float] = (0..<12).map { 8 * Float(0.7).power($0) }
        let base = matrix(left: left, values: baseValues, right: right)
        // ΔW = 3 u₅ v₅ᵀ + 2 u₉ v₉ᵀ: Uᵀ W V is diag(σ₅, σ₉) up to order and signs.
        let pickedLeft = Matrix(rows: 16, cols: 2, values: (0..<16).flatMap { [left[$0, 5], left[$0, 9]] })
        let pickedRight = Matrix(rows: 12, cols: 2, values: (0..<12).flatMap { [right[$0, 5], right[$0, 9]] })
        let update = matrix(left: pickedLeft, values: [3, 2], right: pickedRight)

        let expectedProjected = (baseValues[5] * baseValues[5] + baseValues[9] * baseValues[9]).squareRoot()
        let expectedFactor = Float(13).squareRoot() / expectedProjected

        let viaSVD = try AmplificationFactor(base: base, update: try SingularValueDecomposition(of: update), rank: 2)
        #expect(viaSVD.rank == 2)
        #expect(abs(viaSVD.updateNorm - Float(13).squareRoot()) < 1e-5)
        #expect(abs(viaSVD.projectedBaseNorm - expectedProjected) < 1e-5)
        #expect(abs(viaSVD.factor - expectedFactor) < 1e-3 * expectedFactor)
        #expect(abs(viaSVD.baseNorm - base.frobeniusNorm) < 1e-6)

        let viaVectors = try AmplificationFactor(base: base, left: pickedLeft, right: pickedRight,
                                                 updateNorm: update.frobeniusNorm)
        #expect(abs(viaVectors.factor - expectedFactor) < 1e-3 * expectedFactor)

        // The same update aimed at W's two strongest directions is amplified less.
        let top = matrix(left: left.columns(0..<2), values: [3, 2], right: right.columns(0..<2))
        let alongTop = try AmplificationFactor(base: base, update: try SingularValueDecomposition(of: top), rank: 2)
        let expectedTop = Float(13).squareRoot() / (baseValues[0] * baseValues[0] + baseValues[1] * baseValues[1]).squareRoot()
        #expect(abs(alongTop.factor - expectedTop) < 1e-3 * expectedTop)
        #expect(alongTop.factor < viaSVD.factor / 5)
    }

    @Test func lowRankSVDAndFormedUpdateAgree() throws {
        var rng = SeededGenerator(seed: 62)
        let base = rng.normalMatrix(rows: 24, cols: 20, std: 1)
        let a = rng.normalMatrix(rows: 4, cols: 20, std: 1), b = rng.normalMatrix(rows: 24, cols: 4, std: 1)
        let fast = try AmplificationFactor(base: base, update: try lowRankSVD(a: a, b: b, scale: 0.5), rank: 4)
        let formed = try AmplificationFactor(base: base, update: try SingularValueDecomposition(of: 0.5 * matmul(b, a)), rank: 4)
        #expect(abs(fast.factor - formed.factor) < 1e-3 * formed.factor)
        #expect(abs(fast.updateNorm - (0.5 * matmul(b, a)).frobeniusNorm) < 1e-4 * fast.updateNorm)
    }

    @Test func degenerateCasesAndBadShapes() throws {
        let base = Matrix([[1, 0], [0, 0]])
        // ΔW along e₂e₂ᵀ, a direction W never uses: infinite amplification.
        let orthogonal = try AmplificationFactor(base: base, left: Matrix([[0], [1]]), right: Matrix([[0], [1]]), updateNorm: 2)
        #expect(orthogonal.factor == .infinity)
        let zero = try AmplificationFactor(base: base, left: Matrix([[0], [1]]), right: Matrix([[0], [1]]), updateNorm: 0)
        #expect(zero.factor == 0)
        #expect(throws: AnalysisError.self) {
            try AmplificationFactor(base: base, left: Matrix([[0], [1], [0]]), right: Matrix([[0], [1]]), updateNorm: 1)
        }
        #expect(throws: AnalysisError.self) {
            try AmplificationFactor(base: base, update: try SingularValueDecomposition(of: base), rank: 3)
        }
    }
}

private extension Float {
    func power(_ exponent: Int) -> Float { (0..<exponent).reduce(1) { value, _ in value * self } }
}

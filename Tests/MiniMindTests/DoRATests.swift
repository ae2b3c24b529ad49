import LinearAlgebra
import MiniMind
import Testing

/// DoRA through the same seam as LoRA: its hand-written backward against
/// finite differences of the function it differentiates (the row norm held
/// fixed, as PEFT and the paper do), merge and unmerge, and its ΔW.
@Suite struct DoRATests {
    /// A layer with random W, a DoRA adapter with non-zero B (B = 0 would hide
    /// A's gradient) and a magnitude moved away from its initial ‖W‖.
    static func layer(inFeatures: Int = 7, outFeatures: Int = 5, rank: Int = 2, seed: UInt64 = 4) -> (Linear, DoRAAdapter) {
        let linear = Linear(name: "test.proj", inFeatures: inFeatures, outFeatures: outFeatures)
        var generator = SeededGenerator(seed: seed)
        linear.weight.matrix = generator.normalMatrix(rows: outFeatures, cols: inFeatures, std: 0.5)
        let dora = DoRAAdapter(layerName: linear.name, weight: linear.weight, rank: rank, alpha: Float(2 * rank),
                               initialization: .gaussian, rsLoRA: false, seed: seed + 1)
        dora.b.matrix = generator.normalMatrix(rows: outFeatures, cols: rank, std: 0.4)
        for j in 0..<outFeatures { dora.magnitude.value[j] *= 1 + 0.3 * generator.normal() }
        linear.update = dora
        return (linear, dora)
    }

    static func output(of linear: Linear, input: [Float], rows: Int) -> [Float] {
        var output = [Float](repeating: 0, count: rows * linear.outFeatures)
        linear.forward(input: input, output: &output, rows: rows, training: true)
        return output
    }

    @Test func magnitudeStartsAtTheRowNormsSoTheLayerIsUnchanged() {
        let linear = Linear(name: "test.proj", inFeatures: 6, outFeatures: 4)
        var generator = SeededGenerator(seed: 1)
        linear.weight.matrix = generator.normalMatrix(rows: 4, cols: 6, std: 0.5)
        let input = randomArray(3 * 6, generator: &generator)
        let plain = Self.output(of: linear, input: input, rows: 3)
        let dora = DoRAAdapter(layerName: linear.name, weight: linear.weight, rank: 2, alpha: 4,
                               initialization: .peft, rsLoRA: false, seed: 2)
        linear.update = dora
        let adapted = Self.output(of: linear, input: input, rows: 3)
        for (x, y) in zip(plain, adapted) { #expect(abs(x - y) < 1e-5) }
        let w = linear.weight.matrix
        for j in 0..<4 {
            let norm = (0..<6).reduce(Float(0)) { $0 + w[j, $1] * w[j, $1] }.squareRoot()
            #expect(abs(dora.magnitude.value[j] - norm) < 1e-5)
        }
        // m is trainable and counted: r·(in + out) + out.
        #expect(dora.parameterCount == 2 * (6 + 4) + 4)
        #expect(dora.ownTensors.allSatisfy { $0.requiresGrad })
    }

    @Test func forwardIsTheMagnitudeTimesTheDirection() {
        let (linear, dora) = Self.layer()
        var generator = SeededGenerator(seed: 9)
        let rows = 3
        let input = randomArray(rows * linear.inFeatures, generator: &generator)
        let output = Self.output(of: linear, input: input, rows: rows)
        // W' = diag(m / ‖W + sBA‖) (W + sBA), formed directly.
        let combined = linear.weight.matrix + dora.scale * matmul(dora.b.matrix, dora.a.matrix)
        var adapted = combined
        for j in 0..<combined.rows {
            let norm = (0..<combined.cols).reduce(Float(0)) { $0 + combined[j, $1] * combined[j, $1] }.squareRoot()
            for i in 0..<combined.cols { adapted[j, i] = combined[j, i] * dora.magnitude.value[j] / norm }
        }
        let expected = matmul(Matrix(rows: rows, cols: linear.inFeatures, values: input), adapted.transposed())
        #expect(Matrix(rows: rows, cols: linear.outFeatures, values: output).maxAbsDifference(expected) < 1e-5)
    }

    /// The gradient of Σ y ⊙ w with respect to A, B, m and x, against central
    /// differences of the same function with ‖W + sBA‖ held at its value.
    @Test func gradientMatchesFiniteDifferencesWithTheNormHeld() {
        let (linear, dora) = Self.layer()
        var generator = SeededGenerator(seed: 21)
        let rows = 4
        let input = randomArray(rows * linear.inFeatures, generator: &generator)
        let weights = randomArray(rows * linear.outFeatures, generator: &generator)
        dora.heldNorm = dora.rowNorms(of: linear.weight)

        for p in dora.ownTensors { p.gradient?.zero() }
        _ = Self.output(of: linear, input: input, rows: rows)
        var inputGradient = [Float](repeating: 0, count: input.count)
        linear.backward(input: input, outputGradient: weights, inputGradient: &inputGradient, accumulate: false, rows: rows)

        var checker = GradientChecker(h: 1e-2, tolerance: 1e-2, floor: 1e-3)
        for p in dora.ownTensors {
            let original = p.matrix
            checker.check(p.name, at: original.values, gradient: p.gradientMatrix!.values) { values in
                p.matrix = Matrix(rows: p.rows, cols: p.cols, values: values)
                defer { p.matrix = original }
                return projection(Self.output(of: linear, input: input, rows: rows), onto: weights)
            }
        }
        checker.check("input", at: input, gradient: inputGradient) { perturbed in
            projection(Self.output(of: linear, input: perturbed, rows: rows), onto: weights)
        }
        // The base stays frozen: no gradient was made for W.
        #expect(linear.weight.gradient == nil)
    }

    /// The whole model's loss with DoRA on attention and feed-forward matrices,
    /// every norm held: A, B and m of each adapter against finite differences.
    @Test func modelGradientThroughDoRAAdapters() throws {
        let model = ModelGradientTests.model(qkNorm: true)
        try model.attachLoRA(TargetSelector(parsing: "q,v,down"), config: LoRAConfig(rank: 2, initialization: .gaussian, dora: true), seed: 3)
        var generator = SeededGenerator(seed: 8)
        for linear in model.adaptedLinears {
            let dora = try #require(linear.update as? DoRAAdapter)
            dora.b.matrix = generator.normalMatrix(rows: dora.b.rows, cols: dora.b.cols, std: 0.3)
            for j in 0..<dora.outFeatures { dora.magnitude.value[j] *= 1 + 0.2 * generator.normal() }
            dora.heldNorm = dora.rowNorms(of: linear.weight)
        }
        #expect(model.trainableParameters.count == 3 * 2 * 3)  // 3 kinds × 2 layers × (A, B, m)
        ModelGradientTests().checkEveryTrainableTensor(model, label: "dora")
    }

    @Test func mergeThenUnmergeRestoresTheWeights() throws {
        let model = LoRAAdapterTests.smallModel()
        try model.attachLoRA(TargetSelector(parsing: "all-linear"), config: LoRAConfig(rank: 4, dora: true), seed: 2)
        var generator = SeededGenerator(seed: 3)
        for linear in model.adaptedLinears {
            let dora = try #require(linear.update as? DoRAAdapter)
            dora.b.matrix = generator.normalMatrix(rows: linear.outFeatures, cols: 4, std: 0.5)
            for j in 0..<dora.outFeatures { dora.magnitude.value[j] *= 1 + 0.2 * generator.normal() }
        }
        let before = model.linears.map(\.weight.matrix)
        let tokens: [Int32] = Array(0..<16).map { Int32($0 * 7 % 259) }
        let adaptedLogits = model.logits(tokens: tokens)
        let deltas = model.linears.map { $0.update!.learnedDelta(weight: $0.weight).formed }
        try model.mergeAdapters()
        #expect(model.logits(tokens: tokens).maxAbsDifference(adaptedLogits) < 1e-4)
        for (linear, original) in zip(model.linears, before) {
            #expect((linear.weight.matrix - original).maxAbsDifference(linear.update!.learnedDelta(weight: linear.weight).formed) < 1e-5)
        }
        #expect(model.linears[0].update!.learnedDelta(weight: model.linears[0].weight).formed.maxAbsDifference(deltas[0]) < 1e-5)
        try model.unmergeAdapters()
        for (linear, original) in zip(model.linears, before) {
            #expect(linear.weight.matrix.maxAbsDifference(original) < 1e-5)
        }
        #expect(model.logits(tokens: tokens).maxAbsDifference(adaptedLogits) < 1e-4)
    }

    /// ΔW = W' − W: the magnitude rescales whole rows, so ΔW has more than r
    /// directions (why `spectrum` decomposes it in full).
    @Test func learnedDeltaIsFullRank() throws {
        let (linear, dora) = Self.layer(inFeatures: 8, outFeatures: 6, rank: 2)
        let learned = dora.learnedDelta(weight: linear.weight)
        guard case .dense(let delta) = learned.form else {
            Issue.record("DoRA's ΔW must be dense")
            return
        }
        #expect(learned.base == linear.weight.matrix)
        let singularValues = try SingularValueDecomposition(of: delta).singularValues
        #expect(singularValues.filter { $0 > 1e-3 * singularValues[0] }.count > dora.rank)
    }

    @Test func doraRefusesDropout() throws {
        let model = LoRAAdapterTests.smallModel()
        #expect(throws: AdaptationError.doraWithDropout) {
            try model.attachLoRA(TargetSelector(parsing: "q"), config: LoRAConfig(rank: 2, dropout: 0.1, dora: true), seed: 0)
        }
        #expect(model.adaptedLinears.isEmpty)
    }

    @Test func copyIsIndependent() throws {
        let (linear, dora) = Self.layer()
        let other = linear.copy()
        let copied = try #require(other.update as? DoRAAdapter)
        #expect(copied.magnitude.matrix == dora.magnitude.matrix)
        copied.magnitude.value[0] += 1
        #expect(copied.magnitude.value[0] != dora.magnitude.value[0])
        #expect(copied.b.matrix == dora.b.matrix)
    }
}

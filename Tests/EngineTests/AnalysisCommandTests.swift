import Analysis
@testable import Engine
import Foundation
import LinearAlgebra
import MiniMind
import Testing

/// The analysis operations (Lab/Lab+Analysis.swift) on real models with
/// planted updates, and the analysis commands through the language.
@Suite("Analysis commands")
struct AnalysisCommandTests {
    // MARK: Sessions built directly, so the updates are known exactly

    private static let config = ModelConfig(dim: 64, layers: 1, heads: 4, kvHeads: 4, ffn: 96, vocabSize: 259, maxSeq: 32)

    private func adapted(seed: UInt64, rank: Int = 8) throws -> ModelLab {
        let model = Model(config: Self.config, seed: 1)
        try model.attachLoRA(try TargetSelector(parsing: "q,v"), config: LoRAConfig(rank: rank), seed: seed)
        return ModelLab(model: model, origin: "test")
    }

    /// `finetune targets=<selector>` with W = W₀ + `delta(linear)` planted in each selected matrix.
    private func fullyTuned(_ selector: String, seed: UInt64 = 1,
                            delta: (Linear, inout SeededGenerator) -> Matrix) throws -> ModelLab {
        let model = Model(config: Self.config, seed: 1)
        var rng = SeededGenerator(seed: seed)
        for linear in try model.beginFullFineTuning(try TargetSelector(parsing: selector)) {
            linear.weight.matrix = linear.weight.matrix + delta(linear, &rng)
        }
        return ModelLab(model: model, origin: "test")
    }

    private func lab(_ current: ModelLab? = nil, runs: [(String, ModelLab)] = []) -> Lab {
        var state = SessionState()
        state.lab = current
        state.runs = runs.map { SavedRun(name: $0.0, lab: $0.1, finetuneSource: nil, seed: 42) }
        return Lab(state: state, cancellation: CancellationFlag())
    }

    private let here = SourceLocation(line: 1, column: 1, offset: 0)
    private func named(_ name: String) -> NamedChoice { NamedChoice(name: name, location: here) }

    private func similarity(_ lab: Lab, _ first: String, _ second: String, basis: SimilarityBasis) throws -> SimilarityReport {
        try lab.similarity(SimilarityOptions(first: named(first), second: named(second), matrix: named("layers.0.q"),
                                             basis: basis, commandLocation: here))
    }

    @Test func anAdapterIsFullySimilarToItselfOnTheABasis() throws {
        let run = try adapted(seed: 3)
        let report = try similarity(lab(runs: [("a", run), ("b", run.snapshot())]), "a", "b", basis: .loraA)
        #expect(report.basis == .loraA && report.grid.maxI == 8 && report.grid.maxJ == 8)
        for i in 1...8 { #expect(abs(report.grid.phi(i: i, j: i) - 1) < 1e-4, "φ(\(i),\(i)) = \(report.grid.phi(i: i, j: i))") }
    }

    /// Two adapters initialised from different seeds (A kaiming-uniform on
    /// ℝ⁶⁴): A's row spaces are independent and invariant under signed
    /// permutations of the coordinates, so E φ(i,j) = max(i,j)/n exactly. The
    /// band is 4 standard deviations of φ for Haar subspaces,
    /// √(2ij(n−i)(n−j) / (n²(n−1)(n+2))) / min(i,j) (uniform entries are close
    /// to Haar at n = 64); against 1 for the adapter with itself.
    @Test func independentAdaptersAreAsSimilarAsRandomSubspaces() throws {
        let report = try similarity(lab(runs: [("a", try adapted(seed: 3)), ("b", try adapted(seed: 4))]), "a", "b", basis: .loraA)
        let n = 64.0
        for (i, j) in [(2, 2), (4, 4), (4, 8), (8, 8)] {
            let (a, b) = (Double(i), Double(j))
            let deviation = (2 * a * b * (n - a) * (n - b) / (n * n * (n - 1) * (n + 2))).squareRoot() / min(a, b)
            let phi = Double(report.grid.phi(i: i, j: j))
            #expect(abs(phi - max(a, b) / n) <= 4 * deviation, "φ(\(i),\(j)) = \(phi), expected \(max(a, b) / n) ± \(4 * deviation)")
        }
    }

    @Test func aFullFineTuneHasNoABasisAndTheErrorSaysWhatToUse() throws {
        let tuned = try fullyTuned("q") { linear, rng in rng.normalMatrix(rows: linear.outFeatures, cols: linear.inFeatures, std: 0.01) }
        let session = lab(runs: [("full", tuned), ("other", tuned.snapshot())])
        let refused = #expect(throws: CommandFailure.self) { try similarity(session, "full", "other", basis: .loraA) }
        let message = refused?.message ?? ""
        #expect(message.contains("no A") && message.contains("basis=dW-right") && message.contains("basis=dW-left"), "\(message)")
        // The ΔW bases work, and a matrix against itself is 1 on the diagonal there too.
        for basis in [SimilarityBasis.updateLeft, .updateRight] {
            let report = try similarity(session, "full", "other", basis: basis)
            for i in 1...report.grid.maxI { #expect(abs(report.grid.phi(i: i, j: i) - 1) < 1e-3) }
        }
    }

    @Test func theABasisAndTheRightBasisOfDWDiffer() throws {
        // After training B is no longer 0; here B is planted so ΔW = s·BA has a
        // spectrum of its own: the A basis orders directions by A's singular values,
        // dW-right by ΔW's, and both span A's row space.
        let run = try adapted(seed: 5, rank: 4)
        var rng = SeededGenerator(seed: 6)
        let adapter = try #require(run.model.linear(named: "model.layers.0.self_attn.q_proj")?.update as? LoRAAdapter)
        adapter.b.matrix = rng.normalMatrix(rows: 64, cols: 4, std: 0.1)
        let session = lab(runs: [("a", run), ("b", run.snapshot())])
        let fromA = try similarity(session, "a", "b", basis: .loraA)
        let right = try similarity(session, "a", "b", basis: .updateRight)
        #expect(abs(fromA.grid.phi(i: 4, j: 4) - 1) < 1e-4 && abs(right.grid.phi(i: 4, j: 4) - 1) < 1e-4)
        let mixed = try SubspaceSimilarityGrid(bases: try SingularValueDecomposition(of: adapter.a.matrix).v,
                                               right.first.update.decomposition.rightSingularVectors(count: 4))
        #expect(abs(mixed.phi(i: 4, j: 4) - 1) < 1e-4)
    }

    /// ΔW drawn independently of W₀ sees W₀ like a random subspace pair does:
    /// ‖UᵀW₀V‖_F with ΔW's U, V lies within 4 standard deviations of the random
    /// baseline's mean (64 draws, so the mean itself is known to ±sd/8).
    @Test func aRandomUpdateIsAmplifiedLikeARandomSubspace() throws {
        let tuned = try fullyTuned("q") { linear, rng in
            matmul(rng.normalMatrix(rows: linear.outFeatures, cols: 4, std: 0.1), rng.normalMatrix(rows: 4, cols: linear.inFeatures, std: 0.1))
        }
        let report = try lab(tuned).amplification(AmplificationOptions(matrix: named("layers.0.q"), rank: 4, randomDraws: 64))
        let b = report.baselines
        let deviation = try #require(b.alongRandomDeviation)
        #expect(abs(b.alongUpdate - b.alongRandom) < 4 * deviation, "ΔW's \(b.alongUpdate), random \(b.alongRandom) ± \(deviation)")
        #expect(b.alongBaseTop > b.alongRandom + 4 * deviation)
        #expect(b.rank == 4 && b.randomDraws == 64 && report.seed == 42)
        #expect(abs(b.factor - b.updateNorm / b.alongUpdate) < 1e-4 * b.factor)
    }

    // MARK: truncate

    @Test(arguments: [1, 5])
    func truncationErrorIsTheTailOfTheSpectrum(rank: Int) throws {
        let tuned = try fullyTuned("up,down") { linear, rng in
            rng.normalMatrix(rows: linear.outFeatures, cols: linear.inFeatures, std: 0.02)
        }
        let linears = ["model.layers.0.mlp.up_proj", "model.layers.0.mlp.down_proj"].compactMap { tuned.model.linear(named: $0) }
        let before = try linears.map { linear in
            let full = try #require(linear.update as? FullFineTuning)
            return (reference: full.reference, delta: linear.weight.matrix - full.reference,
                    sigma: try SingularValueDecomposition.singularValues(of: linear.weight.matrix - full.reference))
        }
        var session = lab(tuned)
        let report = try session.truncate(TruncationOptions(ranks: [rank], verbLocation: here))
        #expect(report.entries.count == 2 && report.entries.allSatisfy(\.changed))
        #expect(session.state.lab?.adaptation?.contains("truncated to rank \(rank)") == true)
        for (linear, old) in zip(linears, before) {
            let truncated = linear.weight.matrix - old.reference
            let tail = old.sigma.dropFirst(rank).reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(Double((old.delta - truncated).frobeniusNorm) - tail) < 1e-4 * tail)
            let kept = try SingularValueDecomposition.singularValues(of: truncated)
            #expect(kept[rank] < 1e-4 * kept[0], "σ_\(rank + 1) of the truncated ΔW is \(kept[rank])")
        }
    }

    @Test func truncationAtFullRankChangesNothing() throws {
        let tuned = try fullyTuned("up") { linear, rng in rng.normalMatrix(rows: linear.outFeatures, cols: linear.inFeatures, std: 0.02) }
        let linear = try #require(tuned.model.linear(named: "model.layers.0.mlp.up_proj"))
        let before = linear.weight.matrix
        var session = lab(tuned)
        let report = try session.truncate(TruncationOptions(ranks: [64], matrix: named("layers.0.up"), verbLocation: here))
        #expect(report.entries.count == 1 && !report.entries[0].changed)
        #expect(linear.weight.matrix.maxAbsDifference(before) <= 1e-5)
    }

    @Test func aFailingTruncateWritesNoWeight() throws {
        // `targets=up,down` selects in model order: the tuned up (planned first),
        // then the untouched down, which fails; up must not have been written.
        let tuned = try fullyTuned("up") { linear, rng in rng.normalMatrix(rows: linear.outFeatures, cols: linear.inFeatures, std: 0.02) }
        let up = try #require(tuned.model.linear(named: "model.layers.0.mlp.up_proj"))
        let before = up.weight.matrix
        var session = lab(tuned)
        let refused = #expect(throws: CommandFailure.self) {
            try session.truncate(TruncationOptions(ranks: [1], targets: (["up", "down"], here), verbLocation: here))
        }
        #expect(refused?.message.contains("layers.0.down is not fine-tuned") == true, "\(refused?.message ?? "")")
        #expect(up.weight.matrix.maxAbsDifference(before) == 0)
    }

    @Test func truncateRefusesAdapters() throws {
        var session = lab(try adapted(seed: 3))
        let refused = #expect(throws: CommandFailure.self) { try session.truncate(TruncationOptions(ranks: [2], verbLocation: here)) }
        let message = refused?.message ?? ""
        #expect(message.contains("LoRA r=8 adapter") && message.contains("full fine-tuning"), "\(message)")
    }

    // MARK: Through the language

    private func trainedEngine(_ setup: String) -> Engine {
        let engine = Engine.forTesting()
        let transcript = engine.run("""
            \(SessionTests.small)
            data finetune builtin:identity
            \(setup)
            train steps=3 batch=2 seq=64
            """)
        #expect(transcript.error == nil, "\(transcript.error?.message ?? "")")
        return engine
    }

    private func countRow(_ table: String) -> [Int] {
        guard let row = table.split(separator: "\n").first(where: { $0.hasPrefix("count") }) else { return [] }
        return row.split(separator: " ").dropFirst().compactMap { Int($0) }
    }

    @Test func intrudersSweepsEpsilonAndCountsGrowWithIt() {
        let engine = trainedEngine("lora targets=q,v rank=2")
        let sweep = engine.run("intruders matrix=layers.0.q k=16 eps=0.1,0.3,0.5,0.7,0.9,1")
        #expect(sweep.error == nil, "\(sweep.error?.message ?? "")")
        for epsilon in ["0.1", "0.3", "0.5", "0.7", "0.9", "1"] { #expect(sweep.resultText.contains("at ε=\(epsilon)")) }
        let counts = countRow(sweep.resultText)
        #expect(counts.count == 6, "\(sweep.resultText)")
        #expect(sweep.resultText.contains("per ε: ε = 0.1: \(counts.first ?? -1), ε = 0.3: "))
        for (earlier, later) in zip(counts, counts.dropFirst()) { #expect(earlier <= later) }
        // The default is the sweep of the spec; one value gives one column, as before.
        #expect(countRow(engine.run("intruders matrix=layers.0.q").resultText).count == 4)
        let single = engine.run("intruders matrix=layers.0.q k=10 eps=0.5")
        #expect(countRow(single.resultText).count == 1 && single.resultText.contains("among the top 10 of model.layers.0.self_attn.q_proj (LoRA r=2, ε = 0.5)"))
    }

    @Test func epsilonListsAreCheckedItemByItem() {
        let engine = trainedEngine("lora targets=q rank=2")
        let outside = engine.run("intruders eps=0.5,1.5")
        #expect(outside.error?.name == "ArgumentError")
        #expect(outside.error?.message.contains("'eps' item 2 must be at most 1") == true, "\(outside.error?.message ?? "")")
        let word = engine.run("intruders eps=0.5,high")
        #expect(word.error?.message.contains("'eps' item 2 expects a number") == true, "\(word.error?.message ?? "")")
        #expect(engine.run("intruders eps=-0.1").error?.message.contains("at least 0") == true)
    }

    @Test func truncateThroughTheLanguage() {
        let engine = trainedEngine("finetune targets=up")
        #expect(engine.run("truncate").error?.message.contains("needs rank=") == true)
        #expect(engine.run("truncate rank=2 matrix=layers.0.up targets=ffn").error?.name == "ArgumentError")
        let done = engine.run("truncate rank=2")
        #expect(done.error == nil, "\(done.error?.message ?? "")")
        #expect(done.resultText.contains("replaced by its best rank-2 approximation"), "\(done.resultText)")
        // σ₃ onward of the new ΔW is zero (to rounding).
        let svd = engine.run("svd layers.0.up top=4").resultText
        let third = svd.split(separator: "\n").first { $0.hasPrefix("3 ") }.flatMap { $0.split(separator: " ").dropFirst().first }
        #expect(third.flatMap { Float($0) }.map { $0 < 1e-5 } == true, "\(svd)")
    }

    @Test func floorNeedsTheSameMatricesInTheRun() {
        let engine = trainedEngine("finetune targets=up")
        #expect(engine.run("spectrum floor=nope").error?.name == "NameError")
        engine.run("run save seedA\nset seed=9")
        let shown = engine.run("spectrum floor=seedA")
        #expect(shown.error == nil, "\(shown.error?.message ?? "")")
        #expect(shown.resultText.contains("floor σ₁") && shown.resultText.contains("above floor"))
        // Against itself the floor is zero and every nonzero direction stands above it.
        let itself = engine.run("svd layers.0.up top=3 floor=seedA").resultText
        #expect(itself.contains("yes"), "\(itself)")
        // A matrix the run did not train has no floor: a clear error, pointing at floor=.
        engine.run("finetune targets=down")
        let mismatch = engine.run("spectrum floor=seedA")
        #expect(mismatch.error?.message.contains("run 'seedA' has no learned update of layers.0.down") == true,
                "\(mismatch.error?.message ?? "")")
    }

    @Test func similarityDefaultsToTheABasisAndNamesItsBasis() {
        let engine = trainedEngine("lora targets=q,v rank=2")
        engine.run("run save a\nrun save b")
        let byDefault = engine.run("similarity a b matrix=layers.0.q")
        #expect(byDefault.resultText.contains("basis=A: right singular vectors of each run's A"), "\(byDefault.resultText)")
        #expect(byDefault.resultText.contains("φ(1,1) = 1.000"))
        let left = engine.run("similarity a b matrix=layers.0.q basis=dW-left")
        #expect(left.resultText.contains("basis=dW-left: left singular vectors of each run's ΔW"), "\(left.resultText)")
        #expect(engine.run("similarity a b basis=B").error?.message.contains("must be one of A, dW-left, dW-right") == true)

        let full = trainedEngine("finetune targets=q")
        full.run("run save f\nrun save g")
        let refused = full.run("similarity f g matrix=layers.0.q")
        #expect(refused.error?.name == "CommandError" && refused.error?.message.contains("basis=dW-right") == true,
                "\(refused.error?.message ?? "")")
        #expect(full.run("similarity f g matrix=layers.0.q basis=dW-right").error == nil)
    }

    @Test func amplificationPrintsTableSevensBaselines() {
        let engine = trainedEngine("lora targets=q rank=2")
        let text = engine.run("amplification matrix=layers.0.q draws=8").resultText
        for row in ["U,V = ΔW's top-2", "U,V = W0's own top-2", "U,V random (mean ± sd of 8)", "‖W0‖_F", "‖ΔW‖_F", "amplification"] {
            #expect(text.contains(row), "\(row) missing from \(text)")
        }
        #expect(text.contains("session seed (42)"))
        #expect(engine.run("amplification draws=0").error?.name == "ArgumentError")
    }
}
